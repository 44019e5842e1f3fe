#pragma once
// Evaluation and export of the demo model, both through the engine's inference path
// (encodeToLatents / decodeToTensor), i.e. exactly what builtin:demo will run.
#include "demo_model.h"
#include "model/wan_vae.h"
#include "synthetic_clips.h"

#include <string>
#include <vector>

namespace ts::demo {

struct EvalResult {
    double meanPsnr = 0;  // mean over clips of per-clip PSNR (dB)
    double minPsnr = 0;
    int clips = 0;
    // The same clips "reconstructed" as their mean colour: a trivial codec that any
    // trained autoencoder has to beat (the weights shipped before issue 7 did not).
    double meanColourPsnr = 0;
    // PSNR of each frame position, from its MSE averaged over the clips: shows whether the
    // error grows along the clip (the causal cache carrying errors forward).
    std::vector<double> framePsnr;
};

// Held-out clips kHeldOutSeedBase + 0..count-1, encoded then decoded by `vae` (fp32).
EvalResult evaluateHeldOut(const WanVae& vae, const ClipSpec& spec, int count);

// Per-channel mean and std of the raw latent means over `count` training clips.
void latentStats(const NamedTensors& params, const VaeConfig& cfg, const ClipSpec& spec, int count,
                 std::uint64_t seed, at::Tensor* mean, at::Tensor* std);

// The demo clip the shipped latents are encoded from (kDemoClipSeed, synthetic_clips.h).
at::Tensor demoClip(const ClipSpec& spec);

}  // namespace ts::demo
