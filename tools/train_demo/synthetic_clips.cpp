#include "synthetic_clips.h"

#include <ATen/ATen.h>

#include <array>
#include <cmath>
#include <string>
#include <vector>

namespace ts::demo {

namespace {

constexpr double kPi = 3.14159265358979323846;

// splitmix64: every draw is a pure function of the clip's seed and the draw's index.
class Rng {
public:
    explicit Rng(std::uint64_t seed) : state_(seed * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL) {}
    std::uint64_t next() {
        std::uint64_t x = (state_ += 0x9e3779b97f4a7c15ULL);
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
        return x ^ (x >> 31);
    }
    double uniform(double lo = 0.0, double hi = 1.0) { return lo + (hi - lo) * ((next() >> 11) * (1.0 / 9007199254740992.0)); }
    int integer(int lo, int hi) { return lo + static_cast<int>(next() % static_cast<std::uint64_t>(hi - lo + 1)); }
    bool chance(double p) { return uniform() < p; }

private:
    std::uint64_t state_;
};

using Color = std::array<float, 3>;

Color randomColor(Rng& rng) {
    return {static_cast<float>(rng.uniform(-0.95, 0.95)), static_cast<float>(rng.uniform(-0.95, 0.95)),
            static_cast<float>(rng.uniform(-0.95, 0.95))};
}

at::Tensor colorTensor(const Color& c) { return at::tensor(std::vector<float>(c.begin(), c.end())).view({3, 1, 1, 1}); }

// Pixel-centre coordinates broadcastable to [F, H, W].
struct Grid {
    at::Tensor t, y, x;
    int frames, height, width;
};

Grid makeGrid(const ClipSpec& s) {
    Grid g;
    g.frames = s.frames;
    g.height = s.height;
    g.width = s.width;
    g.t = at::arange(s.frames, at::kFloat).view({s.frames, 1, 1});
    g.y = (at::arange(s.height, at::kFloat) + 0.5).view({1, s.height, 1});
    g.x = (at::arange(s.width, at::kFloat) + 0.5).view({1, 1, s.width});
    return g;
}

// Blends `color` (a [3,1,1,1] constant or a [3,F,H,W] field) over img with coverage [F,H,W].
void blend(at::Tensor& img, const at::Tensor& coverage, const at::Tensor& color) {
    const at::Tensor a = coverage.unsqueeze(0);
    img = img * (1 - a) + color * a;
}

// A smooth field in [0,1] over [F,H,W]: a linear or radial gradient drifting in time.
at::Tensor gradientField(Rng& rng, const Grid& g) {
    const double size = std::min(g.height, g.width);
    if (rng.chance(0.6)) {
        const double angle = rng.uniform(0, 2 * kPi), drift = rng.uniform(-1.5, 1.5);
        const double period = size * rng.uniform(0.8, 3.0);
        at::Tensor d = (g.x * std::cos(angle) + g.y * std::sin(angle) + g.t * drift) / period;
        return 0.5 + 0.5 * at::sin(d * 2 * kPi + rng.uniform(0, 2 * kPi));
    }
    const double cx = rng.uniform(0, g.width), cy = rng.uniform(0, g.height);
    const double vx = rng.uniform(-1.5, 1.5), vy = rng.uniform(-1.5, 1.5), r = size * rng.uniform(0.4, 1.2);
    at::Tensor dist = at::sqrt(at::pow(g.x - cx - vx * g.t, 2) + at::pow(g.y - cy - vy * g.t, 2)) / r;
    return at::clamp(dist, 0, 1);
}

// A texture seen by a panning (and slightly zooming) camera: gratings, checkers or blobs.
at::Tensor pannedTexture(Rng& rng, const Grid& g) {
    const double vx = rng.uniform(-1.5, 1.5), vy = rng.uniform(-1.5, 1.5);
    const double zoom = rng.chance(0.3) ? rng.uniform(-0.01, 0.01) : 0.0;
    const double cx = g.width / 2.0, cy = g.height / 2.0;
    at::Tensor scale = 1 + zoom * g.t;
    at::Tensor u = (g.x - cx) * scale + cx + vx * g.t;
    at::Tensor v = (g.y - cy) * scale + cy + vy * g.t;
    const int kind = rng.integer(0, 2);
    if (kind == 0) {  // checkerboard with soft edges
        const double cell = rng.uniform(10, 24);
        at::Tensor a = at::sin(u * (kPi / cell)) * at::sin(v * (kPi / cell));
        return at::clamp(a * 4 + 0.5, 0, 1);
    }
    at::Tensor sum = at::zeros_like(u + v);
    const int waves = rng.integer(2, 4);
    for (int i = 0; i < waves; ++i) {
        const double angle = rng.uniform(0, kPi), period = rng.uniform(16, 64);
        const double k = 2 * kPi / period;
        sum = sum + at::sin((u * std::cos(angle) + v * std::sin(angle)) * k + rng.uniform(0, 2 * kPi));
    }
    sum = sum / waves;
    if (kind == 1) return 0.5 + 0.5 * sum;        // smooth interference pattern
    return at::clamp(sum * 3 + 0.5, 0, 1);        // hard-ish stripes/blobs
}

// A regular polygon (sides 3..6), ellipse or rounded box moving on a straight path,
// rotating, with anti-aliased edges: coverage from the signed distance in pixels.
at::Tensor shapeCoverage(Rng& rng, const Grid& g) {
    const double size = std::min(g.height, g.width);
    const double r = size * rng.uniform(0.07, 0.3);
    const double x0 = rng.uniform(-0.1, 1.1) * g.width, y0 = rng.uniform(-0.1, 1.1) * g.height;
    const double vx = rng.uniform(-2, 2), vy = rng.uniform(-2, 2);
    const double a0 = rng.uniform(0, 2 * kPi), spin = rng.chance(0.5) ? rng.uniform(-0.08, 0.08) : 0.0;
    at::Tensor dx = g.x - x0 - vx * g.t, dy = g.y - y0 - vy * g.t;
    at::Tensor ang = a0 + spin * g.t;
    at::Tensor c = at::cos(ang), s = at::sin(ang);
    at::Tensor px = dx * c + dy * s, py = -dx * s + dy * c;
    at::Tensor sd;
    const int kind = rng.integer(0, 5);
    if (kind == 0) {  // ellipse (approximate distance)
        const double ry = r * rng.uniform(0.5, 1.0);
        sd = (at::sqrt(at::pow(px / r, 2) + at::pow(py / ry, 2)) - 1) * ry;
    } else if (kind == 1) {  // box
        const double hh = r * rng.uniform(0.3, 1.0);
        sd = at::max(px.abs() - r, py.abs() - hh);
    } else {  // regular polygon with kind + 1 sides
        const int sides = kind + 1;
        sd = at::full_like(px, -1e9);
        for (int k = 0; k < sides; ++k) {
            const double phi = 2 * kPi * k / sides;
            sd = at::max(sd, px * std::cos(phi) + py * std::sin(phi) - r * std::cos(kPi / sides));
        }
    }
    return at::clamp(0.5 - sd, 0, 1);
}

// 5x7 glyphs, rows top to bottom, bit 4 = leftmost column.
const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ";
const std::uint8_t kFont[][7] = {
    {0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}, {0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E},
    {0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E}, {0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C},
    {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F}, {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10},
    {0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F}, {0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11},
    {0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E}, {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C},
    {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11}, {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F},
    {0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11}, {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11},
    {0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}, {0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10},
    {0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D}, {0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11},
    {0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E}, {0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04},
    {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}, {0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04},
    {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A}, {0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11},
    {0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04}, {0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F},
    {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}, {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E},
    {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}, {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E},
    {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}, {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E},
    {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}, {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08},
    {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}, {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C},
    {0, 0, 0, 0, 0, 0, 0},
};

// A line of text as a [1, 1, 9, 6 * n + 1] bitmap (one blank row/column around glyphs).
at::Tensor textBitmap(const std::string& text) {
    const int64_t n = static_cast<int64_t>(text.size());
    at::Tensor bmp = at::zeros({1, 1, 9, 6 * n + 1}, at::kFloat);
    float* p = bmp.data_ptr<float>();
    const int64_t stride = 6 * n + 1;
    for (int64_t i = 0; i < n; ++i) {
        const std::string alphabet = kAlphabet;
        const size_t g = alphabet.find(text[static_cast<size_t>(i)]);
        if (g == std::string::npos) continue;
        for (int row = 0; row < 7; ++row)
            for (int col = 0; col < 5; ++col)
                if (kFont[g][row] & (0x10 >> col)) p[(row + 1) * stride + 1 + 6 * i + col] = 1.0f;
    }
    return bmp;
}

std::string randomText(Rng& rng, int chars) {
    static const char* words[] = {"TILESCOPE", "WAN", "VAE", "DECODE", "TILE", "SEAM", "FRAME", "LATENT",
                                  "VIDEO", "DEMO", "2026", "CPU", "CUDA", "BLEND", "EXACT", "PROFILE"};
    std::string s;
    while (static_cast<int>(s.size()) < chars) {
        if (rng.chance(0.7)) {
            s += words[rng.integer(0, 15)];
        } else {
            const int n = rng.integer(1, 6);
            for (int i = 0; i < n; ++i) s += kAlphabet[rng.integer(0, 35)];
        }
        s += ' ';
    }
    return s;
}

// Coverage of a text line scrolling horizontally (or vertically), bilinearly sampled.
at::Tensor textCoverage(Rng& rng, const Grid& g) {
    const double px = rng.uniform(3.0, 5.0);  // pixels per font pixel
    const int chars = static_cast<int>(g.width / (6 * px)) + 8;
    const at::Tensor bmp = textBitmap(randomText(rng, chars));
    const double bmpW = static_cast<double>(bmp.size(3)), bmpH = 9.0;
    const bool vertical = rng.chance(0.25);
    const double speed = rng.uniform(0.5, 2.0) * (rng.chance(0.5) ? 1 : -1);
    const double y0 = rng.uniform(0.0, std::max(1.0, g.height - 9 * px));
    const double x0 = rng.uniform(-0.3, 0.0) * bmpW * px;
    at::Tensor u, v;  // bitmap coordinates in font pixels
    if (!vertical) {
        u = (g.x - x0 - speed * g.t) / px;
        v = (g.y - y0) / px + 0 * g.t;
    } else {
        u = (g.x - rng.uniform(0, g.width * 0.5)) / px + 0 * g.t;
        v = (g.y - y0 - speed * g.t) / px;
    }
    u = u.expand({g.frames, g.height, g.width});
    v = v.expand({g.frames, g.height, g.width});
    // grid_sampler wants [-1, 1] over the bitmap (align_corners = false).
    at::Tensor grid = at::stack({u / bmpW * 2 - 1, v / bmpH * 2 - 1}, -1);
    at::Tensor in = bmp.expand({g.frames, 1, 9, bmp.size(3)}).contiguous();
    at::Tensor cov = at::grid_sampler(in, grid, /*bilinear*/ 0, /*zeros*/ 0, /*align_corners=*/false);
    return cov.squeeze(1);
}

}  // namespace

at::Tensor makeClip(std::uint64_t seed, const ClipSpec& spec) {
    Rng rng(seed);
    const Grid g = makeGrid(spec);
    const std::vector<int64_t> full{3, spec.frames, spec.height, spec.width};
    // Background: a two-colour gradient or a panned texture in a two- or three-colour palette.
    at::Tensor img;
    const Color c0 = randomColor(rng), c1 = randomColor(rng);
    const at::Tensor f = rng.chance(0.5) ? gradientField(rng, g) : pannedTexture(rng, g);
    img = (colorTensor(c0) * (1 - f.unsqueeze(0)) + colorTensor(c1) * f.unsqueeze(0)).expand(full).contiguous();
    if (rng.chance(0.3)) blend(img, gradientField(rng, g) * 0.6, colorTensor(randomColor(rng)));
    // Shapes, solid or with their own gradient fill.
    const int shapes = rng.integer(0, 5);
    for (int i = 0; i < shapes; ++i) {
        const at::Tensor cov = shapeCoverage(rng, g);
        if (rng.chance(0.7)) {
            blend(img, cov, colorTensor(randomColor(rng)));
        } else {
            const at::Tensor fill = gradientField(rng, g).unsqueeze(0);
            blend(img, cov, colorTensor(randomColor(rng)) * (1 - fill) + colorTensor(randomColor(rng)) * fill);
        }
    }
    // Scrolling text lines.
    const int lines = rng.chance(0.45) ? rng.integer(1, 3) : 0;
    for (int i = 0; i < lines; ++i) blend(img, textCoverage(rng, g), colorTensor(randomColor(rng)));
    // Occasionally a global fade, as in a scene transition.
    if (rng.chance(0.1)) {
        const double rate = rng.uniform(-0.06, 0.06);
        img = img * at::clamp(1 + rate * g.t, 0.2, 1.5).unsqueeze(0);
    }
    return img.clamp(-1, 1).contiguous();
}

at::Tensor makeBatch(std::uint64_t firstSeed, int batch, const ClipSpec& spec) {
    std::vector<at::Tensor> clips;
    for (int i = 0; i < batch; ++i) clips.push_back(makeClip(firstSeed + static_cast<std::uint64_t>(i), spec));
    return at::stack(clips, 0);
}

}  // namespace ts::demo
