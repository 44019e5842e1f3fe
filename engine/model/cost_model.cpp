#include "model/cost_model.h"

#include <algorithm>

namespace ts {

namespace {

// Accumulates one walk: MACs, the largest layer, and the causal histories created.
struct Walk {
    int elementBytes;
    bool splitFrames = false;   // frame-split: layers hold one frame whatever f is
    int historyElement = 0;     // element size of the histories (cache-bf16: 2; 0 = elementBytes)
    std::int64_t macs = 0;
    std::int64_t peakLayer = 0;
    std::int64_t history = 0;
    bool countHistory = false;  // only the frame that creates a history counts it
    bool historyOnDevice = true;  // cache-host: histories live in host memory
    bool skipZeroHistory = false;  // the first frame's convs run their last time tap only
    ConvWorkspace workspace = ConvWorkspace::None;

    void layer(std::int64_t elems) { peakLayer = std::max(peakLayer, elems * elementBytes); }
    // A convolution's layer: its input and output elements, the device's workspace for
    // them, and what else stays alive beside them (a residual).
    void convLayer(std::int64_t input, std::int64_t output, std::int64_t alongside = 0) {
        const std::int64_t copies = workspace == ConvWorkspace::InputAndOutput ? input + output : 0;
        layer(input + output + copies + alongside);
    }
    std::int64_t historyElementBytes() const { return historyElement > 0 ? historyElement : elementBytes; }
    // 3x3x3 causal conv over a region of `area` pixels; input padded by 2 frames and 1 px.
    void conv3(std::int64_t cin, std::int64_t cout, std::int64_t f, std::int64_t H, std::int64_t W,
               std::int64_t residualElems = 0) {
        // countHistory marks a causal conv's first frame: zeros in front of it, no history.
        const bool lastTap = skipZeroHistory && countHistory && f == 1;
        macs += cout * f * H * W * cin * (lastTap ? 9 : 27);
        const std::int64_t m = splitFrames ? 1 : f;
        convLayer(cin * (m + (lastTap ? 0 : 2)) * (H + 2) * (W + 2), cout * m * H * W,
                  splitFrames ? residualElems / f : residualElems);
        if (countHistory && historyOnDevice) history += 2 * cin * H * W * historyElementBytes();
    }
    void residualBlock(std::int64_t cin, std::int64_t cout, std::int64_t f, std::int64_t H, std::int64_t W) {
        const std::int64_t hElems = cout * f * H * W;
        if (cin != cout) macs += hElems * cin;
        conv3(cin, cout, f, H, W, hElems);
        conv3(cout, cout, f, H, W, hElems);
    }
};

DecodeCost finish(const Walk& walk) {
    DecodeCost c;
    c.macs = walk.macs;
    c.historyBytes = walk.history;
    c.peakLayerBytes = walk.peakLayer;
    return c;
}

}  // namespace

std::int64_t decoderWeightCount(const VaeConfig& cfg) {
    std::int64_t total = 0;
    for (const auto& [name, shape] : expectedTensors(cfg, VaeParts::Decoder)) {
        std::int64_t n = 1;
        for (std::int64_t s : shape) n *= s;
        total += n;
    }
    return total;
}

DecodeCost prefixCost(const VaeConfig& cfg, std::int64_t T, std::int64_t h, std::int64_t w, int elementBytes,
                      const GraphOptions& graph, ConvWorkspace workspace) {
    Walk walk{elementBytes};
    walk.skipZeroHistory = graph.skipZeroHistory;
    walk.workspace = workspace;
    const std::int64_t z = cfg.zDim, top = cfg.baseDim * cfg.dimMult.back(), L = h * w;
    for (std::int64_t t = 0; t < T; ++t) {
        walk.countHistory = t == 0;
        walk.macs += z * z * L;  // post-quant conv
        walk.conv3(z, top, 1, h, w);
        walk.residualBlock(top, top, 1, h, w);
        walk.macs += L * top * 3 * top + 2 * L * L * top + L * top * top;  // attention
        walk.layer(top * L * 4 + L * L);
        walk.residualBlock(top, top, 1, h, w);
    }
    return finish(walk);
}

DecodeCost upsamplingCost(const VaeConfig& cfg, std::int64_t T, const UpsamplingRegions& regions, int elementBytes,
                          const GraphOptions& graph, ConvWorkspace workspace) {
    Walk walk{elementBytes, false, graph.cacheBf16 && elementBytes == 4 ? 2 : 0};
    walk.historyOnDevice = !graph.cacheHost;
    walk.skipZeroHistory = graph.skipZeroHistory;
    walk.workspace = workspace;
    const std::int64_t d = cfg.baseDim, top = d * cfg.dimMult.back();
    const int stages = cfg.stageCount();
    const std::vector<bool> tUp = cfg.temporalUpsample();
    for (std::int64_t t = 0; t < T; ++t) {
        std::int64_t f = 1, in = top;
        size_t b = 0;
        for (int s = 0; s < stages; ++s) {
            const std::int64_t out = d * cfg.dimMult[stages - 1 - s];
            // frame-split runs the last stage (and the head) one frame at a time.
            walk.splitFrames = graph.frameSplit && s > cfg.frameSplitAfterStage();
            for (int j = 0; j <= cfg.numResBlocks; ++j, ++b) {
                walk.countHistory = t == 0;
                const Rect& r = regions.blockInput[b];
                walk.residualBlock(in, out, f, r.height(), r.width());
                in = out;
            }
            if (s == stages - 1) break;
            const Rect& r = regions.blockInput[b++];
            const std::int64_t area = r.area();
            if (tUp[s] && t > 0) {
                const std::int64_t m = f;  // the time conv runs before any split
                // Its first run (t == 1) has no history: one frame then runs one tap.
                const bool lastTap = graph.skipZeroHistory && t == 1 && f == 1;
                walk.macs += 2 * out * f * area * out * (lastTap ? 1 : 3);
                walk.convLayer(out * (m + (lastTap ? 0 : 2)) * area, 2 * out * m * area);
                if (t == 1 && walk.historyOnDevice) walk.history += 2 * out * area * walk.historyElementBytes();
                f *= 2;
            }
            // frame-split upsamples frame by frame: one padded frame at a time, written into
            // the whole output, or straight into the split stage one frame at a time.
            const std::int64_t m = graph.frameSplit ? 1 : f;
            const bool feedsSplit = graph.frameSplit && s == cfg.frameSplitAfterStage();
            const std::int64_t outFrames = feedsSplit ? 1 : (m < f ? f + 1 : f);
            walk.macs += (out / 2) * f * 4 * area * out * 9;
            walk.convLayer(out * m * (2 * r.height() + 2) * (2 * r.width() + 2), (out / 2) * outFrames * 4 * area);
            in = out / 2;
        }
        walk.countHistory = t == 0;
        walk.conv3(in, 3, f, regions.headInput.height(), regions.headInput.width());
    }
    return finish(walk);
}

DecodeCost estimateDecodeCost(const VaeConfig& cfg, std::int64_t T, std::int64_t h, std::int64_t w,
                              int elementBytes, const GraphOptions& graph, ConvWorkspace workspace) {
    const DecodeCost pre = prefixCost(cfg, T, h, w, elementBytes, graph, workspace);
    const DecodeCost up = upsamplingCost(cfg, T, fullFrameRegions(cfg, h, w), elementBytes, graph, workspace);
    DecodeCost cost;
    cost.macs = pre.macs + up.macs;
    cost.weightBytes = decoderWeightCount(cfg) * elementBytes;
    cost.historyBytes = pre.historyBytes + up.historyBytes;
    cost.peakLayerBytes = std::max(pre.peakLayerBytes, up.peakLayerBytes);
    const std::int64_t sf = cfg.spatialFactor();
    cost.outputBytes = 3 * cfg.videoFrames(T) * h * sf * w * sf * 4;
    cost.estimatedPeakBytes = cost.weightBytes + cost.historyBytes + cost.peakLayerBytes + cost.outputBytes;
    return cost;
}

}  // namespace ts
