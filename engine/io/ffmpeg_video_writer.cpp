// MP4/MKV output: each chunk of frames is converted to yuv420p and handed to the
// encoder at once, so memory stays at one chunk whatever the video's length. The file
// is written under AtomicOutput's temporary name and renamed only after the trailer
// (the index an MP4 needs to play) is written: a cancelled or failed run leaves nothing.
#include "io/ffmpeg_video_writer.h"

#include "core/error.h"

#ifdef TILESCOPE_WITH_FFMPEG

#include "io/atomic_file.h"
#include "io/ffmpeg_support.h"

#include <ATen/ATen.h>

#include <cctype>
#include <filesystem>

extern "C" {
#include <libavutil/opt.h>
}

namespace ts {

namespace {

using namespace ffmpeg;

struct FormatContextFree {
    void operator()(AVFormatContext* f) const {
        if (f->pb) avio_closep(&f->pb);
        avformat_free_context(f);
    }
};

class FfmpegVideoWriter final : public VideoWriter {
public:
    FfmpegVideoWriter(const std::string& path, int total, int height, int width, const VideoWriterOptions& options)
        : out_(path, AtomicOutput::Kind::File), total_(total), height_(height), width_(width) {
        routeLogs();
        takeLastLogMessage();
        // yuv420p stores chroma per 2x2 block, so encoders need even sizes: odd ones get
        // their last row/column repeated (said in encoderNote()).
        encWidth_ = width + (width & 1);
        encHeight_ = height + (height & 1);
        std::string ext = std::filesystem::path(path).extension().string();
        for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        const bool mkv = ext == ".mkv";

        AVFormatContext* fmt = nullptr;
        // The muxer is named, not guessed: the temporary's name ends in .tmp-PID-N.
        check(avformat_alloc_output_context2(&fmt, nullptr, mkv ? "matroska" : "mp4", out_.tempPath().c_str()),
              "cannot create the container");
        fmt_.reset(fmt);

        const AVCodec* codec = avcodec_find_encoder_by_name("libx264");
        const bool x264 = codec != nullptr;
        // Fallback: FFmpeg's own MPEG-4 Part 2 encoder, always built in, plays in MP4.
        if (!codec) codec = avcodec_find_encoder(AV_CODEC_ID_MPEG4);
        if (!codec) throwUnsupported(path + ": this FFmpeg build has neither libx264 nor an MPEG-4 encoder");
        codec_.reset(avcodec_alloc_context3(codec));
        if (!codec_) throwRuntime(path + ": out of memory creating the encoder");
        AVCodecContext* c = codec_.get();
        c->width = encWidth_;
        c->height = encHeight_;
        c->pix_fmt = AV_PIX_FMT_YUV420P;
        c->time_base = AVRational{1, options.fps};
        c->framerate = AVRational{options.fps, 1};
        // swscale's RGB->YUV default is BT.601 limited range: say so in the stream, so
        // players (and our reader) convert back with the same matrix.
        c->colorspace = AVCOL_SPC_SMPTE170M;
        c->color_primaries = AVCOL_PRI_SMPTE170M;
        c->color_trc = AVCOL_TRC_SMPTE170M;
        c->color_range = AVCOL_RANGE_MPEG;
        if (fmt_->oformat->flags & AVFMT_GLOBALHEADER) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
        if (x264) {
            av_opt_set(c->priv_data, "crf", std::to_string(options.crf).c_str(), 0);
            av_opt_set(c->priv_data, "preset", "medium", 0);
            note_ = "libx264 (H.264) crf " + std::to_string(options.crf);
        } else {
            // No CRF here: map 0..51 onto the fixed quantiser range 1..31.
            const int q = 1 + options.crf * 30 / 51;
            c->flags |= AV_CODEC_FLAG_QSCALE;
            c->global_quality = FF_QP2LAMBDA * q;
            note_ = "mpeg4 (MPEG-4 Part 2; no libx264 in this FFmpeg) qscale " + std::to_string(q) + " for crf " +
                    std::to_string(options.crf);
        }
        note_ += ", yuv420p, " + std::to_string(options.fps) + " fps";
        if (encWidth_ != width_ || encHeight_ != height_)
            note_ += ", padded to " + std::to_string(encWidth_) + "x" + std::to_string(encHeight_) +
                     " (yuv420p needs even sizes)";
        check(avcodec_open2(c, codec, nullptr), "cannot open the encoder");

        stream_ = avformat_new_stream(fmt_.get(), nullptr);
        if (!stream_) throwRuntime(path + ": out of memory creating the video stream");
        stream_->time_base = c->time_base;
        stream_->avg_frame_rate = c->framerate;
        check(avcodec_parameters_from_context(stream_->codecpar, c), "cannot set the stream parameters");
        // AtomicOutput already created the (empty) temporary; an unwritable folder failed there.
        check(avio_open(&fmt_->pb, out_.tempPath().c_str(), AVIO_FLAG_WRITE), "cannot open the output");
        AVDictionary* muxOptions = nullptr;
        // The index goes first so players can start before the whole file arrives; the
        // muxer moves it within the temporary file at the end.
        if (!mkv) av_dict_set(&muxOptions, "movflags", "+faststart", 0);
        const int rc = avformat_write_header(fmt_.get(), &muxOptions);
        av_dict_free(&muxOptions);
        check(rc, "cannot write the header");

        frame_.reset(av_frame_alloc());
        packet_.reset(av_packet_alloc());
        if (!frame_ || !packet_) throwRuntime(path + ": out of memory allocating a frame");
        frame_->format = c->pix_fmt;
        frame_->width = encWidth_;
        frame_->height = encHeight_;
        check(av_frame_get_buffer(frame_.get(), 0), "cannot allocate a frame");
        sws_.reset(sws_getContext(encWidth_, encHeight_, AV_PIX_FMT_RGB24, encWidth_, encHeight_, AV_PIX_FMT_YUV420P,
                                  SWS_BICUBIC | SWS_ACCURATE_RND, nullptr, nullptr, nullptr));
        if (!sws_) throwRuntime(path + ": cannot create the RGB to yuv420p converter");
    }

