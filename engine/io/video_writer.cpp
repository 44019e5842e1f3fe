#include "io/video_writer.h"

#include "core/error.h"
#include "io/atomic_file.h"
#include "io/ffmpeg_video_writer.h"

#include <ATen/ATen.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fcntl.h>
#include <unistd.h>

namespace ts {

namespace {

// safetensors data is little-endian; the writer copies float bytes as they are in memory.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "safetensors video writer assumes a little-endian host");

std::string lowerExtension(const std::string& path) {
    std::string ext = std::filesystem::path(path).extension().string();
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return ext;
}

bool endsWithSafetensors(const std::string& path) { return lowerExtension(path) == ".safetensors"; }

// Frames as the decoder hands them: [3,n,H,W]; returns n after checking H, W.
int64_t checkChunk(const std::string& path, const at::Tensor& frames, int height, int width) {
    if (frames.dim() != 4 || frames.size(0) != 3 || frames.size(2) != height || frames.size(3) != width)
        throwRuntime(path + ": video writer got frames of shape " + c10::str(frames.sizes()) + "; expected [3, n, " +
                     std::to_string(height) + ", " + std::to_string(width) + "]");
    return frames.size(1);
}

// Base for both formats: frame counting and the finish() contract.
class CountingWriter : public VideoWriter {
public:
    CountingWriter(std::string path, int total, int height, int width)
        : path_(std::move(path)), total_(total), height_(height), width_(width) {}

protected:
    // Checks the chunk fits; returns its frame count (may be 0).
    int64_t admit(const at::Tensor& frames) {
        if (finished_) throwRuntime(path_ + ": video writer used after finish()");
        const int64_t n = checkChunk(path_, frames, height_, width_);
        if (received_ + n > total_)
            throwRuntime(path_ + ": video writer got " + std::to_string(received_ + n) + " frames; expected " +
                         std::to_string(total_));
        return n;
    }
    void checkComplete() {
        if (received_ != total_)
            throwRuntime(path_ + ": video writer finished after " + std::to_string(received_) + " of " +
                         std::to_string(total_) + " frames; no output written");
        finished_ = true;
    }

    std::string path_;
    int64_t total_, height_, width_;
    int64_t received_ = 0;
    bool finished_ = false;
};

// One F32 tensor "video" [3,F,H,W]. Channel-major, so a chunk of frames lands as three
// separate slabs; they are written in place with pwrite() into a file preallocated to
// its final size, which keeps memory at one chunk however long the video.
class SafetensorsVideoWriter final : public CountingWriter {
public:
    SafetensorsVideoWriter(const std::string& path, int total, int height, int width)
        : CountingWriter(path, total, height, width), out_(path, AtomicOutput::Kind::File) {
        frameBytes_ = static_cast<uint64_t>(height) * static_cast<uint64_t>(width) * sizeof(float);
        const uint64_t dataBytes = 3ull * static_cast<uint64_t>(total) * frameBytes_;
        std::string header = "{\"video\":{\"dtype\":\"F32\",\"shape\":[3," + std::to_string(total) + "," +
                             std::to_string(height) + "," + std::to_string(width) + "],\"data_offsets\":[0," +
                             std::to_string(dataBytes) + "]}}";
        // Spaces keep the JSON valid and make the data start 8-byte aligned, as the format recommends.
        header.append((8 - header.size() % 8) % 8, ' ');
        dataStart_ = 8 + header.size();

        fd_.fd = ::open(out_.tempPath().c_str(), O_WRONLY | O_CLOEXEC);
        if (fd_.fd < 0) failWrite();
        std::string prefix(8, '\0');
        for (int i = 0; i < 8; ++i) prefix[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
        prefix += header;
        writeAt(prefix.data(), prefix.size(), 0);
        // Reserve the space now: a full disk fails here, before the decode, not at the end.
        const int rc = ::posix_fallocate(fd_.fd, 0, static_cast<off_t>(dataStart_ + dataBytes));
        if (rc == EINVAL || rc == EOPNOTSUPP) {
            if (::ftruncate(fd_.fd, static_cast<off_t>(dataStart_ + dataBytes)) != 0) failWrite();
        } else if (rc != 0) {
            errno = rc;
            failWrite();
        }
    }

    void append(const at::Tensor& frames) override {
        const int64_t n = admit(frames);
        if (n == 0) return;
        const at::Tensor f = frames.to(at::kCPU, at::kFloat).contiguous();
        const auto* base = static_cast<const char*>(f.data_ptr());
        const uint64_t slab = static_cast<uint64_t>(n) * frameBytes_;
        for (int c = 0; c < 3; ++c) {
            const uint64_t offset = dataStart_ + (static_cast<uint64_t>(c) * total_ + received_) * frameBytes_;
            writeAt(base + c * slab, slab, offset);
        }
        received_ += n;
    }

    void finish() override {
        checkComplete();
        const int fd = fd_.fd;
        fd_.fd = -1;
        if (::close(fd) != 0) failWrite();  // close can report a deferred write error (NFS, quota)
        out_.commit();
    }

private:
    [[noreturn]] void failWrite() { throwRuntime(path_ + ": cannot write output: " + std::strerror(errno)); }

    void writeAt(const char* data, uint64_t size, uint64_t offset) {
        while (size > 0) {
            const ssize_t w = ::pwrite(fd_.fd, data, size, static_cast<off_t>(offset));
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) failWrite();
            data += w;
            size -= static_cast<uint64_t>(w);
            offset += static_cast<uint64_t>(w);
        }
    }

