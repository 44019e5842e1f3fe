#pragma once
// Just enough of the zip format to read what torch.save writes: the central directory
// (zip64 included, for checkpoints over 4 GB) and STORED entries, read by offset.
// torch.save never compresses; a compressed entry is refused rather than inflated.
#include <cstdint>
#include <fstream>
#include <map>
#include <string>

namespace ts {

struct ZipEntry {
    std::string name;
    std::uint64_t size = 0;            // uncompressed size
    std::uint64_t compressedSize = 0;
    std::uint16_t method = 0;          // 0 = stored
    std::uint64_t localHeaderOffset = 0;
};

class ZipReader {
public:
    explicit ZipReader(const std::string& path);  // reads the central directory; throws ts::Error

    const std::string& path() const { return path_; }
    const std::map<std::string, ZipEntry>& entries() const { return entries_; }
    const ZipEntry* find(const std::string& name) const;

    // Reads bytes [offset, offset+n) of a stored entry into dst; checks the range
    // against the entry's size and the file's size first.
    void read(const ZipEntry& e, std::uint64_t offset, std::uint64_t n, void* dst);
    std::string readAll(const ZipEntry& e, std::uint64_t maxBytes);

private:
    void checkStored(const ZipEntry& e) const;
    std::uint64_t dataOffset(const ZipEntry& e);  // past the local header, which may differ from the central one
    void readAt(std::uint64_t pos, void* dst, std::uint64_t n, const char* what);

    std::string path_;
    std::ifstream in_;
    std::uint64_t fileSize_ = 0;
    std::map<std::string, ZipEntry> entries_;
    std::map<std::string, std::uint64_t> dataOffsets_;
};

}  // namespace ts
