#pragma once
// Decoded video out, frame chunks streamed in as the decoder produces them, so no
// second copy of the whole video is needed. Formats by target path:
//   *.safetensors  -> one tensor "video" [3,F,H,W] fp32 in [-1,1]
//   anything else  -> a folder of PNGs frame_00000.png ... (8-bit RGB)
// The output appears only after finish(); a writer destroyed before that (error,
// cancel) leaves nothing behind.
#include <ATen/core/Tensor.h>

#include <memory>
#include <string>

namespace ts {

class VideoWriter {
public:
    virtual ~VideoWriter() = default;
    // frames: [3,n,H,W] fp32 in [-1,1], the next n frames in order.
    virtual void append(const at::Tensor& frames) = 0;
    virtual void finish() = 0;
};

// totalFrames/height/width are known from the latent shape before decoding starts;
// the safetensors writer preallocates its file from them.
std::unique_ptr<VideoWriter> openVideoWriter(const std::string& path, int totalFrames, int height,
                                             int width);

// Encode frames [3,n,H,W] in [-1,1] as 8-bit RGB PNG bytes (one frame at a time).
std::string encodePng(const at::Tensor& frameCHW);

}  // namespace ts
