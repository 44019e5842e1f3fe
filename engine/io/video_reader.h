#pragma once
// A clip to encode or compare, as the engine wants it: [3,F,H,W] fp32 in [-1,1].
// Sources, by what `path` is:
//   a folder            -> its PNG frames: frame_*.png if there are any, else every
//                          *.png, in name order (all the same size)
//   .safetensors/.npy/.pt -> readVideoTensor (latents_reader.h)
//   anything else       -> a video FFmpeg can read (MP4, MKV, WebM, Y4M, ...); the first
//                          video stream, every frame, converted to RGB
// Errors are ts::Error naming the file: Input (not a video, no frames, unreadable PNG,
// frames of different sizes), Unsupported (a codec this FFmpeg cannot decode, or a build
// without FFmpeg).
#include <ATen/core/Tensor.h>

#include <string>

namespace ts {

at::Tensor readVideo(const std::string& path);

// Whether this build has FFmpeg: video files (MP4/MKV in and out) and PNG-folder input.
bool videoFilesSupported();

}  // namespace ts
