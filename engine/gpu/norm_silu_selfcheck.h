#pragma once
// The fused RMS norm + SiLU kernels checked against the ATen ops on a real CUDA device:
// every kernel variant (per-thread NCDHW, per-warp and vectorised channels-last), every
// dtype, Wan's channel counts and an odd one, written into a padded window whose border
// must stay untouched. `tilescope-cli check --kernels` prints it (the lent GPU machines
// have no Qt to run test_cuda_norm_silu); the Qt test runs the same cases where it can.
#include <c10/core/Device.h>

#include <string>
#include <vector>

namespace ts::gpu {

struct NormSiluCheck {
    std::string name;     // e.g. "bf16 channels-last C=96"
    std::string kernel;   // which kernel the launch took: "vectorised, 16 lanes", "per-warp", "per-thread"
    double maxAbs = 0;    // against the fp32 ATen path on the CPU
    double worstRatio = 0;  // max over elements of error / allowed error (<= 1 passes)
    bool borderUntouched = true;
    bool pass() const { return worstRatio <= 1.0 && borderUntouched; }
};

// Throws ts::Error when the device is not CUDA or the kernel cannot run there.
std::vector<NormSiluCheck> checkNormSiluKernels(const c10::Device& device);

}  // namespace ts::gpu
