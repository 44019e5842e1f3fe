// Decoding through FFmpeg: the demuxer probes the file's content (not its name), the
// first video stream is decoded frame by frame and each frame converted to RGB at once,
// so only 8-bit RGB frames are held, never a second copy in the codec's format.
#include "io/ffmpeg_video_reader.h"

#include "core/error.h"
#include "io/video_reader.h"

#ifdef TILESCOPE_WITH_FFMPEG

#include "io/ffmpeg_support.h"

#include <ATen/ATen.h>

#include <fstream>
#include <iterator>
#include <vector>

namespace ts {

namespace {

using namespace ffmpeg;

struct InputFree {
    void operator()(AVFormatContext* f) const { avformat_close_input(&f); }
};

// Receives every frame the decoder has ready; calls onFrame for each.
template <typename OnFrame>
void drain(AVCodecContext* codec, AVFrame* frame, const std::string& path, OnFrame onFrame) {
    for (;;) {
        const int rc = avcodec_receive_frame(codec, frame);
        if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
        if (rc < 0) throwInput(path + ": corrupt video data: " + errorText(rc));
        onFrame(*frame);
        av_frame_unref(frame);
    }
}

CodecContextPtr openDecoder(const AVCodec* codec, const AVCodecParameters* params, const std::string& path) {
    CodecContextPtr ctx(avcodec_alloc_context3(codec));
    if (!ctx) throwRuntime(path + ": out of memory creating the decoder");
    if (params && avcodec_parameters_to_context(ctx.get(), params) < 0)
        throwInput(path + ": invalid " + codec->name + " stream parameters");
    const int rc = avcodec_open2(ctx.get(), codec, nullptr);
    if (rc < 0) throwUnsupported(path + ": cannot open the " + codec->name + " decoder: " + errorText(rc));
    return ctx;
}

}  // namespace

bool videoFilesSupported() { return true; }

at::Tensor decodeVideoFileRgb8(const std::string& path) {
    routeLogs();
    takeLastLogMessage();  // only this file's complaints belong in its errors
    AVFormatContext* raw = nullptr;
    AVDictionary* opts = nullptr;
    // Local files only: a playlist or concat script must not reach out to the network.
    av_dict_set(&opts, "protocol_whitelist", "file", 0);
    int rc = avformat_open_input(&raw, path.c_str(), nullptr, &opts);
    av_dict_free(&opts);
    if (rc < 0) throwInput(path + ": not a video file FFmpeg can read (" + errorText(rc) + ")");
    std::unique_ptr<AVFormatContext, InputFree> fmt(raw);
    rc = avformat_find_stream_info(fmt.get(), nullptr);
    if (rc < 0) throwInput(path + ": not a readable video: cannot read its streams (" + errorText(rc) + ")");

    const AVCodec* codec = nullptr;
    const int index = av_find_best_stream(fmt.get(), AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (index == AVERROR_STREAM_NOT_FOUND)
        throwInput(path + ": not a video: the " + fmt->iformat->name + " file has no video stream");
    const AVCodecParameters* params = index >= 0 ? fmt->streams[index]->codecpar : nullptr;
    if (index < 0 || !codec) {
        const char* name = params ? avcodec_get_name(params->codec_id) : "unknown";
        throwUnsupported(path + ": unsupported video codec '" + name + "': this FFmpeg build cannot decode it");
    }
    // A few demuxers read arbitrary text as "video" (ANSI art, subtitles drawn as
    // frames); a clip has real picture codecs, so those are refused as not a video.
    if (params->codec_id == AV_CODEC_ID_ANSI || params->codec_id == AV_CODEC_ID_BINTEXT ||
        params->codec_id == AV_CODEC_ID_XBIN || params->codec_id == AV_CODEC_ID_IDF)
        throwInput(path + ": not a video: FFmpeg reads it as " + codec->name + " text art");
    CodecContextPtr decoder = openDecoder(codec, params, path);

    PacketPtr packet(av_packet_alloc());
    FramePtr frame(av_frame_alloc());
    if (!packet || !frame) throwRuntime(path + ": out of memory allocating a frame");
    RgbConverter converter;
    std::vector<at::Tensor> frames;
    auto keep = [&](const AVFrame& f) {
        if (!frames.empty() && (f.width != frames.front().size(1) || f.height != frames.front().size(0)))
            throwInput(path + ": frame " + std::to_string(frames.size()) + " is " + std::to_string(f.width) + "x" +
                       std::to_string(f.height) + " but the video starts at " + std::to_string(frames.front().size(1)) +
                       "x" + std::to_string(frames.front().size(0)) + "; size changes are not supported");
        frames.push_back(converter.convert(f, path));
    };
    for (;;) {
        rc = av_read_frame(fmt.get(), packet.get());
        if (rc == AVERROR_EOF) break;
        if (rc < 0) throwInput(path + ": cannot read video data after frame " + std::to_string(frames.size()) + ": " +
                               errorText(rc));
        if (packet->stream_index == index) {
            rc = avcodec_send_packet(decoder.get(), packet.get());
            if (rc < 0 && rc != AVERROR(EAGAIN))
                throwInput(path + ": corrupt video data after frame " + std::to_string(frames.size()) + ": " +
                           errorText(rc));
            drain(decoder.get(), frame.get(), path, keep);
        }
        av_packet_unref(packet.get());
    }
    avcodec_send_packet(decoder.get(), nullptr);  // flush: frames held for reordering
    drain(decoder.get(), frame.get(), path, keep);
    if (frames.empty()) throwInput(path + ": the video has no frames (zero-frame " + fmt->iformat->name + " file)");
    return at::stack(frames);
}

at::Tensor decodePngFileRgb8(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throwInput(path + ": cannot open the PNG for reading");
    const std::string bytes{std::istreambuf_iterator<char>(in), {}};
    routeLogs();
    takeLastLogMessage();
    if (bytes.size() < 8 || bytes.compare(0, 8, "\x89PNG\r\n\x1a\n", 8) != 0)
        throwInput(path + ": not a PNG file (no PNG signature)");
    const AVCodec* codec = avcodec_find_decoder(AV_CODEC_ID_PNG);
    if (!codec) throwUnsupported(path + ": this FFmpeg build has no PNG decoder");
    CodecContextPtr decoder = openDecoder(codec, nullptr, path);
    PacketPtr packet(av_packet_alloc());
    FramePtr frame(av_frame_alloc());
    if (!packet || !frame || av_new_packet(packet.get(), static_cast<int>(bytes.size())) < 0)
        throwRuntime(path + ": out of memory reading the PNG");
    std::copy(bytes.begin(), bytes.end(), packet->data);
    // One packet is one whole image for the PNG decoder.
    int rc = avcodec_send_packet(decoder.get(), packet.get());
    if (rc >= 0) rc = avcodec_send_packet(decoder.get(), nullptr);
    if (rc < 0) throwInput(path + ": unreadable PNG: " + errorText(rc));
    rc = avcodec_receive_frame(decoder.get(), frame.get());
    if (rc < 0) throwInput(path + ": unreadable PNG: " + (rc == AVERROR_EOF ? std::string("no image data") : errorText(rc)));
    return RgbConverter().convert(*frame, path);
}

}  // namespace ts

#else  // no FFmpeg in this build

namespace ts {

bool videoFilesSupported() { return false; }

at::Tensor decodeVideoFileRgb8(const std::string& path) {
    throwUnsupported(path + ": this build has no FFmpeg, so it cannot read video files; give .safetensors or .npy");
}

at::Tensor decodePngFileRgb8(const std::string& path) {
    throwUnsupported(path + ": this build has no FFmpeg, so it cannot read PNG frames; give .safetensors or .npy");
}

}  // namespace ts

#endif
