#pragma once
// The trainable demo model: Wan-named fp32 parameters of a small Wan2.1 VAE, and a
// differentiable reconstruction through the engine's own CausalEncoder/CausalDecoder
// (the exact code path inference uses), so what is trained is what the engine runs.
#include "checkpoint/named_tensors.h"
#include "model/vae_config.h"

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace ts::demo {

struct DemoArch {
    int baseDim = 16;
    int numResBlocks = 1;
};

VaeConfig demoConfig(const DemoArch& arch);

// Initial parameters: variance-1/fan_in weights, unit gains, zero biases; the second
// conv of every residual block starts at zero so each block starts as its shortcut.
NamedTensors initParameters(const VaeConfig& cfg, std::uint64_t seed, bool zeroInitResidual = true);

struct Reconstruction {
    at::Tensor video;  // [B, 3, F, H, W], unclamped
    at::Tensor mu;     // [B, zDim, T, h, w], the raw (unnormalised) latent mean
};

// Encoder (chunked: 1 frame, then temporalFactor) -> conv1 -> mean -> decoder (frame by
// frame). params must be fp32; computeDtype bf16 runs the network in bf16 with the fp32
// parameters as masters (gradients flow through the casts).
Reconstruction reconstruct(const NamedTensors& params, const VaeConfig& cfg, const at::Tensor& clips,
                           at::ScalarType computeDtype);

// Folds the latent normalisation into conv1 (encoder side) and conv2 (decoder side):
// afterwards the engine's Wan2.1 normalisation (mu - mean_wan) / std_wan yields
// (mu - mean) / std of this model, i.e. unit-scale latents, with no engine change.
NamedTensors foldLatentStats(const NamedTensors& params, const at::Tensor& mean, const at::Tensor& std);

}  // namespace ts::demo
