#pragma once
// The encoder's shape rules for a clip: 1 + k*temporalFactor frames (1+4k for Wan2.1)
// and sizes that are multiples of the spatial factor (8). fitVideo checks them and,
// when asked, trims (crop) or extends (pad) the clip to the nearest valid shape.
#include <ATen/core/Tensor.h>

#include <string>

namespace ts {

enum class VideoFit {
    None,  // refuse a clip of the wrong shape, saying how to fix it
    Crop,  // keep the first 1+4k frames, centre-crop to multiples of 8
    Pad    // repeat the last frame, replicate the bottom row / right column
};

// "crop" | "pad"; anything else is a usage error naming --fit.
VideoFit parseVideoFit(const std::string& text);

// video: [3,F,H,W]. `source` names the clip in messages. Throws ErrorKind::Input when
// the shape is wrong and fit is None, or when a crop would leave nothing.
at::Tensor fitVideo(const std::string& source, const at::Tensor& video, VideoFit fit, int temporalFactor,
                    int spatialFactor);

}  // namespace ts
