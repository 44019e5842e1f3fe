#include "report/gzip_ostream.h"

#include <zlib.h>

#include <array>
#include <streambuf>

namespace ts {

class GzipOstream::Buffer : public std::streambuf {
public:
    Buffer(std::ostream& sink, int level) : sink_(sink) {
        // windowBits 15 + 16: a gzip header and trailer around the deflate stream.
        initialised_ = deflateInit2(&z_, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
        ok_ = initialised_;
        setp(in_.data(), in_.data() + in_.size());
    }
    ~Buffer() override {
        if (initialised_) deflateEnd(&z_);  // also after a failed write
    }

    bool finish() {
        if (finished_) return ok_;
        finished_ = true;
        ok_ = ok_ && deflateChunk(Z_FINISH);
        sink_.flush();
        return ok_ && bool(sink_);
    }

protected:
    int_type overflow(int_type c) override {
        if (!deflateChunk(Z_NO_FLUSH)) return traits_type::eof();
        if (!traits_type::eq_int_type(c, traits_type::eof())) {
            *pptr() = traits_type::to_char_type(c);
            pbump(1);
        }
        return traits_type::not_eof(c);
    }
    int sync() override { return deflateChunk(Z_NO_FLUSH) && sink_.flush() ? 0 : -1; }

private:
    // Compresses what is in the put area and writes the result to the sink.
    bool deflateChunk(int flush) {
        if (!ok_ || (finished_ && flush != Z_FINISH)) return false;
        z_.next_in = reinterpret_cast<Bytef*>(pbase());
        z_.avail_in = static_cast<uInt>(pptr() - pbase());
        int status = Z_OK;
        do {
            z_.next_out = reinterpret_cast<Bytef*>(out_.data());
            z_.avail_out = static_cast<uInt>(out_.size());
            status = deflate(&z_, flush);
            if (status == Z_STREAM_ERROR) return ok_ = false;
            sink_.write(out_.data(), static_cast<std::streamsize>(out_.size() - z_.avail_out));
            if (!sink_) return ok_ = false;
        } while (z_.avail_out == 0 || (flush == Z_FINISH && status != Z_STREAM_END));
        setp(in_.data(), in_.data() + in_.size());
        return true;
    }

    std::ostream& sink_;
    z_stream z_{};
    bool initialised_ = false;
    bool ok_ = false;
    bool finished_ = false;
    std::array<char, 1 << 16> in_{};
    std::array<char, 1 << 16> out_{};
};

GzipOstream::GzipOstream(std::ostream& sink, int level)
    : std::ostream(nullptr), buffer_(std::make_unique<Buffer>(sink, level)) {
    rdbuf(buffer_.get());
}

GzipOstream::~GzipOstream() { buffer_->finish(); }

void GzipOstream::finish() {
    if (!buffer_->finish()) setstate(std::ios::badbit);
}

bool namesGzip(const std::string& path) {
    return path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
}

}  // namespace ts
