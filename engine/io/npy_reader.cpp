#include "io/npy_reader.h"

#include "core/error.h"

#include <ATen/ATen.h>

#include <cctype>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <vector>

namespace ts {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicLen = 6;
// numpy itself refuses headers above 10000 bytes by default; allow more, but bounded.
constexpr std::uint32_t kMaxHeaderBytes = 1u << 20;

// The header is a Python dict literal, e.g.
//   {'descr': '<f4', 'fortran_order': False, 'shape': (16, 4, 8), }
// Only the three keys numpy writes are read; this is a scanner, not a Python parser.
class HeaderScanner {
public:
    HeaderScanner(const std::string& path, const std::string& text) : path_(path), s_(text) {}

    // Position just after "'key':" (or "\"key\":"), or throws.
    std::size_t valueOf(const std::string& key) const {
        for (const char q : {'\'', '"'}) {
            const std::string quoted = std::string(1, q) + key + q;
            std::size_t p = s_.find(quoted);
            if (p == std::string::npos) continue;
            p = skipSpace(p + quoted.size());
            if (p >= s_.size() || s_[p] != ':') fail("no ':' after '" + key + "'");
            return skipSpace(p + 1);
        }
        fail("missing '" + key + "'");
    }

    std::string stringAt(std::size_t p) const {
        if (p >= s_.size() || (s_[p] != '\'' && s_[p] != '"')) fail("'descr' is not a string");
        const char q = s_[p];
        const std::size_t end = s_.find(q, p + 1);
        if (end == std::string::npos) fail("unterminated string");
        return s_.substr(p + 1, end - p - 1);
    }

    bool boolAt(std::size_t p) const {
        if (s_.compare(p, 4, "True") == 0) return true;
        if (s_.compare(p, 5, "False") == 0) return false;
        fail("'fortran_order' is neither True nor False");
    }

    std::vector<int64_t> shapeAt(std::size_t p) const {
        if (p >= s_.size() || s_[p] != '(') fail("'shape' is not a tuple");
        std::vector<int64_t> dims;
        ++p;
        for (;;) {
            p = skipSpace(p);
            if (p >= s_.size()) fail("unterminated 'shape'");
            if (s_[p] == ')') break;
            if (!std::isdigit(static_cast<unsigned char>(s_[p]))) fail("'shape' holds a non-integer");
            std::uint64_t v = 0;
            while (p < s_.size() && std::isdigit(static_cast<unsigned char>(s_[p]))) {
                v = v * 10 + static_cast<unsigned>(s_[p] - '0');
                if (v > static_cast<std::uint64_t>(std::numeric_limits<int32_t>::max()))
                    fail("'shape' dimension is too large");
                ++p;
            }
            // numpy writes "5L" for longs in old Python 2 files.
            if (p < s_.size() && (s_[p] == 'L' || s_[p] == 'l')) ++p;
            dims.push_back(static_cast<int64_t>(v));
            if (dims.size() > 32) fail("'shape' has more than 32 dimensions");
            p = skipSpace(p);
            if (p < s_.size() && s_[p] == ',') ++p;
            else if (p < s_.size() && s_[p] != ')') fail("malformed 'shape'");
        }
        return dims;
    }

    [[noreturn]] void fail(const std::string& what) const {
        throwInput(path_ + ": malformed .npy header: " + what);
    }

private:
    std::size_t skipSpace(std::size_t p) const {
        while (p < s_.size() && std::isspace(static_cast<unsigned char>(s_[p]))) ++p;
        return p;
    }

    const std::string& path_;
    const std::string& s_;
};

bool dtypeFor(const std::string& descr, at::ScalarType& type, std::uint64_t& itemSize) {
    static const struct { const char* descr; at::ScalarType type; std::uint64_t size; } kTypes[] = {
        {"<f4", at::kFloat, 4}, {"<f2", at::kHalf, 2}, {"<f8", at::kDouble, 8},
        {"<i8", at::kLong, 8},  {"<i4", at::kInt, 4},  {"|u1", at::kByte, 1},
        {"|i1", at::kChar, 1},  {"|b1", at::kBool, 1},
    };
    for (const auto& t : kTypes) {
        if (descr == t.descr) {
            type = t.type;
            itemSize = t.size;
            return true;
        }
    }
    return false;
}

}  // namespace

