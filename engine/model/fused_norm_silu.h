#pragma once
// RMS norm over channels followed by SiLU in one pass, on the CPU (`--opt fused-norm`).
//
// The ATen path (layers::rmsNorm + silu_) walks the activation four times (the norm's
// strided reduction over channels, the scaling, the gain, SiLU) and, in bf16, converts
// the whole tensor to an fp32 copy and back. Here each (frame, row) is done while its C
// rows of W values are in cache: one pass sums the squares across channels per pixel, a
// second writes silu(x * gain[c] / norm) straight to the output (in bf16: one rounding).
// Sums and products run in fp32 in both precisions. On CUDA tensors the same pass is one
// kernel (gpu/norm_silu_cuda.h), where this build has it.
#include <ATen/core/Tensor.h>

namespace ts::layers {

// Whether fusedRmsNormSiluInto takes x: on the CPU, fp32 or bf16 [B,C,T,H,W] with unit
// stride along W (a crop of an exact tile is a view, read in place), autograd off
// (training keeps the ATen path, which has a backward); on CUDA where the kernel is
// built, fp32/bf16/fp16 [B,C,T,H,W] in any layout.
bool fusedNormSiluApplies(const at::Tensor& x);

// out = silu(x / max(||x||_2 over C, 1e-12) * sqrt(C) * gamma). out: x's sizes and dtype,
// any strides with unit stride along W (a window of a padded buffer), not overlapping x.
// SiLU's exp is a polynomial accurate to ~2 ulp in fp32 (the switch's tests bound the
// difference to the ATen path).
void fusedRmsNormSiluInto(const at::Tensor& x, const at::Tensor& gamma, const at::Tensor& out);

}  // namespace ts::layers
