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

struct CaseTensors {
    at::Tensor x, gamma, buffer, window;
};

// 2 x 3 x 10 x 13 = 780 positions: not a multiple of any block's positions.
CaseTensors makeTensors(const NormSiluCheckCase& c, const c10::Device& device, std::uint64_t seed) {
    const auto format = c.channelsLast ? at::MemoryFormat::ChannelsLast3d : at::MemoryFormat::Contiguous;
    const auto on = at::TensorOptions().device(device).dtype(c.dtype);
    at::Generator gen = at::detail::createCPUGenerator(seed);
    const std::int64_t C = c.channels;
    CaseTensors t;
    const at::Tensor wide = at::randn({2, C + c.firstChannel, 3, 10, 13}, gen).mul_(3.0).to(on).contiguous(format);
    t.x = wide.narrow(1, c.firstChannel, C);
    t.gamma = at::randn({C}, gen).to(on);
    t.buffer = at::empty({2, C, 5, 12, 15}, on.memory_format(format)).fill_(7.0);
    t.window = t.buffer.narrow(2, 2, 3).narrow(3, 1, 10).narrow(4, 1, 13);
    return t;
}

}  // namespace

std::string NormSiluCheckCase::name() const {
    std::string n = std::string(dtypeName(dtype)) + (channelsLast ? " channels-last" : " NCDHW") + " C=" +
                    std::to_string(channels);
    if (firstChannel > 0) n += " (view +" + std::to_string(firstChannel) + ")";
    return n;
}

std::vector<NormSiluCheckCase> normSiluCheckCases() {
    std::vector<NormSiluCheckCase> cases;
    for (const std::int64_t C : {40, 96, 192, 384})
        for (const bool last : {false, true})
            for (const auto type : {at::kFloat, at::kBFloat16, at::kHalf}) cases.push_back({C, last, type, 0});
    // The per-warp kernel: channels that are not whole 16-byte vectors, and a view whose
    // channels start 8 bytes off alignment.
    cases.push_back({36, true, at::kBFloat16, 0});
    cases.push_back({36, true, at::kHalf, 0});
    cases.push_back({42, true, at::kFloat, 0});
    cases.push_back({40, true, at::kBFloat16, 4});
    return cases;
}

std::string normSiluKernelOf(const NormSiluCheckCase& c, const c10::Device& device) {
    c10::NoGradGuard inference;
    const CaseTensors t = makeTensors(c, device, 1);
    return kernelName(makeNormSiluLaunch(t.x, t.gamma, t.window, nullptr));
}

std::vector<NormSiluCheck> checkNormSiluKernels(const c10::Device& device) {
    if (!device.is_cuda()) throwUsage("the kernel check needs a CUDA device (--device cuda), not " + device.str());
    const std::string problem = cudaNormSiluProblemOn(device.index() < 0 ? 0 : device.index());
    if (!problem.empty()) throwRuntime("fused RMS norm + SiLU kernel on " + device.str() + ": " + problem);
    c10::NoGradGuard inference;
    std::vector<NormSiluCheck> results;
    std::uint64_t seed = 11;
    for (const NormSiluCheckCase& c : normSiluCheckCases()) {
        const CaseTensors t = makeTensors(c, device, seed++);
        const std::int64_t C = c.channels;
        NormSiluCheck r;
        r.name = c.name();
        r.kernel = kernelName(makeNormSiluLaunch(t.x, t.gamma, t.window, nullptr));
        cudaRmsNormSiluInto(t.x, t.gamma, t.window);
        // The reference from the very inputs the kernel saw (rounded to its dtype).
        const at::Tensor exact =
            layers::rmsNormSilu(t.x.to(at::kFloat).cpu(), t.gamma.to(at::kFloat).cpu().view({C, 1, 1, 1}));
        const at::Tensor err = (t.window.to(at::kFloat).cpu() - exact).abs();
        // fp32: a few ulps; fp16 and bf16: one rounding of the fp32 result, with slack for
        // the different summation order (as test_cuda_norm_silu's host tests).
        const double relative = c.dtype == at::kFloat ? 1e-6 : c.dtype == at::kHalf ? 1.0 / 1024 : 1.0 / 128;
        const at::Tensor allowed = exact.abs().mul(relative).add(1e-5);
        r.maxAbs = err.max().item<double>();
        r.worstRatio = err.div(allowed).max().item<double>();
        at::Tensor border = at::ones(t.buffer.sizes(), at::kBool);
        border.narrow(2, 2, 3).narrow(3, 1, 10).narrow(4, 1, 13).fill_(false);
        r.borderUntouched = t.buffer.cpu().masked_select(border).eq(7.0).all().item<bool>();
        results.push_back(r);
    }
    return results;
}

}  // namespace ts::gpu
