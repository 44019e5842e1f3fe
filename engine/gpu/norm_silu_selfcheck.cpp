#include "gpu/norm_silu_selfcheck.h"

#include "core/error.h"
#include "gpu/norm_silu_cuda.h"
#include "model/layers.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

namespace ts::gpu {

namespace {

std::string kernelName(const NormSiluLaunch& a) {
    if (a.vectorLanes > 0) return "vectorised, " + std::to_string(a.vectorLanes) + " lanes";
    return a.channelsInnermost() ? "per-warp" : "per-thread";
}

const char* dtypeName(at::ScalarType t) {
    return t == at::kFloat ? "fp32" : t == at::kBFloat16 ? "bf16" : "fp16";
}

}  // namespace

std::vector<NormSiluCheck> checkNormSiluKernels(const c10::Device& device) {
    if (!device.is_cuda()) throwUsage("the kernel check needs a CUDA device (--device cuda), not " + device.str());
    const std::string problem = cudaNormSiluProblemOn(device.index() < 0 ? 0 : device.index());
    if (!problem.empty()) throwRuntime("fused RMS norm + SiLU kernel on " + device.str() + ": " + problem);
    c10::NoGradGuard inference;
    std::vector<NormSiluCheck> results;
    std::uint64_t seed = 11;
    for (const std::int64_t C : {40, 96, 192, 384})
        for (const bool last : {false, true})
            for (const auto type : {at::kFloat, at::kBFloat16, at::kHalf}) {
                const auto format = last ? at::MemoryFormat::ChannelsLast3d : at::MemoryFormat::Contiguous;
                const auto on = at::TensorOptions().device(device).dtype(type);
                // 2 x 3 x 10 x 13 = 780 positions: not a multiple of any block's positions.
                at::Generator gen = at::detail::createCPUGenerator(seed++);
                const at::Tensor x = at::randn({2, C, 3, 10, 13}, gen).mul_(3.0).to(on).contiguous(format);
                const at::Tensor gamma = at::randn({C}, gen).to(on);
                at::Tensor buffer = at::empty({2, C, 5, 12, 15}, on.memory_format(format)).fill_(7.0);
                at::Tensor window = buffer.narrow(2, 2, 3).narrow(3, 1, 10).narrow(4, 1, 13);
                NormSiluCheck r;
                r.name = std::string(dtypeName(type)) + (last ? " channels-last" : " NCDHW") + " C=" + std::to_string(C);
                r.kernel = kernelName(makeNormSiluLaunch(x, gamma, window, nullptr));
                cudaRmsNormSiluInto(x, gamma, window);
                // The reference from the very inputs the kernel saw (rounded to its dtype).
                const at::Tensor exact =
                    layers::rmsNormSilu(x.to(at::kFloat).cpu(), gamma.to(at::kFloat).cpu().view({C, 1, 1, 1}));
                const at::Tensor err = (window.to(at::kFloat).cpu() - exact).abs();
                // fp32: a few ulps; fp16 and bf16: one rounding of the fp32 result, with slack
                // for the different summation order (as test_cuda_norm_silu's GPU test).
                const double relative = type == at::kFloat ? 1e-6 : type == at::kHalf ? 1.0 / 1024 : 1.0 / 128;
                const at::Tensor allowed = exact.abs().mul(relative).add(1e-5);
                r.maxAbs = err.max().item<double>();
                r.worstRatio = err.div(allowed).max().item<double>();
                at::Tensor border = at::ones(buffer.sizes(), at::kBool);
                border.narrow(2, 2, 3).narrow(3, 1, 10).narrow(4, 1, 13).fill_(false);
                r.borderUntouched = buffer.cpu().masked_select(border).eq(7.0).all().item<bool>();
                results.push_back(r);
            }
    return results;
}

}  // namespace ts::gpu
