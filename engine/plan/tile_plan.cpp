#include "plan/tile_plan.h"

#include "core/error.h"

#include <algorithm>
#include <cstdio>

namespace ts {

namespace {

int elementBytesOf(Precision p) { return p == Precision::FP32 ? 4 : 2; }

// Tile starts along one axis of `length` units: tiles of `size` every `stride`, the last
// one moved back to end at the edge (so every tile has the full size).
std::vector<std::int64_t> starts(std::int64_t length, std::int64_t size, std::int64_t stride) {
    if (size >= length) return {0};
    std::vector<std::int64_t> s;
    for (std::int64_t p = 0; p + size < length; p += stride) s.push_back(p);
    s.push_back(length - size);
    return s;
}

// Linear feathering along one axis, for every tile at once: each tile's weight ramps
// from its edges over `ramp` pixels (not at the frame's edges), then the weights are
// divided by their sum at each position, so they sum to 1 however the tiles overlap.
std::vector<std::vector<float>> featherWeights(const std::vector<std::int64_t>& st, std::int64_t size,
                                               std::int64_t length, std::int64_t ramp) {
    std::vector<std::vector<float>> w(st.size(), std::vector<float>(static_cast<size_t>(size), 1.0f));
    std::vector<double> sum(static_cast<size_t>(length), 0.0);
    for (size_t i = 0; i < st.size(); ++i) {
        for (std::int64_t p = 0; p < size; ++p) {
            float v = 1.0f;
            if (ramp > 0 && st[i] > 0) v = std::min(v, (p + 0.5f) / ramp);
            if (ramp > 0 && st[i] + size < length) v = std::min(v, (size - p - 0.5f) / ramp);
            w[i][p] = v;
            sum[st[i] + p] += v;
        }
    }
    for (size_t i = 0; i < st.size(); ++i)
        for (std::int64_t p = 0; p < size; ++p) w[i][p] = static_cast<float>(w[i][p] / sum[st[i] + p]);
    return w;
}

void planBlend(const VaeConfig& cfg, TilePlan& plan, int eb) {
    const std::int64_t sf = cfg.spatialFactor();
    const std::int64_t lt = plan.tilePx / sf, ls = std::max<std::int64_t>(1, (plan.tilePx - plan.overlapPx) / sf);
    const std::int64_t th = std::min(lt, plan.latentHeight), tw = std::min(lt, plan.latentWidth);
    const auto ys = starts(plan.latentHeight, th, ls), xs = starts(plan.latentWidth, tw, ls);
    std::vector<std::int64_t> pys, pxs;
    for (auto y : ys) pys.push_back(y * sf);
    for (auto x : xs) pxs.push_back(x * sf);
    const auto wy = featherWeights(pys, th * sf, plan.frameHeight, plan.overlapPx);
    const auto wx = featherWeights(pxs, tw * sf, plan.frameWidth, plan.overlapPx);
    plan.rows = static_cast<int>(ys.size());
    plan.cols = static_cast<int>(xs.size());
    const DecodeCost perTile = estimateDecodeCost(cfg, plan.latentFrames, th, tw, eb, plan.graph, plan.convWorkspace);
    for (size_t r = 0; r < ys.size(); ++r) {
        for (size_t c = 0; c < xs.size(); ++c) {
            PlannedTile t;
            t.index = static_cast<int>(plan.tiles.size());
            t.row = static_cast<int>(r);
            t.col = static_cast<int>(c);
            t.latent = Rect{ys[r], ys[r] + th, xs[c], xs[c] + tw};
            t.output = t.latent.scaled(sf);
            t.weightY = wy[r];
            t.weightX = wx[c];
            t.macs = perTile.macs;
            t.peakBytes = perTile.historyBytes + perTile.peakLayerBytes;
            plan.tiles.push_back(std::move(t));
        }
    }
}

void planExact(const VaeConfig& cfg, TilePlan& plan, int eb, bool whole) {
    const std::int64_t H = plan.frameHeight, W = plan.frameWidth;
    const std::int64_t tile = whole ? std::max(H, W) : plan.tilePx;
    std::vector<std::int64_t> ys, xs;
    for (std::int64_t y = 0; y < H; y += tile) ys.push_back(y);
    for (std::int64_t x = 0; x < W; x += tile) xs.push_back(x);
    plan.rows = static_cast<int>(ys.size());
    plan.cols = static_cast<int>(xs.size());
    const DecodeCost shared =
        prefixCost(cfg, plan.latentFrames, plan.latentHeight, plan.latentWidth, eb, plan.graph, plan.convWorkspace);
    plan.sharedMacs = shared.macs;
    for (size_t r = 0; r < ys.size(); ++r)
        for (size_t c = 0; c < xs.size(); ++c)
            plan.tiles.push_back(makeExactTile(cfg, plan,
                                               Rect{ys[r], std::min(ys[r] + tile, H), xs[c], std::min(xs[c] + tile, W)},
                                               static_cast<int>(plan.tiles.size()), static_cast<int>(r),
                                               static_cast<int>(c)));
}

}  // namespace

PlannedTile makeExactTile(const VaeConfig& cfg, const TilePlan& plan, const Rect& output, int index, int row,
                          int col) {
    PlannedTile t;
    t.index = index;
    t.row = row;
    t.col = col;
    t.output = output;
    t.regions = exactRegions(cfg, plan.latentHeight, plan.latentWidth, output);
    t.latent = t.regions.blockInput.front();
    const DecodeCost cost =
        upsamplingCost(cfg, plan.latentFrames, t.regions, plan.elementBytes, plan.graph, plan.convWorkspace);
    t.macs = cost.macs;
    t.peakBytes = cost.historyBytes + cost.peakLayerBytes;
    return t;
}

TilePlan makeTilePlan(const VaeConfig& cfg, std::int64_t T, std::int64_t h, std::int64_t w,
                      const DecodeSettings& settings) {
    if (T < 1 || h < 1 || w < 1) throwUsage("latent shape must have at least one frame and one pixel");
    TilePlan plan;
    plan.mode = settings.tiling;
    plan.latentFrames = T;
    plan.latentHeight = h;
    plan.latentWidth = w;
    plan.frameHeight = h * cfg.spatialFactor();
    plan.frameWidth = w * cfg.spatialFactor();
    plan.videoFrames = cfg.videoFrames(T);
    plan.tilePx = settings.tilePx;
    plan.overlapPx = settings.overlapPx;
    const int eb = elementBytesOf(settings.precision);
    plan.elementBytes = eb;
    plan.graph = settings.graph;
    // cache-host moves histories off a CUDA device; on the CPU they stay (and count).
    const bool cuda = parseDevice(settings.device).is_cuda();
    if (!cuda) plan.graph.cacheHost = false;
    if (cuda && eb == 4 && plan.graph.channelsLast) plan.convWorkspace = ConvWorkspace::InputAndOutput;
    const DecodeCost untiled = estimateDecodeCost(cfg, T, h, w, eb, plan.graph, plan.convWorkspace);
    // The decoded video lives in host memory: on CUDA each latent frame's video frames leave
    // the device as they are made, so the device holds one chunk of them in fp32 (the copy
    // to the host), not the whole video (at 832x480x81, 0.36 GiB that it never held).
    const std::int64_t outputOnDevice =
        cuda ? 3 * std::int64_t(cfg.temporalFactor()) * plan.frameHeight * plan.frameWidth * 4 : untiled.outputBytes;
    plan.untiledMacs = untiled.macs;
    plan.weightBytes = untiled.weightBytes;
    if (settings.tiling == TilingMode::Blend) {
        planBlend(cfg, plan, eb);
    } else {
        planExact(cfg, plan, eb, settings.tiling == TilingMode::Off);
    }
    plan.totalMacs = plan.sharedMacs;
    std::int64_t largestTile = 0;
    for (const PlannedTile& t : plan.tiles) {
        plan.totalMacs += t.macs;
        largestTile = std::max(largestTile, t.peakBytes);
    }
    if (settings.tiling == TilingMode::Off) {
        plan.totalMacs = untiled.macs;
        plan.estimatedPeakBytes = untiled.estimatedPeakBytes - untiled.outputBytes + outputOnDevice;
    } else {
        // Tiles run tile by tile (streams at a time), each over all frames; the shared
        // prefix output of every latent frame is kept for them.
        const std::int64_t top = cfg.baseDim * cfg.dimMult.back();
        const std::int64_t prefixOut = settings.tiling == TilingMode::Exact ? top * T * h * w * eb : 0;
        plan.workers = std::max(1, settings.streams);  // auto (0): the balance counts its own workers
        plan.estimatedPeakBytes = untiled.weightBytes + outputOnDevice + prefixOut +
                                  static_cast<std::int64_t>(plan.workers) * largestTile;
    }
    return plan;
}

std::string TilePlan::describe() const {
    char grid[120], costs[120];
    // Untiled, the --tile setting plays no part: the one "tile" is the frame.
    if (mode == TilingMode::Off)
        std::snprintf(grid, sizeof grid, "off: untiled, %lldx%lld px frames", static_cast<long long>(frameWidth),
                      static_cast<long long>(frameHeight));
    else
        std::snprintf(grid, sizeof grid, "%s: %dx%d tile%s of %d px", toString(mode).c_str(), rows, cols,
                      tiles.size() == 1 ? "" : "s", tilePx);
    std::snprintf(costs, sizeof costs, "%.2fx the untiled work, ~%.0f MiB of tensors at peak (%.0f MiB of them weights)",
                  untiledMacs > 0 ? double(totalMacs) / double(untiledMacs) : 1.0, estimatedPeakBytes / 1048576.0,
                  weightBytes / 1048576.0);
    return std::string(grid) + ", " + costs;
}

}  // namespace ts
