#pragma once
// The tile plan: (latent shape, settings, model) -> tiles, as a value. Everything the
// scheduler runs and the GUI draws comes from here: each tile's rectangles, its halo or
// blend weights, and its predicted work and memory.
//   exact: tiles partition the output frame; the parts with a global receptive field
//          (post-quant conv, middle block) run once on the whole latent, and each tile
//          runs the upsampling stages over the per-block regions of exact_regions.h.
//   blend: overlapping latent tiles, each decoded by the whole decoder on its own,
//          feathered together with linear weights over the overlaps (what diffusers'
//          and ComfyUI's tiled decoders do; seams by design).
//   off:   one tile, the whole frame.
#include "decode/decode_settings.h"
#include "model/cost_model.h"
#include "model/vae_config.h"
#include "plan/exact_regions.h"
#include "plan/rect.h"

#include <string>
#include <vector>

namespace ts {

struct PlannedTile {
    int index = 0, row = 0, col = 0;
    Rect output;                 // full-resolution pixels this tile writes (blend: its whole decoded area)
    Rect latent;                 // latent pixels it reads (exact: the middle block's output it needs)
    UpsamplingRegions regions;   // exact only: per-block input regions
    std::vector<float> weightY;  // blend only: per output row / column of `output`
    std::vector<float> weightX;
    std::int64_t macs = 0;       // predicted multiply-adds of this tile (exact: without the shared prefix)
    std::int64_t peakBytes = 0;  // predicted peak while this tile runs (histories + largest layer)
};

struct TilePlan {
    TilingMode mode = TilingMode::Off;
    std::int64_t latentFrames = 0, latentHeight = 0, latentWidth = 0;
    std::int64_t frameHeight = 0, frameWidth = 0, videoFrames = 0;
    int tilePx = 0, overlapPx = 0, rows = 1, cols = 1;
    int elementBytes = 4;              // of the run's precision, for the memory predictions
    GraphOptions graph;                // the run's optimisations: frame-split and cache-bf16 change memory
    ConvWorkspace convWorkspace = ConvWorkspace::None;  // the device's, for the run's precision and layout
    std::vector<PlannedTile> tiles;
    std::int64_t sharedMacs = 0;       // exact: the prefix run once on the whole latent
    std::int64_t totalMacs = 0;        // everything the plan executes
    std::int64_t untiledMacs = 0;      // the same decode untiled, for the overhead ratio
    // Weights, histories, the largest layer of `workers` tiles at once and the output: on the
    // CPU the whole video; on CUDA, where the video goes to host memory, one chunk of it.
    std::int64_t estimatedPeakBytes = 0;
    std::int64_t weightBytes = 0;      // the part of it that is the decoder's weights
    int workers = 1;                   // tiles held at once in estimatedPeakBytes (--streams; auto counts 1)
    std::string describe() const;      // "exact 2x3 tiles of 256 px, 1.26x untiled work"
};

// An exact tile writing `output` (full-resolution pixels) under `plan`: its per-block
// regions and predicted work and memory. The planner makes its grid of these; the
// scheduler makes more when it splits a tile that did not fit.
PlannedTile makeExactTile(const VaeConfig& cfg, const TilePlan& plan, const Rect& output, int index, int row,
                          int col);

// latent: [zDim, T, h, w]. elementBytes from the precision. Throws Usage for settings
// that cannot be planned.
TilePlan makeTilePlan(const VaeConfig& cfg, std::int64_t T, std::int64_t h, std::int64_t w,
                      const DecodeSettings& settings);

}  // namespace ts
