#pragma once
// A loaded Wan2.1 VAE: configuration + weights (Wan names), on one device in one dtype.
// Immutable after construction, so several decode workers may share it.
#include "checkpoint/named_tensors.h"
#include "model/vae_config.h"

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <string>

namespace ts {

class WanVae {
public:
    // path: a .pth or .safetensors file in either naming scheme, or a built-in model:
    //   builtin:wan2.1  full-size Wan2.1 VAE architecture, seeded random weights
    //   builtin:tiny    the golden test layout (dim 8), seeded random weights
    //   builtin:demo    the trained demo model shipped in resources/ (when present)
    static WanVae load(const std::string& path, VaeParts parts);
    static WanVae fromTensors(NamedTensors wanNamed, VaeParts parts, std::string source);
    static WanVae randomWeights(const VaeConfig& cfg, VaeParts parts, std::uint64_t seed,
                                std::string source);

    const VaeConfig& config() const { return config_; }
    const std::string& source() const { return source_; }
    const NamedTensors& weights() const { return weights_; }
    const at::Tensor& weight(const std::string& wanName) const;  // throws naming the key
    bool has(const std::string& wanName) const { return weights_.count(wanName) != 0; }
    std::int64_t parameterCount(VaeParts parts) const;

    // A copy with every weight converted once (e.g. bf16 on cuda:0).
    WanVae to(c10::Device device, c10::ScalarType dtype) const;
    c10::Device device() const;
    c10::ScalarType dtype() const;

private:
    VaeConfig config_;
    NamedTensors weights_;
    std::string source_;
};

// The Wan2.1 latent normalisation (16 channels): the decoder de-normalises
// z * std + mean itself, the encoder normalises (mu - mean) / std.
const std::vector<float>& wan21LatentMean();
const std::vector<float>& wan21LatentStd();

}  // namespace ts
