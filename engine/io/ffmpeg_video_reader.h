#pragma once
// FFmpeg decoding behind readVideo (video_reader.h). Builds without FFmpeg throw
// ErrorKind::Unsupported.
#include <ATen/core/Tensor.h>

#include <string>

namespace ts {

// Every frame of the first video stream: [F,H,W,3] uint8 RGB.
at::Tensor decodeVideoFileRgb8(const std::string& path);

// One PNG file: [H,W,3] uint8 RGB (alpha dropped, 16-bit reduced to 8).
at::Tensor decodePngFileRgb8(const std::string& path);

}  // namespace ts
