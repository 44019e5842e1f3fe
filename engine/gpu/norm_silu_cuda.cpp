#include "gpu/norm_silu_cuda.h"

#include "core/error.h"
#include "gpu/current_cuda_stream.h"
#include "gpu/norm_silu_kernel.h"

#include <ATen/ATen.h>
#include <c10/core/DeviceGuard.h>
#include <c10/core/GradMode.h>

#include <cmath>
#include <string>

namespace ts::gpu {

#ifndef TILESCOPE_CUDA_KERNELS
// No nvcc at configure time (or TILESCOPE_CUDA_KERNELS=OFF): the ATen path runs instead.
namespace {
constexpr const char* kNoKernels = "this build has no CUDA kernels of its own";
}
const char* launchNormSiluKernel(const NormSiluLaunch&) { return kNoKernels; }
const char* normSiluKernelProblem(int) { return kNoKernels; }
#endif

namespace {

bool dtypeOf(at::ScalarType t, NormSiluDtype& out) {
    switch (t) {
    case at::kFloat: out = NormSiluDtype::Float32; return true;
    case at::kBFloat16: out = NormSiluDtype::BFloat16; return true;
    case at::kHalf: out = NormSiluDtype::Float16; return true;
    default: return false;
    }
}

}  // namespace

bool cudaNormSiluBuilt() {
#ifdef TILESCOPE_CUDA_KERNELS
    return currentCudaStreamAvailable();
#else
    return false;
#endif
}

std::string describeCudaNormSilu() {
#ifdef TILESCOPE_CUDA_KERNELS
    return currentCudaStreamAvailable() ? "fused-norm kernel (ours)"
                                        : "ATen ops (kernel built, but this LibTorch has no CUDA)";
#else
    return "ATen ops (built without nvcc: no kernel of ours)";
#endif
}

bool cudaNormSiluApplies(const at::Tensor& x) {
    NormSiluDtype d;
    return cudaNormSiluBuilt() && x.defined() && x.device().is_cuda() && x.dim() == 5 && dtypeOf(x.scalar_type(), d) &&
           !c10::GradMode::is_enabled();
}

std::string cudaNormSiluProblemOn(int device) {
    if (!cudaNormSiluBuilt()) return describeCudaNormSilu();
    const char* problem = normSiluKernelProblem(device);
    return problem ? problem : std::string();
}

NormSiluLaunch makeNormSiluLaunch(const at::Tensor& x, const at::Tensor& gamma, const at::Tensor& out, void* stream) {
    if (x.dim() != 5 || out.sizes() != x.sizes() || out.scalar_type() != x.scalar_type() ||
        gamma.scalar_type() != x.scalar_type() || !gamma.is_contiguous() || gamma.numel() != x.size(1) ||
        out.device() != x.device() || gamma.device() != x.device())
        throwRuntime("fused RMS norm + SiLU: unsupported tensors (expects 5-D [B,C,T,H,W], an output of the same "
                     "shape, dtype and device, and C contiguous gains of that dtype)");
    NormSiluLaunch a;
    if (!dtypeOf(x.scalar_type(), a.dtype))
        throwRuntime(std::string("fused RMS norm + SiLU: no kernel for ") + c10::toString(x.scalar_type()));
    a.x = x.data_ptr();
    a.out = out.data_ptr();
    a.gamma = gamma.data_ptr();
    a.scale = static_cast<float>(std::sqrt(static_cast<double>(x.size(1))));
    for (int d = 0; d < 5; ++d) {
        a.sizes[d] = x.size(d);
        a.xStrides[d] = x.stride(d);
        a.outStrides[d] = out.stride(d);
    }
    a.stream = stream;
    a.vectorLanes = normSiluVectorLanes(a);
    return a;
}

void cudaRmsNormSiluInto(const at::Tensor& x, const at::Tensor& gamma, const at::Tensor& out) {
    if (!cudaNormSiluApplies(x)) throwRuntime("fused RMS norm + SiLU: the CUDA kernel does not take this tensor");
    // x's device current: LibTorch's default stream of cuda:N is the null handle, which
    // means the current device's default stream (N may not be the current device outside
    // the tile workers, which set it with their stream guard).
    const c10::DeviceGuard onDevice(x.device());
    // Weights are converted once at load, so gamma already has x's dtype; reshape() of a
    // [C,1,1,1] gain is a view.
    const at::Tensor g = gamma.reshape({x.size(1)}).to(x.scalar_type()).contiguous();
    const NormSiluLaunch a =
        makeNormSiluLaunch(x, g, out, currentCudaStream(static_cast<int>(x.device().index())));
    if (const char* failure = launchNormSiluKernel(a))
        throwRuntime(std::string("fused RMS norm + SiLU on ") + x.device().str() + ": " + failure);
}

}  // namespace ts::gpu
