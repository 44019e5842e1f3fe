#include "evaluator.h"

#include "decode/decoder_run.h"
#include "trainer.h"

#include <ATen/ATen.h>

#include <algorithm>

namespace ts::demo {

namespace {

DecodeSettings cpuSettings() {
    DecodeSettings s;
    s.threads = 2;
    return s;
}

}  // namespace

EvalResult evaluateHeldOut(const WanVae& vae, const ClipSpec& spec, int count) {
    EvalResult r;
    r.minPsnr = 1e9;
    double sum = 0, sumMeanColour = 0;
    at::Tensor frameMse = at::zeros({spec.frames}, at::kDouble);
    for (int i = 0; i < count; ++i) {
        const at::Tensor clip = makeClip(kHeldOutSeedBase + static_cast<std::uint64_t>(i), spec);
        const at::Tensor latents = encodeToLatents(vae, clip, cpuSettings());
        const at::Tensor video = decodeToTensor(vae, latents, cpuSettings()).clamp(-1, 1);
        const at::Tensor sq = (video - clip).pow(2);  // [3, F, H, W]
        const double psnr = psnrFromMse(sq.mean().item<double>());
        frameMse += sq.mean({0, 2, 3}).to(at::kDouble);
        sum += psnr;
        sumMeanColour += psnrFromMse((clip.mean({1, 2, 3}, true) - clip).pow(2).mean().item<double>());
        r.minPsnr = std::min(r.minPsnr, psnr);
        ++r.clips;
    }
    r.meanPsnr = count > 0 ? sum / count : 0;
    r.meanColourPsnr = count > 0 ? sumMeanColour / count : 0;
    for (int f = 0; f < spec.frames && count > 0; ++f)
        r.framePsnr.push_back(psnrFromMse(frameMse[f].item<double>() / count));
    return r;
}

void latentStats(const NamedTensors& params, const VaeConfig& cfg, const ClipSpec& spec, int count,
                 std::uint64_t seed, at::Tensor* mean, at::Tensor* std) {
    at::NoGradGuard noGrad;
    std::vector<at::Tensor> mus;
    for (int i = 0; i < count; ++i) {
        const at::Tensor clip = makeClip((seed << 32) + 0x7fffffffULL - static_cast<std::uint64_t>(i), spec);
        const Reconstruction r = reconstruct(params, cfg, clip.unsqueeze(0), at::kFloat);
        // [1, z, T, h, w] -> [z, T*h*w]
        mus.push_back(r.mu.squeeze(0).flatten(1));
    }
    const at::Tensor all = at::cat(mus, 1);
    *mean = all.mean(1);
    *std = all.std(1).clamp_min(1e-3);
}

at::Tensor demoClip(const ClipSpec& spec) { return makeClip(kDemoClipSeed, spec); }

}  // namespace ts::demo
