#include "demo_model.h"

#include "model/causal_decoder.h"
#include "model/causal_encoder.h"
#include "model/wan_vae.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <string>
#include <vector>

namespace ts::demo {

VaeConfig demoConfig(const DemoArch& arch) {
    VaeConfig cfg;  // Wan2.1's layout: z 16, mult [1,2,4,4], temporal [F,T,T]
    cfg.baseDim = arch.baseDim;
    cfg.numResBlocks = arch.numResBlocks;
    cfg.hasEncoder = cfg.hasDecoder = true;
    return cfg;
}

namespace {

bool endsWith(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

NamedTensors initParameters(const VaeConfig& cfg, std::uint64_t seed, bool zeroInitResidual) {
    at::Generator gen = at::detail::createCPUGenerator(seed);
    NamedTensors p;
    for (const auto& [name, shape] : expectedTensors(cfg, VaeParts::Both)) {
        at::Tensor t;
        if (endsWith(name, ".gamma")) {
            t = at::ones(shape, at::kFloat);
        } else if (endsWith(name, ".bias")) {
            t = at::zeros(shape, at::kFloat);
        } else if (zeroInitResidual && endsWith(name, ".residual.6.weight")) {
            t = at::zeros(shape, at::kFloat);  // block starts as identity
        } else {
            int64_t fanIn = 1;
            for (size_t i = 1; i < shape.size(); ++i) fanIn *= shape[i];
            const double bound = std::sqrt(3.0 / static_cast<double>(fanIn));
            t = at::empty(shape, at::kFloat).uniform_(-bound, bound, gen);
        }
        p[name] = t.set_requires_grad(true);
    }
    return p;
}

Reconstruction reconstruct(const NamedTensors& params, const VaeConfig& cfg, const at::Tensor& clips,
                           at::ScalarType computeDtype) {
    // fromTensors keeps fp32 contiguous tensors as they are (same autograd identity);
    // to() adds differentiable casts for bf16.
    WanVae vae = WanVae::fromTensors(params, VaeParts::Both, "training");
    if (computeDtype != at::kFloat) vae = vae.to(c10::Device(c10::kCPU), computeDtype);
    const at::Tensor x = clips.to(computeDtype);
    const int64_t frames = x.size(2), tf = cfg.temporalFactor();
    ForwardContext ctx;
    CausalEncoder encoder(vae);
    std::vector<at::Tensor> chunks;
    chunks.push_back(encoder.encodeChunk(x.narrow(2, 0, 1), ctx));
    for (int64_t s = 1; s < frames; s += tf) chunks.push_back(encoder.encodeChunk(x.narrow(2, s, tf), ctx));
    at::Tensor h = at::conv3d(at::cat(chunks, 2), vae.weight("conv1.weight"), vae.weight("conv1.bias"));
    at::Tensor mu = h.narrow(1, 0, cfg.zDim);
    CausalDecoder decoder(vae);
    std::vector<at::Tensor> out;
    for (int64_t t = 0; t < mu.size(2); ++t) out.push_back(decoder.decodeFrame(mu.narrow(2, t, 1), ctx));
    return {at::cat(out, 2).to(at::kFloat), mu.to(at::kFloat)};
}

NamedTensors foldLatentStats(const NamedTensors& params, const at::Tensor& mean, const at::Tensor& std) {
    const int64_t z = mean.numel();
    const at::Tensor wanMean = at::tensor(wan21LatentMean());
    const at::Tensor wanStd = at::tensor(wan21LatentStd());
    const at::Tensor a = wanStd / std;             // mu' = a * mu + c
    const at::Tensor c = wanMean - a * mean;
    NamedTensors out;
    for (const auto& [name, t] : params) out[name] = t.detach().clone();
    // Encoder side: the first z rows of conv1 produce the mean.
    at::Tensor w1 = out.at("conv1.weight"), b1 = out.at("conv1.bias");
    w1.narrow(0, 0, z).mul_(a.view({z, 1, 1, 1, 1}));
    b1.narrow(0, 0, z).mul_(a).add_(c);
    // Decoder side: conv2 sees mu' instead of mu = (mu' - c) / a.
    at::Tensor w2 = out.at("conv2.weight"), b2 = out.at("conv2.bias");
    const at::Tensor w2mat = w2.view({z, z});
    b2.sub_(at::matmul(w2mat, c / a));
    w2.div_(a.view({1, z, 1, 1, 1}));
    return out;
}

}  // namespace ts::demo
