#pragma once
// Launches the fused RMS norm + SiLU kernel on a.stream (asynchronously, as every kernel).
// Defined by gpu/norm_silu_kernel.cu where nvcc built it; where it did not, by a stub in
// gpu/norm_silu_cuda.cpp that says so. Returns nullptr when the launch was queued, else
// what went wrong (the CUDA runtime's message).
#include "gpu/norm_silu_launch.h"

namespace ts::gpu {

const char* launchNormSiluKernel(const NormSiluLaunch& a);

// Whether the kernel can run on CUDA device `device`: nullptr if so, else why (no machine
// code or PTX for its architecture, a driver older than the toolkit the kernel was built
// with). Leaves the current device and CUDA's last-error state as they were.
const char* normSiluKernelProblem(int device);

}  // namespace ts::gpu
