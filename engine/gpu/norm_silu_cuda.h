#pragma once
// The fused RMS norm + SiLU on CUDA tensors (`--opt fused-norm`): fills a launch from
// tensors and queues gpu/norm_silu_kernel.cu on LibTorch's current stream.
// model/fused_norm_silu.h dispatches here for CUDA tensors.
#include "gpu/norm_silu_launch.h"

#include <ATen/core/Tensor.h>

#include <string>

namespace ts::gpu {

// Whether this build has the kernel and can launch it on LibTorch's streams.
bool cudaNormSiluBuilt();

// What `--opt fused-norm` runs on CUDA with this build, for `info` and bench JSON: the
// kernel, or the ATen ops and why (no nvcc when it was configured, or a CPU-only LibTorch).
std::string describeCudaNormSilu();

// Whether the kernel takes x: built, a CUDA tensor, fp32/bf16/fp16, 5-D, autograd off.
bool cudaNormSiluApplies(const at::Tensor& x);

// Empty if the kernel has code for CUDA device `device`, else why not (a card older than
// the architectures it was built for, a driver older than its toolkit): the decoder asks
// once per run and runs the ATen ops instead (layers::normSiluConv).
std::string cudaNormSiluProblemOn(int device);

// The launch for x -> out with gamma (C values of x's dtype, contiguous) on `stream`.
// Pure: only reads sizes, strides and pointers, so tests build it from CPU tensors.
NormSiluLaunch makeNormSiluLaunch(const at::Tensor& x, const at::Tensor& gamma, const at::Tensor& out,
                                  void* stream);

// out = silu(rms_norm(x) * gamma), queued on the current stream of x's device. out: x's
// sizes and dtype on the same device, any strides (a window of a padded buffer).
// Throws (ts::Error) on a launch failure or tensors it cannot take.
void cudaRmsNormSiluInto(const at::Tensor& x, const at::Tensor& gamma, const at::Tensor& out);

}  // namespace ts::gpu