bool looksLikeNpy(const std::string& firstBytes) {
    return firstBytes.size() >= kMagicLen && firstBytes.compare(0, kMagicLen, kMagic, kMagicLen) == 0;
}

at::Tensor readNpy(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) throwInput(path + ": no such file");
    if (std::filesystem::is_directory(path, ec)) throwInput(path + ": is a directory, not a .npy file");
    const std::uint64_t fileSize = std::filesystem::file_size(path, ec);
    if (ec) throwInput(path + ": cannot read the file size: " + ec.message());
    std::ifstream in(path, std::ios::binary);
    if (!in) throwInput(path + ": cannot open for reading");

    unsigned char pre[12] = {};
    if (fileSize < 10 || !in.read(reinterpret_cast<char*>(pre), 8) ||
        !looksLikeNpy(std::string(reinterpret_cast<char*>(pre), kMagicLen)))
        throwInput(path + ": not a .npy file (no \\x93NUMPY magic)");
    const int major = pre[6];
    std::uint64_t headerLen = 0;
    std::uint64_t prefixLen = 0;
    if (major == 1) {
        if (!in.read(reinterpret_cast<char*>(pre + 8), 2)) throwInput(path + ": truncated .npy header");
        headerLen = pre[8] | (std::uint64_t(pre[9]) << 8);
        prefixLen = 10;
    } else if (major == 2 || major == 3) {  // 3 differs only in allowing utf-8 in the header
        if (fileSize < 12 || !in.read(reinterpret_cast<char*>(pre + 8), 4))
            throwInput(path + ": truncated .npy header");
        headerLen = pre[8] | (std::uint64_t(pre[9]) << 8) | (std::uint64_t(pre[10]) << 16) |
                    (std::uint64_t(pre[11]) << 24);
        prefixLen = 12;
    } else {
        throwInput(path + ": unsupported .npy format version " + std::to_string(major));
    }
    if (headerLen > kMaxHeaderBytes || headerLen > fileSize - prefixLen)
        throwInput(path + ": .npy header length " + std::to_string(headerLen) +
                   " exceeds the file size or limit; truncated file?");
    std::string header(headerLen, '\0');
    if (!in.read(header.data(), static_cast<std::streamsize>(headerLen)))
        throwInput(path + ": truncated .npy header");

    const HeaderScanner scan(path, header);
    const std::string descr = scan.stringAt(scan.valueOf("descr"));
    if (scan.boolAt(scan.valueOf("fortran_order")))
        throwInput(path + ": .npy array is in Fortran order; save it C-contiguous (np.ascontiguousarray)");
    const std::vector<int64_t> shape = scan.shapeAt(scan.valueOf("shape"));

    at::ScalarType type;
    std::uint64_t itemSize = 0;
    if (!dtypeFor(descr, type, itemSize)) {
        const bool bigEndian = !descr.empty() && descr[0] == '>';
        // Keep the message one line whatever bytes a corrupt header holds.
        std::string shown;
        for (char c : descr.substr(0, 16)) shown += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
        throwInput(path + ": unsupported .npy dtype '" + shown + "'" +
                   (bigEndian ? " (big-endian; save as little-endian)" : " (expected '<f4', '<f2' or '<f8')"));
    }

    // Each dim < 2^31 and at most 32 dims: check the product for overflow as we go.
    std::uint64_t bytes = itemSize;
    for (int64_t d : shape) {
        if (d != 0 && bytes > std::numeric_limits<std::uint64_t>::max() / static_cast<std::uint64_t>(d))
            throwInput(path + ": .npy shape is too large");
        bytes *= static_cast<std::uint64_t>(d);
    }
    const std::uint64_t dataSize = fileSize - prefixLen - headerLen;
    if (bytes != dataSize)
        throwInput(path + ": .npy shape and dtype need " + std::to_string(bytes) + " data bytes but the file has " +
                   std::to_string(dataSize) + (bytes > dataSize ? "; truncated file?" : ""));

    at::Tensor t = at::empty(shape, at::TensorOptions().dtype(type).device(at::kCPU));
    if (bytes > 0 && !in.read(static_cast<char*>(t.data_ptr()), static_cast<std::streamsize>(bytes)))
        throwInput(path + ": file ends before the .npy data; truncated file?");
    return t;
}

}  // namespace ts
