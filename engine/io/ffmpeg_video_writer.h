#pragma once
// The .mp4/.mkv branch of openVideoWriter (video_writer.h), through FFmpeg. Builds
// without FFmpeg refuse these paths with ErrorKind::Unsupported.
#include "io/video_writer.h"

namespace ts {

// options are already validated by openVideoWriter.
std::unique_ptr<VideoWriter> openFfmpegVideoWriter(const std::string& path, int totalFrames, int height, int width,
                                                   const VideoWriterOptions& options);

}  // namespace ts
