#pragma once
// Growing a trained demo model without changing what it computes: one more residual block
// per stage, in the encoder and the decoder, so that training can use the capacity without
// starting over. A longer schedule no longer improves the dim-24 model with one block per
// encoder stage (docs/demo-model.md); Wan2.1 itself has two.
#include "checkpoint/named_tensors.h"
#include "model/vae_config.h"

#include <cstdint>
#include <string>

namespace ts::demo {

// `trained` (a model of config `from`) with cfg.numResBlocks one higher: every trained
// tensor moved to its place in the longer block lists (encoder.downsamples.K and
// decoder.upsamples.K are numbered through the stages), and a new last residual block in
// every stage that starts as the identity (its second convolution zero, as initParameters
// makes it; its other weights fresh from `seed`). `source` names the weights in errors.
// Throws ts::Error(Input) when a tensor is missing or has another shape.
NamedTensors addResidualBlock(const NamedTensors& trained, const VaeConfig& from, std::uint64_t seed,
                              const std::string& source);

}  // namespace ts::demo
