#pragma once
// An output stream that gzip-compresses what is written to it into another stream (zlib's
// deflate with a gzip header), so a trace named "run.json.gz" is what its name says: a
// profiled decode's Chrome trace shrinks about twelvefold, and Perfetto and
// chrome://tracing open the compressed file directly.
#include <memory>
#include <ostream>
#include <string>

namespace ts {

class GzipOstream : public std::ostream {
public:
    explicit GzipOstream(std::ostream& sink, int level = 6);
    ~GzipOstream() override;
    GzipOstream(const GzipOstream&) = delete;
    GzipOstream& operator=(const GzipOstream&) = delete;

    // Writes the last compressed bytes and the gzip trailer; sets badbit on failure. Called
    // by the destructor if not before (whose failure then goes unreported). flush() hands
    // the sink what deflate has produced so far, not a decodable prefix.
    void finish();

private:
    class Buffer;
    std::unique_ptr<Buffer> buffer_;
};

// Whether a path asks for gzip by its name (ends with ".gz").
bool namesGzip(const std::string& path);

}  // namespace ts
