#pragma once
// Predicts, from the architecture and the latent shape alone, what a decode executes
// and holds: multiply-adds (exactly the count the layers report when they run; tests
// check this) and an estimate of peak memory. Used by `info`, the tile planner and the
// GUI's live prediction.
#include "model/graph_options.h"
#include "model/vae_config.h"
#include "plan/exact_regions.h"

#include <cstdint>

namespace ts {

// What a device allocates around each convolution beyond its input and output. On CUDA in
// fp32 with channels-last inputs, cuDNN's kernels take a workspace the size of the padded
// input plus the output (transposed copies: measured for every convolution of an 832x480
// decode on an H100, e.g. 740.8 MiB beside a 444.5 MiB input and a 292.5 MiB output;
// docs/benchmarks/2026-11-26-h100-norm-flows.md). bf16 convolutions there take a few MiB;
// NCDHW fp32 was not measured.
enum class ConvWorkspace { None, InputAndOutput };

struct DecodeCost {
    std::int64_t macs = 0;                 // multiply-adds, convolutions and attention
    std::int64_t weightBytes = 0;          // decoder + post-quant conv, in the run's dtype
    std::int64_t historyBytes = 0;         // causal time context of every conv
    std::int64_t peakLayerBytes = 0;       // largest single layer: padded input + output + residual
    std::int64_t outputBytes = 0;          // the whole decoded video, fp32
    std::int64_t estimatedPeakBytes = 0;   // weights + histories + largest layer + output
};

// Untiled decode of a latent [zDim, T, h, w]; elementBytes: 4 (fp32) or 2 (bf16/fp16).
// The graph options change memory, and one changes work: frame-split makes the layers
// after a temporal upsampler one frame deep, cache-bf16 halves fp32 histories,
// skip-zero-history runs a third of the first frame's causal conv taps.
DecodeCost estimateDecodeCost(const VaeConfig& cfg, std::int64_t T, std::int64_t h, std::int64_t w,
                              int elementBytes, const GraphOptions& graph = GraphOptions::none(),
                              ConvWorkspace workspace = ConvWorkspace::None);

// The parts before the upsampling stages (post-quant conv, conv_in, middle block with
// attention) over the whole latent, T frames.
DecodeCost prefixCost(const VaeConfig& cfg, std::int64_t T, std::int64_t h, std::int64_t w, int elementBytes,
                      const GraphOptions& graph = GraphOptions::none(),
                      ConvWorkspace workspace = ConvWorkspace::None);

// The upsampling stages and head over the given per-block regions, T latent frames.
DecodeCost upsamplingCost(const VaeConfig& cfg, std::int64_t T, const UpsamplingRegions& regions,
                          int elementBytes, const GraphOptions& graph = GraphOptions::none(),
                          ConvWorkspace workspace = ConvWorkspace::None);

std::int64_t decoderWeightCount(const VaeConfig& cfg);

}  // namespace ts
