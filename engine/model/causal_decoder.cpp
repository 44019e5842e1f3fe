#include "model/causal_decoder.h"

#include "profile/trace_scope.h"

#include <ATen/ATen.h>

#include <utility>

namespace ts {

using layers::weight;

CausalDecoder::CausalDecoder(const WanVae& model) : model_(model) {}

at::Tensor CausalDecoder::residual(at::Tensor x, const std::string& p, ForwardContext& ctx) {
    return layers::residualBlock(std::move(x), model_.weights(), p, history(p + ".residual.2"),
                                 history(p + ".residual.6"), ctx);
}

at::Tensor CausalDecoder::forwardPrefix(const at::Tensor& z, ForwardContext& ctx) {
    const NamedTensors& w = model_.weights();
    TraceScope span(ctx.trace, "prefix: post-quant conv + middle block", "stage", 0, ctx.traceTid,
                    frameArgs());
    at::Tensor x = layers::causalConv3d(z, weight(w, "conv2.weight"), weight(w, "conv2.bias"), nullptr, ctx);
    x = layers::causalConv3d(x, weight(w, "decoder.conv1.weight"), weight(w, "decoder.conv1.bias"),
                             &history("decoder.conv1"), ctx);
    x = residual(std::move(x), "decoder.middle.0", ctx);
    x = layers::attentionBlock(x, w, "decoder.middle.1", ctx);
    return residual(std::move(x), "decoder.middle.2", ctx);
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

bool CausalDecoder::splitsAfter(int stage, const ForwardContext& ctx) const {
    // Only the last stage (full resolution, where activations are largest and weights
    // smallest) runs frame by frame: a 3-frame conv called once per output frame reorders
    // its two history frames for oneDNN again on every call (about 20 % slower per frame),
    // so splitting the half-resolution stage too saves 19 MiB for 12 % more time (measured,
    // docs/benchmarks/2026-11-25-graph-options.md).
    return ctx.graph.frameSplit && stage == model_.config().frameSplitAfterStage();
}

at::Tensor CausalDecoder::upsampling(const at::Tensor& input, Rect current, const UpsamplingRegions* regions,
                                     ForwardContext& ctx) {
    std::vector<at::Tensor> frames;
    upsamplingFrom(0, input, current, regions, ctx, frames);
    return frames.size() == 1 ? frames.front() : at::cat(frames, 2);
}

void CausalDecoder::upsamplingFrom(int stage, at::Tensor x, Rect current, const UpsamplingRegions* regions,
                                   ForwardContext& ctx, std::vector<at::Tensor>& out) {
    const NamedTensors& w = model_.weights();
    const VaeConfig& cfg = model_.config();
    int k = stage * (cfg.numResBlocks + 2);  // each stage: numResBlocks + 1 blocks and a resample
    if (stage == cfg.stageCount()) {
        TraceScope head(ctx.trace, "head", "stage", 0, ctx.traceTid, frameArgs());
        if (regions) x = cropTo(x, current, regions->headInput);
        x = layers::normSiluConv(std::move(x), weight(w, "decoder.head.0.gamma"), weight(w, "decoder.head.2.weight"),
                                 weight(w, "decoder.head.2.bias"), &history("decoder.head.2"), ctx);
        if (regions) x = cropTo(x, current, regions->output);
        out.push_back(x);
        return;
    }
    {
        TraceScope span(ctx.trace, "up stage " + std::to_string(stage), "stage", 0, ctx.traceTid, frameArgs());
        for (int j = 0; j <= cfg.numResBlocks; ++j, ++k) {
            if (regions) x = cropTo(x, current, regions->blockInput[k]);
            x = residual(std::move(x), "decoder.upsamples." + std::to_string(k), ctx);
        }
        if (stage < cfg.stageCount() - 1) {
            if (regions) x = cropTo(x, current, regions->blockInput[k]);
            const std::string p = "decoder.upsamples." + std::to_string(k);
            // The reference skips the time conv on the first latent frame and starts its
            // time context from zeros on the second.
            if (cfg.temporalUpsample()[stage] && framesDecoded_ > 0) {
                x = layers::causalConv3d(x, weight(w, p + ".time_conv.weight"), weight(w, p + ".time_conv.bias"),
                                         &history(p + ".time_conv"), ctx);
                x = layers::interleaveTime(x);
            }
            if (!splitsAfter(stage, ctx) || x.size(2) == 1) {
                x = layers::upsampleConv(x, weight(w, p + ".resample.1.weight"), weight(w, p + ".resample.1.bias"), ctx);
            }
        }
    }
    if (splitsAfter(stage, ctx) && x.size(2) > 1) {
        // Depth first, one frame at a time: every later causal conv still sees its frames
        // in order, so the result is the same, with activations one frame deep.
        const std::string p = "decoder.upsamples." + std::to_string(k);
        const at::Tensor all = x;
        x = at::Tensor();
        for (std::int64_t t = 0; t < all.size(2); ++t) {
            at::Tensor frame;
            {
                // The stage's own resample, one frame of it, in a stage span of its own name: so
                // that its time and FLOPs are in a stage (without frame-split they are in the
                // stage's), and the stage's span count and mean keep their meaning.
                TraceScope span(ctx.trace, "up stage " + std::to_string(stage) + " resample", "stage", 0, ctx.traceTid,
                                frameArgs());
                frame = layers::upsampleConv(all.narrow(2, t, 1), weight(w, p + ".resample.1.weight"),
                                             weight(w, p + ".resample.1.bias"), ctx);
            }
            upsamplingFrom(stage + 1, std::move(frame), current.scaled(2), regions, ctx, out);
        }
        return;
    }
    if (stage < cfg.stageCount() - 1) current = current.scaled(2);
    upsamplingFrom(stage + 1, std::move(x), current, regions, ctx, out);
}

at::Tensor CausalDecoder::decodeFrame(const at::Tensor& z, ForwardContext& ctx) {
    at::Tensor x = forwardPrefix(z, ctx);
    x = forwardUpsampling(x, ctx);
    finishFrame();
    return x;
}

}  // namespace ts
