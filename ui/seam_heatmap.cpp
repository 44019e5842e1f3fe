#include "seam_heatmap.h"

#include "report/video_quality.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace tsui {

double psnrFromMse(double mse) {
    if (!(mse > 0)) return ts::kIdenticalPsnrDb;
    return std::min(ts::kIdenticalPsnrDb, 10.0 * std::log10(4.0 / mse));
}

DiffMap diffTensors(const at::Tensor& a, const at::Tensor& b) {
    if (!a.defined() || !b.defined()) return {};
    // Accept [3,1,H,W] slices as handed out by the decoder.
    const at::Tensor x = a.dim() == 4 && a.size(1) == 1 ? a.squeeze(1) : a;
    const at::Tensor y = b.dim() == 4 && b.size(1) == 1 ? b.squeeze(1) : b;
    if (x.dim() != 3 || x.size(0) != 3 || x.sizes() != y.sizes()) return {};
    // Double for the sums: a seam of 1e-6 must not vanish in the rounding of the mean.
    const at::Tensor diff = x.to(at::kCPU, at::kDouble) - y.to(at::kCPU, at::kDouble);
    const at::Tensor absDiff = diff.abs();
    DiffMap map;
    map.height = static_cast<int>(x.size(1));
    map.width = static_cast<int>(x.size(2));
    map.mse = diff.pow(2).mean().item<double>();
    map.maxAbs = absDiff.max().item<double>();
    const at::Tensor perPixel = std::get<0>(absDiff.max(0)).to(at::kFloat).contiguous();
    map.absDiff.resize(map.width * map.height);
    std::memcpy(map.absDiff.data(), perPixel.data_ptr<float>(), sizeof(float) * map.absDiff.size());
    return map;
}

DiffMap diffImages(const QImage& a, const QImage& b) {
    if (a.isNull() || b.isNull() || a.size() != b.size()) return {};
    const QImage x = a.convertToFormat(QImage::Format_RGB888);
    const QImage y = b.convertToFormat(QImage::Format_RGB888);
    DiffMap map;
    map.width = x.width();
    map.height = x.height();
    map.absDiff.resize(map.width * map.height);
    double sumSq = 0;
    int maxLevels = 0;
    for (int row = 0; row < map.height; ++row) {
        const uchar* p = x.constScanLine(row);
        const uchar* q = y.constScanLine(row);
        for (int col = 0; col < map.width; ++col) {
            int worst = 0;
            for (int c = 0; c < 3; ++c) {
                const int d = std::abs(int(p[3 * col + c]) - int(q[3 * col + c]));
                worst = std::max(worst, d);
                sumSq += double(d) * d;
            }
            maxLevels = std::max(maxLevels, worst);
            map.absDiff[row * map.width + col] = static_cast<float>(worst / 127.5);
        }
    }
    const double n = 3.0 * map.width * map.height;
    map.mse = sumSq / n / (127.5 * 127.5);
    map.maxAbs = maxLevels / 127.5;
    return map;
}

QRgb heatColour(double t) {
    t = std::clamp(std::isfinite(t) ? t : 1.0, 0.0, 1.0);
    auto channel = [t](double from) {
        return static_cast<int>(std::lround(std::clamp(3.0 * t - from, 0.0, 1.0) * 255.0));
    };
    return qRgb(channel(0), channel(1), channel(2));
}

QImage heatmapImage(const DiffMap& map, double gain) {
    if (map.isNull() || map.absDiff.size() != map.width * map.height) return {};
    QImage image(map.width, map.height, QImage::Format_RGB32);
    if (image.isNull()) return {};
    gain = gain > 0 ? gain : 1.0;
    for (int y = 0; y < map.height; ++y) {
        auto* line = reinterpret_cast<QRgb*>(image.scanLine(y));
        const float* d = map.absDiff.constData() + static_cast<qsizetype>(y) * map.width;
        for (int x = 0; x < map.width; ++x) line[x] = heatColour(gain * d[x]);
    }
    return image;
}

QImage heatmapOverFrame(const QImage& frame, const QImage& heat) {
    if (frame.isNull() || frame.size() != heat.size()) return heat;
    const QImage base = frame.convertToFormat(QImage::Format_RGB32);
    const QImage hot = heat.convertToFormat(QImage::Format_RGB32);
    QImage out(base.size(), QImage::Format_RGB32);
    for (int y = 0; y < out.height(); ++y) {
        const auto* f = reinterpret_cast<const QRgb*>(base.constScanLine(y));
        const auto* h = reinterpret_cast<const QRgb*>(hot.constScanLine(y));
        auto* o = reinterpret_cast<QRgb*>(out.scanLine(y));
        for (int x = 0; x < out.width(); ++x) {
            const int grey = qGray(f[x]) * 2 / 5;  // dark enough that dim heat stands out
            o[x] = qRgb(std::min(255, grey + qRed(h[x])), std::min(255, grey + qGreen(h[x])),
                        std::min(255, grey + qBlue(h[x])));
        }
    }
    return out;
}

double autoGain(double maxAbs) {
    return maxAbs > 0 && std::isfinite(maxAbs) ? std::min(1.0 / maxAbs, kMaxAutoGain) : 1.0;
}

}  // namespace tsui
