#pragma once
// Latents as a Wan2.1 pipeline hands them to the VAE: .safetensors (tensor "latents" or
// the only tensor), .npy, or .pt (a saved tensor); [C,T,h,w] or [1,C,T,h,w]; fp32, fp16
// or bf16. Returned as contiguous fp32 [C,T,h,w] after checking rank, finiteness and
// that the file is not a checkpoint. The channel count is checked against the model by
// the caller (it depends on the model).
#include <ATen/core/Tensor.h>

#include <string>

namespace ts {

at::Tensor readLatents(const std::string& path);

// A clip to encode: .safetensors (tensor "video" or the only tensor) or .npy,
// [3,F,H,W] or [1,3,F,H,W], values in [-1, 1]. Returned as fp32 [3,F,H,W].
at::Tensor readVideoTensor(const std::string& path);

}  // namespace ts
