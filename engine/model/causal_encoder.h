#pragma once
// The Wan2.1 encoder streamed over video chunks as the reference's WanVAE_.encode does:
// the first frame alone, then 4 frames at a time; each chunk yields one latent frame.
#include "model/layers.h"
#include "model/wan_vae.h"

#include <map>
#include <string>

namespace ts {

class CausalEncoder {
public:
    explicit CausalEncoder(const WanVae& model);

    // x: [B, 3, n, H, W] in the model's dtype (n = 1 first, then temporalFactor).
    // Returns the encoder head's output [B, 2*zDim, 1, H/8, W/8] (before conv1).
    at::Tensor encodeChunk(const at::Tensor& x, ForwardContext& ctx);

private:
    CausalHistory& history(const std::string& key) { return histories_[key]; }
    at::Tensor residual(at::Tensor x, const std::string& prefix, ForwardContext& ctx);

    const WanVae& model_;
    std::map<std::string, CausalHistory> histories_;
    // The strided time conv of each temporal downsampler sees the previous chunk's last
    // frame in front of the current chunk.
    std::map<std::string, at::Tensor> lastFrame_;
    int chunks_ = 0;
};

}  // namespace ts
