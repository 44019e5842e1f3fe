#pragma once
// The fused RMS norm + SiLU kernels checked against the ATen ops on a real CUDA device:
// every kernel variant (per-thread NCDHW, per-warp and vectorised channels-last), every
// dtype, Wan's channel counts and an odd one, written into a padded window whose border
// must stay untouched. `tilescope-cli check --kernels` prints it (the lent GPU machines
// have no Qt to run test_cuda_norm_silu); the Qt test runs the same cases where it can.
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <cstdint>

#include <string>
#include <vector>

namespace ts::gpu {

struct NormSiluCheck {
    std::string name;     // e.g. "bf16 channels-last C=96"
    std::string kernel;   // which kernel the launch took: "vectorised, 4 lanes", "per-warp", "per-thread"
    double maxAbs = 0;    // against the fp32 ATen path on the CPU
    double worstRatio = 0;  // max over elements of error / allowed error (<= 1 passes)
    bool borderUntouched = true;
    bool pass() const { return worstRatio <= 1.0 && borderUntouched; }
};

// One case of the check: x [2, C, 3, 10, 13] (channels-last or NCDHW; a view starting
// `firstChannel` channels into a wider tensor) into a window of a padded buffer.
struct NormSiluCheckCase {
    std::int64_t channels = 0;
    bool channelsLast = false;
    c10::ScalarType dtype = c10::ScalarType::Float;
    std::int64_t firstChannel = 0;
    std::string name() const;  // "bf16 channels-last C=96", "+4" for a view
};

// Every kernel variant: the per-thread kernel (NCDHW), the vectorised one (Wan's channel
// counts and an odd one, each dtype) and the per-warp one (channels that are not whole
// vectors, a view 8 bytes off alignment).
std::vector<NormSiluCheckCase> normSiluCheckCases();

// The kernel a case's launch takes ("per-thread", "per-warp", "vectorised, N lanes"),
// decided on the host from tensors on `device` (any device: the decision reads only sizes,
// strides and pointers).
std::string normSiluKernelOf(const NormSiluCheckCase& c, const c10::Device& device);

// Throws ts::Error when the device is not CUDA or the kernel cannot run there.
std::vector<NormSiluCheck> checkNormSiluKernels(const c10::Device& device);

}  // namespace ts::gpu
