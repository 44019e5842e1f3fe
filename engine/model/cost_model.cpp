#include "model/cost_model.h"

#include <algorithm>

namespace ts {

namespace {

// Accumulates the walk over one latent frame: frames f at resolution H x W.
struct Walk {
    int elementBytes;
    std::int64_t macs = 0;
    std::int64_t peakLayer = 0;
    std::int64_t history = 0;
    bool first = true;  // first latent frame: histories are being created

    void layer(std::int64_t inElems, std::int64_t outElems, std::int64_t extraElems = 0) {
        peakLayer = std::max(peakLayer, (inElems + outElems + extraElems) * elementBytes);
    }
    // 3x3x3 causal conv: input padded by 2 frames in front and 1 pixel around.
    void conv3(std::int64_t cin, std::int64_t cout, std::int64_t f, std::int64_t H, std::int64_t W,
               std::int64_t residual = 0) {
        macs += cout * f * H * W * cin * 27;
        layer(cin * (f + 2) * (H + 2) * (W + 2), cout * f * H * W, residual);
        if (first) history += 2 * cin * H * W * elementBytes;
    }
    void residualBlock(std::int64_t cin, std::int64_t cout, std::int64_t f, std::int64_t H, std::int64_t W) {
        const std::int64_t hElems = cout * f * H * W;
        if (cin != cout) macs += cout * f * H * W * cin;
        conv3(cin, cout, f, H, W, hElems);
        conv3(cout, cout, f, H, W, hElems);
    }
};

}  // namespace

DecodeCost estimateDecodeCost(const VaeConfig& cfg, std::int64_t T, std::int64_t h, std::int64_t w,
                              int elementBytes) {
    Walk walk{elementBytes};
    const std::int64_t z = cfg.zDim, d = cfg.baseDim, top = d * cfg.dimMult.back();
    const int stages = cfg.stageCount();
    const std::vector<bool> tUp = cfg.temporalUpsample();
    std::int64_t weights = 0;
    for (const auto& [name, shape] : expectedTensors(cfg, VaeParts::Decoder)) {
        std::int64_t n = 1;
        for (std::int64_t s : shape) n *= s;
        weights += n * 4;  // converted weights replace the fp32 copy only after the run starts
    }
    for (std::int64_t t = 0; t < T; ++t) {
        walk.first = t == 0;  // conv histories appear on frame 1 (the upsamplers' time convs on frame 2)
        std::int64_t f = 1, H = h, W = w;
        walk.macs += z * z * H * W;  // post-quant conv
        walk.conv3(z, top, f, H, W);
        walk.residualBlock(top, top, f, H, W);
        const std::int64_t L = H * W;
        walk.macs += L * top * 3 * top + 2 * L * L * top + L * top * top;  // attention
        walk.layer(top * L * 3, L * L, top * L);
        walk.residualBlock(top, top, f, H, W);
        std::int64_t in = top;
        for (int s = 0; s < stages; ++s) {
            const std::int64_t out = d * cfg.dimMult[stages - 1 - s];
            for (int j = 0; j <= cfg.numResBlocks; ++j) {
                walk.residualBlock(in, out, f, H, W);
                in = out;
            }
            if (s == stages - 1) break;
            if (tUp[s] && t > 0) {
                walk.macs += 2 * out * f * H * W * out * 3;
                walk.layer(out * (f + 2) * H * W, 2 * out * f * H * W);
                if (t == 1) walk.history += 2 * out * H * W * elementBytes;
                f *= 2;
            }
            walk.macs += (out / 2) * f * (2 * H) * (2 * W) * out * 9;
            walk.layer(out * f * (2 * H + 2) * (2 * W + 2), (out / 2) * f * 4 * H * W);
            H *= 2;
            W *= 2;
            in = out / 2;
        }
        walk.conv3(in, 3, f, H, W);
    }
    DecodeCost cost;
    cost.macs = walk.macs;
    cost.weightBytes = weights;
    cost.historyBytes = walk.history;
    cost.peakLayerBytes = walk.peakLayer;
    const std::int64_t sf = cfg.spatialFactor();
    cost.outputBytes = 3 * cfg.videoFrames(T) * h * sf * w * sf * 4;
    cost.estimatedPeakBytes = cost.weightBytes + cost.historyBytes + cost.peakLayerBytes + cost.outputBytes;
    return cost;
}

}  // namespace ts
