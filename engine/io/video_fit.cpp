#include "io/video_fit.h"

#include "core/error.h"

#include <ATen/ATen.h>

namespace ts {

namespace {

int64_t roundDown(int64_t v, int64_t m) { return v / m * m; }
int64_t roundUp(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

std::string size(int64_t w, int64_t h) { return std::to_string(w) + "x" + std::to_string(h); }

// Indices 0..n-1 clamped to the last valid one: padding by edge replication.
at::Tensor clampedIndex(int64_t n, int64_t have) { return at::arange(n, at::kLong).clamp_max(have - 1); }

}  // namespace

VideoFit parseVideoFit(const std::string& text) {
    if (text == "crop") return VideoFit::Crop;
    if (text == "pad") return VideoFit::Pad;
    throwUsage("--fit: '" + text + "' is not crop or pad");
}

at::Tensor fitVideo(const std::string& source, const at::Tensor& video, VideoFit fit, int tf, int sf) {
    const int64_t f = video.size(1), h = video.size(2), w = video.size(3);
    const int64_t fDown = 1 + roundDown(f - 1, tf), fUp = 1 + roundUp(f - 1, tf);
    const int64_t hDown = roundDown(h, sf), hUp = roundUp(h, sf), wDown = roundDown(w, sf), wUp = roundUp(w, sf);
    if (f == fDown && h == hDown && w == wDown) return video;
    switch (fit) {
    case VideoFit::None: {
        std::string msg = source + ": " + std::to_string(f) + " frames of " + size(w, h) + ", but the encoder needs";
        if (f != fDown) {
            msg += " 1+" + std::to_string(tf) + "k frames (" + std::to_string(fDown) + " or " + std::to_string(fUp) + ")";
            if (h != hDown || w != wDown) msg += " and";
        }
        if (h != hDown || w != wDown)
            msg += " sizes that are multiples of " + std::to_string(sf) + " (" +
                   (hDown > 0 && wDown > 0 ? size(wDown, hDown) + " or " : std::string()) + size(wUp, hUp) + ")";
        throwInput(msg + "; trim or pad the clip, or give --fit crop|pad");
    }
    case VideoFit::Crop:
        if (hDown == 0 || wDown == 0)
            throwInput(source + ": " + size(w, h) + " is smaller than " + std::to_string(sf) + " pixels: --fit crop " +
                       "would leave nothing; use --fit pad");
        // Frames from the start (a clip's beginning matters to a causal encoder); the
        // picture from the centre.
        return video.narrow(1, 0, fDown).narrow(2, (h - hDown) / 2, hDown).narrow(3, (w - wDown) / 2, wDown).contiguous();
    case VideoFit::Pad:
        return video.index_select(1, clampedIndex(fUp, f))
            .index_select(2, clampedIndex(hUp, h))
            .index_select(3, clampedIndex(wUp, w))
            .contiguous();
    }
    return video;
}

}  // namespace ts
