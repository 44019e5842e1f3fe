#pragma once
// Small pieces the FFmpeg reader and writer share: owners that free libav* objects on
// every path (errors included), the text of an AVERROR, and frame <-> tensor bytes.
// Internal to engine/io; only compiled into FFmpeg builds.
#ifdef TILESCOPE_WITH_FFMPEG

#include <ATen/core/Tensor.h>

#include <memory>
#include <string>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>
}

namespace ts::ffmpeg {

struct CodecContextFree {
    void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct FrameFree {
    void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct PacketFree {
    void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct SwsFree {
    void operator()(SwsContext* s) const { sws_freeContext(s); }
};
using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextFree>;
using FramePtr = std::unique_ptr<AVFrame, FrameFree>;
using PacketPtr = std::unique_ptr<AVPacket, PacketFree>;
using SwsPtr = std::unique_ptr<SwsContext, SwsFree>;

// FFmpeg logs to stderr by default (x264's banner and statistics, demuxer complaints),
// which would break the CLI's one-line errors and clutter the GUI's console. Installed
// once per process before FFmpeg is used: messages at error level and above are kept,
// per thread, for the next ts::Error to quote (lastLogMessage); the rest is dropped.
void routeLogs();
// The last error FFmpeg logged on this thread since the previous call ("" if none).
std::string takeLastLogMessage();

// The text of an AVERROR code, plus FFmpeg's own last logged error when there is one.
std::string errorText(int averror);

// [3,n,H,W] in [-1,1] -> [n,H,W,3] uint8 (interleaved RGB rows), with the PNG writer's
// rounding; NaN becomes mid-grey.
at::Tensor toRgb8(const at::Tensor& frames);

// Converts decoded frames of any pixel format and size to RGB24 [H,W,3] uint8 tensors,
// honouring the frame's YUV matrix and range; keeps one scaler for a run of equal frames.
class RgbConverter {
public:
    at::Tensor convert(const AVFrame& frame, const std::string& path);  // path: for messages

private:
    SwsPtr sws_;
    int width_ = 0, height_ = 0, format_ = -1, colorspace_ = -1, range_ = -1;
};

}  // namespace ts::ffmpeg

#endif  // TILESCOPE_WITH_FFMPEG
