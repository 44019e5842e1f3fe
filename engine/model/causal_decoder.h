#pragma once
// The Wan2.1 decoder streamed over latent frames, one frame per call, exactly as the
// reference's WanVAE_.decode: each 3-frame conv keeps the last two input frames as its
// time context, and the temporal upsamplers skip their time conv on the first frame
// (so T latent frames give 1 + 4(T-1) video frames). State lives in this object only:
// a second decoder (another tile, another run) never shares it.
#include "model/layers.h"
#include "model/wan_vae.h"
#include "plan/exact_regions.h"

#include <map>
#include <utility>
#include <vector>
#include <string>

namespace ts {

class CausalDecoder {
public:
    explicit CausalDecoder(const WanVae& model);

    // z: [B, zDim, 1, h, w] in the model's dtype, already de-normalised.
    // Returns [B, 3, n, 8h, 8w] (n = 1 for the first frame, 4 after), unclamped.
    at::Tensor decodeFrame(const at::Tensor& z, ForwardContext& ctx);

    // The parts before the first upsampling stage (post-quant conv, conv_in, middle
    // block), and the stages after it, separately: the tiled decoder runs the first on
    // the whole latent and the second per tile.
    at::Tensor forwardPrefix(const at::Tensor& z, ForwardContext& ctx);
    at::Tensor forwardUpsampling(const at::Tensor& x, ForwardContext& ctx);

    // The same over a tile: x covers `inputRect` of the latent frame; before every block
    // the running tensor is cropped to the region that block needs (exact tiling), and
    // the result is cropped to regions.output.
    at::Tensor forwardUpsamplingRegion(const at::Tensor& x, const Rect& inputRect,
                                       const UpsamplingRegions& regions, ForwardContext& ctx);

    // Callers that run the prefix and the upsampling part separately mark the end of each
    // latent frame, which switches the temporal upsamplers on after the first.
    void finishFrame() { ++framesDecoded_; }
    int framesDecoded() const { return framesDecoded_; }

private:
    // Stage spans say which latent frame they belong to.
    std::vector<std::pair<std::string, std::string>> frameArgs() const {
        return {{"latent_frame", std::to_string(framesDecoded_)}};
    }
    CausalHistory& history(const std::string& key) { return histories_[key]; }
    at::Tensor residual(at::Tensor x, const std::string& prefix, ForwardContext& ctx);
    at::Tensor upsampling(const at::Tensor& x, Rect current, const UpsamplingRegions* regions, ForwardContext& ctx);
    // frame-split: whether the stages after `stage` run one frame at a time.
    bool splitsAfter(int stage, const ForwardContext& ctx) const;
    // Stages from `stage` on (stageCount() = the head), appending output frames to `out`.
    void upsamplingFrom(int stage, at::Tensor x, Rect current, const UpsamplingRegions* regions,
                        ForwardContext& ctx, std::vector<at::Tensor>& out);

    const WanVae& model_;
    std::map<std::string, CausalHistory> histories_;
    int framesDecoded_ = 0;
};

}  // namespace ts
