#include "checkpoint/zip_reader.h"

#include "core/error.h"

#include <algorithm>
#include <filesystem>
#include <vector>

namespace ts {

namespace {

constexpr std::uint32_t kEocdSig = 0x06054b50;
constexpr std::uint32_t kZip64LocatorSig = 0x07064b50;
constexpr std::uint32_t kZip64EocdSig = 0x06064b50;
constexpr std::uint32_t kCentralSig = 0x02014b50;
constexpr std::uint32_t kLocalSig = 0x04034b50;
// More entries than this is no checkpoint (a state dict has thousands at most) and
// bounds the memory a crafted directory can claim.
constexpr std::uint64_t kMaxEntries = 10'000'000;

std::uint64_t le(const unsigned char* p, int n) {
    std::uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

}  // namespace

void ZipReader::readAt(std::uint64_t pos, void* dst, std::uint64_t n, const char* what) {
    if (pos > fileSize_ || n > fileSize_ - pos)
        throwInput(path_ + ": " + what + " lies past the end of the file (" + std::to_string(fileSize_) +
                   " bytes); truncated file");
    in_.clear();
    in_.seekg(static_cast<std::streamoff>(pos));
    if (!in_.read(static_cast<char*>(dst), static_cast<std::streamsize>(n)))
        throwInput(path_ + ": cannot read " + what + "; truncated file");
}

ZipReader::ZipReader(const std::string& path) : path_(path) {
    std::error_code ec;
    fileSize_ = std::filesystem::file_size(path, ec);
    if (ec) throwInput(path + ": cannot read the file size: " + ec.message());
    in_.open(path, std::ios::binary);
    if (!in_) throwInput(path + ": cannot open for reading");

    // The end-of-central-directory record is last, followed only by a comment of at
    // most 64 KB: scan backwards for its signature.
    const std::uint64_t tail = std::min<std::uint64_t>(fileSize_, 22 + 65535);
    std::vector<unsigned char> buf(tail);
    readAt(fileSize_ - tail, buf.data(), tail, "the zip directory");
    std::int64_t eocd = -1;
    for (std::int64_t i = static_cast<std::int64_t>(tail) - 22; i >= 0; --i) {
        if (le(&buf[i], 4) == kEocdSig) {
            eocd = i;
            break;
        }
    }
    if (eocd < 0)
        throwInput(path + ": no zip end-of-central-directory record; truncated or not a torch.save file");
    const unsigned char* e = &buf[eocd];
    std::uint64_t count = le(e + 10, 2), cdSize = le(e + 12, 4), cdOffset = le(e + 16, 4);
    const std::uint64_t eocdPos = fileSize_ - tail + eocd;

    if (count == 0xFFFF || cdSize == 0xFFFFFFFF || cdOffset == 0xFFFFFFFF) {
        // zip64: a locator just before the EOCD points at the zip64 EOCD record.
        unsigned char loc[20];
        if (eocdPos < 20) throwInput(path + ": zip64 directory locator is missing");
        readAt(eocdPos - 20, loc, 20, "the zip64 directory locator");
        if (le(loc, 4) != kZip64LocatorSig) throwInput(path + ": zip64 directory locator is missing");
        unsigned char rec[56];
        readAt(le(loc + 8, 8), rec, 56, "the zip64 directory record");
        if (le(rec, 4) != kZip64EocdSig) throwInput(path + ": zip64 directory record is corrupt");
        count = le(rec + 32, 8);
        cdSize = le(rec + 40, 8);
        cdOffset = le(rec + 48, 8);
    }
    if (count > kMaxEntries) throwInput(path + ": zip directory claims " + std::to_string(count) + " entries");
    if (cdOffset > fileSize_ || cdSize > fileSize_ - cdOffset)
        throwInput(path + ": zip central directory lies past the end of the file; truncated file");

    std::vector<unsigned char> cd(cdSize);
    readAt(cdOffset, cd.data(), cdSize, "the zip central directory");
    std::uint64_t p = 0;
    for (std::uint64_t i = 0; i < count; ++i) {
        if (cdSize - p < 46 || le(&cd[p], 4) != kCentralSig)
            throwInput(path + ": zip central directory entry " + std::to_string(i) + " is corrupt");
        const unsigned char* h = &cd[p];
        ZipEntry z;
        z.method = static_cast<std::uint16_t>(le(h + 10, 2));
        z.compressedSize = le(h + 20, 4);
        z.size = le(h + 24, 4);
        const std::uint64_t nameLen = le(h + 28, 2), extraLen = le(h + 30, 2), commentLen = le(h + 32, 2);
        z.localHeaderOffset = le(h + 42, 4);
        if (cdSize - p - 46 < nameLen + extraLen + commentLen)
            throwInput(path + ": zip central directory entry " + std::to_string(i) + " is corrupt");
        z.name.assign(reinterpret_cast<const char*>(h + 46), nameLen);

        // zip64 extra field: 64-bit values present only for the fields saturated above,
        // in the fixed order size, compressed size, local header offset.
        const unsigned char* x = h + 46 + nameLen;
        for (std::uint64_t q = 0; q + 4 <= extraLen;) {
            const std::uint64_t id = le(x + q, 2), len = le(x + q + 2, 2);
            if (q + 4 + len > extraLen) break;
            if (id == 0x0001) {
                const unsigned char* f = x + q + 4;
                std::uint64_t used = 0;
                auto take = [&](std::uint64_t& v) {
                    if (v != 0xFFFFFFFF) return;
                    if (used + 8 > len) throwInput(path + ": zip64 field of '" + z.name + "' is corrupt");
                    v = le(f + used, 8);
                    used += 8;
                };
                take(z.size);
                take(z.compressedSize);
                take(z.localHeaderOffset);
            }
            q += 4 + len;
        }
        entries_[z.name] = z;
        p += 46 + nameLen + extraLen + commentLen;
    }
}

const ZipEntry* ZipReader::find(const std::string& name) const {
    auto it = entries_.find(name);
    return it == entries_.end() ? nullptr : &it->second;
}

std::uint64_t ZipReader::dataOffset(const ZipEntry& e) {
    auto it = dataOffsets_.find(e.name);
    if (it != dataOffsets_.end()) return it->second;
    unsigned char h[30];
    readAt(e.localHeaderOffset, h, 30, ("the zip header of '" + e.name + "'").c_str());
    if (le(h, 4) != kLocalSig) throwInput(path_ + ": zip header of '" + e.name + "' is corrupt");
    // torch.save pads the local extra field to align the data to 64 bytes, so it is
    // not the central directory's extra length: use the local one.
    const std::uint64_t off = e.localHeaderOffset + 30 + le(h + 26, 2) + le(h + 28, 2);
    dataOffsets_[e.name] = off;
    return off;
}

void ZipReader::checkStored(const ZipEntry& e) const {
    if (e.method != 0)
        throwUnsupported(path_ + ": zip entry '" + e.name + "' is compressed (method " + std::to_string(e.method) +
                         "); torch.save writes stored entries only");
    if (e.compressedSize != e.size) throwInput(path_ + ": zip entry '" + e.name + "' has inconsistent sizes");
}

void ZipReader::read(const ZipEntry& e, std::uint64_t offset, std::uint64_t n, void* dst) {
    checkStored(e);
    if (offset > e.size || n > e.size - offset)
        throwInput(path_ + ": read of " + std::to_string(n) + " bytes at " + std::to_string(offset) +
                   " lies outside the zip entry '" + e.name + "' (" + std::to_string(e.size) + " bytes)");
    const std::uint64_t base = dataOffset(e);
    readAt(base + offset, dst, n, ("the data of '" + e.name + "'").c_str());
}

std::string ZipReader::readAll(const ZipEntry& e, std::uint64_t maxBytes) {
    checkStored(e);
    if (e.size > maxBytes || e.size > fileSize_)
        throwInput(path_ + ": zip entry '" + e.name + "' claims " + std::to_string(e.size) + " bytes; corrupt file");
    std::string s(e.size, '\0');
    read(e, 0, e.size, s.data());
    return s;
}

}  // namespace ts
