#include "model/causal_decoder.h"

#include "profile/trace_scope.h"

namespace ts {

using layers::weight;

CausalDecoder::CausalDecoder(const WanVae& model) : model_(model) {}

at::Tensor CausalDecoder::residual(const at::Tensor& x, const std::string& p, ForwardContext& ctx) {
    return layers::residualBlock(x, model_.weights(), p, history(p + ".residual.2"),
                                 history(p + ".residual.6"), ctx);
}

at::Tensor CausalDecoder::forwardPrefix(const at::Tensor& z, ForwardContext& ctx) {
    const NamedTensors& w = model_.weights();
    TraceScope span(ctx.trace, "prefix: post-quant conv + middle block", "stage", 0, ctx.traceTid,
                    frameArgs());
    at::Tensor x = layers::causalConv3d(z, weight(w, "conv2.weight"), weight(w, "conv2.bias"), nullptr, ctx);
    x = layers::causalConv3d(x, weight(w, "decoder.conv1.weight"), weight(w, "decoder.conv1.bias"),
                             &history("decoder.conv1"), ctx);
    x = residual(x, "decoder.middle.0", ctx);
    x = layers::attentionBlock(x, w, "decoder.middle.1", ctx);
    return residual(x, "decoder.middle.2", ctx);
}

namespace {

// Crops x, which covers `current`, to `want` (inside it); returns the crop and updates current.
at::Tensor cropTo(const at::Tensor& x, Rect& current, const Rect& want) {
    at::Tensor y = x.narrow(3, want.y0 - current.y0, want.height()).narrow(4, want.x0 - current.x0, want.width());
    current = want;
    return y;
}

}  // namespace

at::Tensor CausalDecoder::forwardUpsampling(const at::Tensor& x, ForwardContext& ctx) {
    return upsampling(x, Rect{0, x.size(3), 0, x.size(4)}, nullptr, ctx);
}

at::Tensor CausalDecoder::forwardUpsamplingRegion(const at::Tensor& x, const Rect& inputRect,
                                                  const UpsamplingRegions& regions, ForwardContext& ctx) {
    return upsampling(x, inputRect, &regions, ctx);
}

at::Tensor CausalDecoder::upsampling(const at::Tensor& input, Rect current, const UpsamplingRegions* regions,
                                     ForwardContext& ctx) {
    const NamedTensors& w = model_.weights();
    const VaeConfig& cfg = model_.config();
    const std::vector<bool> temporal = cfg.temporalUpsample();
    at::Tensor x = input;
    int k = 0;
    for (int stage = 0; stage < cfg.stageCount(); ++stage) {
        TraceScope span(ctx.trace, "up stage " + std::to_string(stage), "stage", 0, ctx.traceTid, frameArgs());
        for (int j = 0; j <= cfg.numResBlocks; ++j, ++k) {
            if (regions) x = cropTo(x, current, regions->blockInput[k]);
            x = residual(x, "decoder.upsamples." + std::to_string(k), ctx);
        }
        if (stage == cfg.stageCount() - 1) break;
        if (regions) x = cropTo(x, current, regions->blockInput[k]);
        const std::string p = "decoder.upsamples." + std::to_string(k++);
        // The reference skips the time conv on the first latent frame and starts its
        // time context from zeros on the second.
        if (temporal[stage] && framesDecoded_ > 0) {
            x = layers::causalConv3d(x, weight(w, p + ".time_conv.weight"), weight(w, p + ".time_conv.bias"),
                                     &history(p + ".time_conv"), ctx);
            x = layers::interleaveTime(x);
        }
        x = layers::upsampleConv(x, weight(w, p + ".resample.1.weight"), weight(w, p + ".resample.1.bias"), ctx);
        current = current.scaled(2);
    }
    TraceScope head(ctx.trace, "head", "stage", 0, ctx.traceTid, frameArgs());
    if (regions) x = cropTo(x, current, regions->headInput);
    x = layers::rmsNormSilu(x, weight(w, "decoder.head.0.gamma"));
    x = layers::causalConv3d(x, weight(w, "decoder.head.2.weight"), weight(w, "decoder.head.2.bias"),
                             &history("decoder.head.2"), ctx);
    if (regions) x = cropTo(x, current, regions->output);
    return x;
}

at::Tensor CausalDecoder::decodeFrame(const at::Tensor& z, ForwardContext& ctx) {
    at::Tensor x = forwardPrefix(z, ctx);
    x = forwardUpsampling(x, ctx);
    finishFrame();
    return x;
}

}  // namespace ts
