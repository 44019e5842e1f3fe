#pragma once
// For `exact` tiling: which region of its input every layer of the upsampling part must
// see so that a tile's output equals the untiled decode. Walks the layer stack from the
// tile's output rectangle backwards, growing by each layer's reach (1 px per 3x3 conv,
// 2 per residual block, 1 at the doubled resolution per upsampler) and clipping to the
// frame at every resolution, so the halo shrinks stage by stage. See
// docs/design/exact-tiling.md.
#include "model/vae_config.h"
#include "plan/rect.h"

#include <vector>

namespace ts {

struct UpsamplingRegions {
    // One entry per block of decoder.upsamples (residual blocks and upsamplers, in
    // order), then one for the head: the input rectangle that block needs, in the
    // coordinates of its own input resolution.
    std::vector<Rect> blockInput;
    Rect headInput;
    Rect output;  // the tile's output rectangle at full resolution
};

// latentHeight/Width: the latent frame (the resolution of the upsampling part's input).
UpsamplingRegions exactRegions(const VaeConfig& cfg, std::int64_t latentHeight, std::int64_t latentWidth,
                               const Rect& output);

// The whole frame at every layer: what an untiled decode computes.
UpsamplingRegions fullFrameRegions(const VaeConfig& cfg, std::int64_t latentHeight, std::int64_t latentWidth);

// The receptive radius, in output pixels, remaining at the entry of each block and the
// head for an interior tile (98, 50, 46, 22, 20, 8, 7, 1 for the Wan2.1 layout when
// listed at stage entries and upsamplers).
std::vector<std::int64_t> remainingRadiusAtBlocks(const VaeConfig& cfg);

}  // namespace ts
