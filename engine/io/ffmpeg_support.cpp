#include "io/ffmpeg_support.h"

#ifdef TILESCOPE_WITH_FFMPEG

#include "core/error.h"

#include <ATen/ATen.h>

#include <cstdarg>
#include <mutex>

extern "C" {
#include <libavutil/log.h>
#include <libavutil/pixdesc.h>
}

namespace ts::ffmpeg {

namespace {

// Per thread, so concurrent readers/writers do not see each other's complaints.
thread_local std::string lastLogMessage;

void keepErrors(void*, int level, const char* fmt, va_list args) {
    if (level > AV_LOG_ERROR) return;
    char line[512];
    int printPrefix = 0;
    // No context argument: the "[mov @ 0x...]" prefix holds an address, not information.
    av_log_format_line(nullptr, level, fmt, args, line, sizeof line, &printPrefix);
    std::string text(line);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
    for (char& c : text)
        if (c == '\n' || c == '\r') c = ' ';
    if (!text.empty()) lastLogMessage = text;
}

}  // namespace

void routeLogs() {
    static std::once_flag once;
    std::call_once(once, [] { av_log_set_callback(keepErrors); });
}

std::string takeLastLogMessage() {
    std::string m;
    m.swap(lastLogMessage);
    return m;
}

std::string errorText(int averror) {
    char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
    av_strerror(averror, buf, sizeof buf);
    const std::string detail = takeLastLogMessage();
    return detail.empty() ? std::string(buf) : std::string(buf) + ": " + detail;
}

at::Tensor toRgb8(const at::Tensor& frames) {
    // nan_to_num makes the one float copy; the rest works on it in place.
    return frames.to(at::kCPU, at::kFloat)
        .nan_to_num(0.0)
        .clamp_(-1.0, 1.0)
        .add_(1.0)
        .mul_(127.5)
        .round_()
        .to(at::kByte)
        .permute({1, 2, 3, 0})
        .contiguous();
}

namespace {

// Old "J" formats carry full range in the format itself rather than in color_range.
bool impliesFullRange(AVPixelFormat f) {
    return f == AV_PIX_FMT_YUVJ420P || f == AV_PIX_FMT_YUVJ422P || f == AV_PIX_FMT_YUVJ444P ||
           f == AV_PIX_FMT_YUVJ440P || f == AV_PIX_FMT_YUVJ411P;
}

}  // namespace

at::Tensor RgbConverter::convert(const AVFrame& frame, const std::string& path) {
    const auto format = static_cast<AVPixelFormat>(frame.format);
    if (!sws_ || frame.width != width_ || frame.height != height_ || frame.format != format_ ||
        frame.colorspace != colorspace_ || frame.color_range != range_) {
        sws_.reset(sws_getContext(frame.width, frame.height, format, frame.width, frame.height, AV_PIX_FMT_RGB24,
                                  SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, nullptr, nullptr, nullptr));
        if (!sws_) {
            const char* name = av_get_pix_fmt_name(format);
            throwUnsupported(path + ": cannot convert pixel format " + (name ? name : "unknown") + " to RGB");
        }
        // YUV sources: use the matrix and range the stream declares (BT.601 when it says
        // nothing, as players do). RGB, grey and palette sources need no matrix.
        const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(format);
        if (desc && desc->nb_components >= 3 && !(desc->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL))) {
            const int srcFull = frame.color_range == AVCOL_RANGE_JPEG || impliesFullRange(format);
            sws_setColorspaceDetails(sws_.get(), sws_getCoefficients(frame.colorspace), srcFull,
                                     sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16);
        }
        width_ = frame.width;
        height_ = frame.height;
        format_ = frame.format;
        colorspace_ = frame.colorspace;
        range_ = frame.color_range;
    }
    at::Tensor rgb = at::empty({frame.height, frame.width, 3}, at::kByte);
    uint8_t* dst[4] = {rgb.data_ptr<uint8_t>(), nullptr, nullptr, nullptr};
    int dstStride[4] = {frame.width * 3, 0, 0, 0};
    sws_scale(sws_.get(), frame.data, frame.linesize, 0, frame.height, dst, dstStride);
    return rgb;
}

}  // namespace ts::ffmpeg

#endif  // TILESCOPE_WITH_FFMPEG
