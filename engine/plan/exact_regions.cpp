#include "plan/exact_regions.h"

namespace ts {

namespace {

// Blocks of decoder.upsamples in order: per stage numResBlocks+1 residual blocks, then
// an upsampler except after the last stage.
struct BlockLayout {
    int stage;
    bool upsampler;
};

std::vector<BlockLayout> layout(const VaeConfig& cfg) {
    std::vector<BlockLayout> blocks;
    for (int s = 0; s < cfg.stageCount(); ++s) {
        for (int j = 0; j <= cfg.numResBlocks; ++j) blocks.push_back({s, false});
        if (s != cfg.stageCount() - 1) blocks.push_back({s, true});
    }
    return blocks;
}

}  // namespace

UpsamplingRegions exactRegions(const VaeConfig& cfg, std::int64_t h, std::int64_t w, const Rect& output) {
    const std::vector<BlockLayout> blocks = layout(cfg);
    const std::int64_t top = int64_t(1) << (cfg.stageCount() - 1);
    UpsamplingRegions r;
    r.output = output;
    r.blockInput.resize(blocks.size());
    // Head: one 3x3 conv at full resolution.
    Rect need = output.grown(1).clipped(h * top, w * top);
    r.headInput = need;
    for (int b = static_cast<int>(blocks.size()) - 1; b >= 0; --b) {
        const std::int64_t scale = int64_t(1) << blocks[b].stage;  // this block's input resolution
        if (blocks[b].upsampler) {
            // 3x3 conv at the doubled resolution, then nearest 2x from this resolution.
            need = need.grown(1).clipped(h * scale * 2, w * scale * 2).halved();
        } else {
            need = need.grown(2).clipped(h * scale, w * scale);
        }
        r.blockInput[b] = need;
    }
    return r;
}

UpsamplingRegions fullFrameRegions(const VaeConfig& cfg, std::int64_t h, std::int64_t w) {
    const std::int64_t top = int64_t(1) << (cfg.stageCount() - 1);
    return exactRegions(cfg, h, w, Rect{0, h * top, 0, w * top});
}

std::vector<std::int64_t> remainingRadiusAtBlocks(const VaeConfig& cfg) {
    // An interior tile far from every edge: its regions only grow.
    const std::int64_t big = 1 << 20, top = int64_t(1) << (cfg.stageCount() - 1);
    const Rect out{big * top, big * top + top, big * top, big * top + top};
    const UpsamplingRegions r = exactRegions(cfg, 4 * big, 4 * big, out);
    const std::vector<BlockLayout> blocks = layout(cfg);
    std::vector<std::int64_t> radius;
    for (size_t b = 0; b < blocks.size(); ++b) {
        const std::int64_t toOutput = top >> blocks[b].stage;
        radius.push_back(out.y0 - r.blockInput[b].y0 * toOutput);
    }
    radius.push_back(out.y0 - r.headInput.y0);
    return radius;
}

}  // namespace ts
