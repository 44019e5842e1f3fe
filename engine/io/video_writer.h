#pragma once
// Decoded video out, frame chunks streamed in as the decoder produces them, so no
// second copy of the whole video is needed. Formats by target path:
//   *.safetensors  -> one tensor "video" [3,F,H,W] fp32 in [-1,1]
//   *.mp4, *.mkv   -> H.264 (libx264; another codec if FFmpeg lacks it), yuv420p
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
    // What is being written, for logs ("libx264 (H.264) crf 18 ..."); empty for tensors/PNGs.
    virtual std::string encoderNote() const { return {}; }
};

// Encoder settings for video containers (ignored by the safetensors and PNG writers).
struct VideoWriterOptions {
    int fps = 16;  // Wan2.1's frame rate
    int crf = 18;  // x264 constant rate factor: 0 lossless .. 51 worst; 18 is visually lossless
    // Throws ErrorKind::Usage naming --fps / --crf.
    void validate() const;
};

// True for the paths openVideoWriter encodes with FFmpeg (.mp4, .mkv, any case).
bool isVideoContainerPath(const std::string& path);
// True for the paths openVideoWriter writes as a folder of PNGs: neither a video container
// nor .safetensors (any case).
bool isPngFolderPath(const std::string& path);

// totalFrames/height/width are known from the latent shape before decoding starts;
// the safetensors writer preallocates its file from them.
std::unique_ptr<VideoWriter> openVideoWriter(const std::string& path, int totalFrames, int height,
                                             int width);
// Same, with encoder settings for .mp4/.mkv (validated here). Video containers need an
// FFmpeg build (ErrorKind::Unsupported otherwise).
std::unique_ptr<VideoWriter> openVideoWriter(const std::string& path, int totalFrames, int height, int width,
                                             const VideoWriterOptions& options);

// Encode frames [3,n,H,W] in [-1,1] as 8-bit RGB PNG bytes (one frame at a time).
std::string encodePng(const at::Tensor& frameCHW);

}  // namespace ts