    void append(const at::Tensor& frames) override {
        if (finished_) throwRuntime(out_.finalPath() + ": video writer used after finish()");
        if (frames.dim() != 4 || frames.size(0) != 3 || frames.size(2) != height_ || frames.size(3) != width_)
            throwRuntime(out_.finalPath() + ": video writer got frames of shape " + c10::str(frames.sizes()) +
                         "; expected [3, n, " + std::to_string(height_) + ", " + std::to_string(width_) + "]");
        const int64_t n = frames.size(1);
        if (received_ + n > total_)
            throwRuntime(out_.finalPath() + ": video writer got " + std::to_string(received_ + n) +
                         " frames; expected " + std::to_string(total_));
        if (n == 0) return;
        // One frame at a time: a blend-tiled decode hands over the whole video at its end,
        // and converting it at once held three more float copies of it.
        for (int64_t i = 0; i < n; ++i) {
            at::Tensor rgb = toRgb8(frames.narrow(1, i, 1)).select(0, 0);  // [H,W,3]
            if (encHeight_ != height_) rgb = at::cat({rgb, rgb.narrow(0, height_ - 1, 1)}, 0);
            if (encWidth_ != width_) rgb = at::cat({rgb, rgb.narrow(1, width_ - 1, 1)}, 1);
            rgb = rgb.contiguous();
            check(av_frame_make_writable(frame_.get()), "cannot reuse the frame buffer");
            const uint8_t* src[4] = {rgb.data_ptr<uint8_t>(), nullptr, nullptr, nullptr};
            const int srcStride[4] = {encWidth_ * 3, 0, 0, 0};
            sws_scale(sws_.get(), src, srcStride, 0, encHeight_, frame_->data, frame_->linesize);
            frame_->pts = received_++;
            encode(frame_.get());
        }
    }

    void finish() override {
        if (finished_) return;
        if (received_ != total_)
            throwRuntime(out_.finalPath() + ": video writer finished after " + std::to_string(received_) + " of " +
                         std::to_string(total_) + " frames; no output written");
        encode(nullptr);  // drain the frames the encoder still holds (lookahead, B-frames)
        check(av_write_trailer(fmt_.get()), "cannot write the index");
        check(avio_closep(&fmt_->pb), "cannot close the output");
        finished_ = true;
        out_.commit();
    }

    std::string encoderNote() const override { return note_; }

private:
    void check(int rc, const char* what) {
        if (rc < 0) throwRuntime(out_.finalPath() + ": " + what + ": " + errorText(rc));
    }

    // Sends one frame (nullptr: end of stream) and writes every packet that comes out.
    void encode(AVFrame* frame) {
        check(avcodec_send_frame(codec_.get(), frame), "encoder refused a frame");
        for (;;) {
            const int rc = avcodec_receive_packet(codec_.get(), packet_.get());
            if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
            check(rc, "encoding failed");
            av_packet_rescale_ts(packet_.get(), codec_->time_base, stream_->time_base);
            packet_->stream_index = stream_->index;
            check(av_interleaved_write_frame(fmt_.get(), packet_.get()), "cannot write video data");
        }
    }

    // Declared first, destroyed last: the file is closed before the temporary is removed.
    AtomicOutput out_;
    std::unique_ptr<AVFormatContext, FormatContextFree> fmt_;
    CodecContextPtr codec_;
    FramePtr frame_;
    PacketPtr packet_;
    SwsPtr sws_;
    AVStream* stream_ = nullptr;  // owned by fmt_
    int64_t total_, height_, width_;
    int encWidth_ = 0, encHeight_ = 0;
    int64_t received_ = 0;
    bool finished_ = false;
    std::string note_;
};

}  // namespace

std::unique_ptr<VideoWriter> openFfmpegVideoWriter(const std::string& path, int totalFrames, int height, int width,
                                                   const VideoWriterOptions& options) {
    return std::make_unique<FfmpegVideoWriter>(path, totalFrames, height, width, options);
}

}  // namespace ts

#else  // no FFmpeg in this build

namespace ts {

std::unique_ptr<VideoWriter> openFfmpegVideoWriter(const std::string& path, int, int, int, const VideoWriterOptions&) {
    throwUnsupported(path + ": this build has no FFmpeg, so it cannot write MP4/MKV; write .safetensors or a PNG folder");
}

}  // namespace ts

#endif