    // Closes on every path, including a constructor that throws; declared after out_
    // so the file is closed before out_ removes it.
    struct Fd {
        int fd = -1;
        ~Fd() {
            if (fd >= 0) ::close(fd);
        }
    };

    AtomicOutput out_;
    Fd fd_;
    uint64_t frameBytes_ = 0;
    uint64_t dataStart_ = 0;
};

// frame_00000.png and the like: what PngFolderWriter writes, so what it may replace.
bool isFrameFileName(const std::string& name) {
    if (name.size() < 11 || name.compare(0, 6, "frame_") != 0 || name.compare(name.size() - 4, 4, ".png") != 0) return false;
    for (std::size_t i = 6; i + 4 < name.size(); ++i)
        if (name[i] < '0' || name[i] > '9') return false;
    return true;
}

// A folder of frame_00000.png ..., built in a temporary folder renamed on finish(). An
// earlier decode's frame folder is replaced; a folder with anything else in it is refused.
class PngFolderWriter final : public CountingWriter {
public:
    PngFolderWriter(const std::string& path, int total, int height, int width)
        : CountingWriter(path, total, height, width), out_(path, AtomicOutput::Kind::Directory, isFrameFileName) {}

    void append(const at::Tensor& frames) override {
        const int64_t n = admit(frames);
        const at::Tensor f = frames.to(at::kCPU, at::kFloat);
        for (int64_t i = 0; i < n; ++i) {
            const std::string png = encodePng(f.select(1, i));
            char name[32];
            std::snprintf(name, sizeof name, "frame_%05lld.png", static_cast<long long>(received_));
            const std::string file = out_.tempPath() + "/" + name;
            std::ofstream o(file, std::ios::binary | std::ios::trunc);
            if (!o || !o.write(png.data(), static_cast<std::streamsize>(png.size())) || !o.flush())
                throwRuntime(path_ + ": cannot write output: " + file + ": " + std::strerror(errno));
            ++received_;
        }
    }

    void finish() override {
        checkComplete();
        out_.commit();
    }

private:
    AtomicOutput out_;
};

}  // namespace

void VideoWriterOptions::validate() const {
    if (fps < 1 || fps > 240) throwUsage("--fps: " + std::to_string(fps) + " is out of range; give 1 to 240 frames per second");
    if (crf < 0 || crf > 51)
        throwUsage("--crf: " + std::to_string(crf) + " is out of range; give 0 (lossless) to 51 (smallest), e.g. 18");
}

bool isVideoContainerPath(const std::string& path) {
    const std::string ext = lowerExtension(path);
    return ext == ".mp4" || ext == ".mkv";
}

bool isPngFolderPath(const std::string& path) { return !isVideoContainerPath(path) && !endsWithSafetensors(path); }

std::unique_ptr<VideoWriter> openVideoWriter(const std::string& path, int totalFrames, int height, int width) {
    return openVideoWriter(path, totalFrames, height, width, VideoWriterOptions{});
}

std::unique_ptr<VideoWriter> openVideoWriter(const std::string& path, int totalFrames, int height, int width,
                                             const VideoWriterOptions& options) {
    options.validate();
    if (totalFrames <= 0 || height <= 0 || width <= 0)
        throwRuntime(path + ": video writer needs a positive frame count and size; got " +
                     std::to_string(totalFrames) + " frames of " + std::to_string(height) + "x" + std::to_string(width));
    if (isPngFolderPath(path)) return std::make_unique<PngFolderWriter>(path, totalFrames, height, width);
    if (isVideoContainerPath(path)) return openFfmpegVideoWriter(path, totalFrames, height, width, options);
    return std::make_unique<SafetensorsVideoWriter>(path, totalFrames, height, width);
}

}  // namespace ts
