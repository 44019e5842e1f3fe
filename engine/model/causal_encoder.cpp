#include "model/causal_encoder.h"

#include <ATen/ATen.h>

#include <utility>

namespace ts {

using layers::weight;

CausalEncoder::CausalEncoder(const WanVae& model) : model_(model) {}

at::Tensor CausalEncoder::residual(at::Tensor x, const std::string& p, ForwardContext& ctx) {
    return layers::residualBlock(std::move(x), model_.weights(), p, history(p + ".residual.2"),
                                 history(p + ".residual.6"), ctx);
}

at::Tensor CausalEncoder::encodeChunk(const at::Tensor& input, ForwardContext& ctx) {
    const NamedTensors& w = model_.weights();
    const VaeConfig& cfg = model_.config();
    at::Tensor x = layers::causalConv3d(input, weight(w, "encoder.conv1.weight"), weight(w, "encoder.conv1.bias"),
                                        &history("encoder.conv1"), ctx);
    int k = 0;
    for (int stage = 0; stage < cfg.stageCount(); ++stage) {
        for (int j = 0; j < cfg.numResBlocks; ++j)
            x = residual(std::move(x), "encoder.downsamples." + std::to_string(k++), ctx);
        if (stage == cfg.stageCount() - 1) break;
        const std::string p = "encoder.downsamples." + std::to_string(k++);
        x = layers::downsampleConv(x, weight(w, p + ".resample.1.weight"), weight(w, p + ".resample.1.bias"), ctx);
        if (!cfg.temporalDownsample[stage]) continue;
        at::Tensor last = x.narrow(2, x.size(2) - 1, 1).clone();
        if (chunks_ > 0) {
            // kernel 3, stride 2, no padding over [previous last frame | chunk].
            const at::Tensor& tw = weight(w, p + ".time_conv.weight");
            at::Tensor joined = at::cat({lastFrame_[p], x}, 2);
            x = layers::conv3d(joined, tw, weight(w, p + ".time_conv.bias"), {2, 1, 1});
            ctx.macs += x.numel() * (tw.numel() / tw.size(0));
        }
        lastFrame_[p] = last;
    }
    x = residual(std::move(x), "encoder.middle.0", ctx);
    x = layers::attentionBlock(x, w, "encoder.middle.1", ctx);
    x = residual(std::move(x), "encoder.middle.2", ctx);
    x = layers::rmsNormSilu(x, weight(w, "encoder.head.0.gamma"));
    x = layers::causalConv3d(x, weight(w, "encoder.head.2.weight"), weight(w, "encoder.head.2.bias"),
                             &history("encoder.head.2"), ctx);
    ++chunks_;
    return x;
}

}  // namespace ts
