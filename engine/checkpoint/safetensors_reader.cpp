#include "checkpoint/safetensors_reader.h"

#include "core/error.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <set>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <vector>

namespace ts {

namespace {

// A real header is a few hundred KB even for large models; anything bigger is a
// corrupt or hostile length, refused before it can drive an allocation.
constexpr std::uint64_t kMaxHeaderBytes = 100ull * 1024 * 1024;

std::uint64_t readLeU64(const unsigned char* p) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

bool dtypeFor(const std::string& name, at::ScalarType& type, std::uint64_t& itemSize) {
    static const struct { const char* name; at::ScalarType type; std::uint64_t size; } kTypes[] = {
        {"F32", at::kFloat, 4},  {"F16", at::kHalf, 2},   {"BF16", at::kBFloat16, 2},
        {"F64", at::kDouble, 8}, {"I64", at::kLong, 8},   {"I32", at::kInt, 4},
        {"I16", at::kShort, 2},  {"I8", at::kChar, 1},    {"U8", at::kByte, 1},
        {"BOOL", at::kBool, 1},
    };
    for (const auto& t : kTypes) {
        if (name == t.name) {
            type = t.type;
            itemSize = t.size;
            return true;
        }
    }
    return false;
}

// Overflow-safe a*b; false when the product does not fit in 64 bits.
bool mulChecked(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
    if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return false;
    out = a * b;
    return true;
}

struct Entry {
    std::string name;
    at::ScalarType type;
    std::vector<int64_t> shape;
    std::uint64_t begin = 0, end = 0;  // relative to the data section
};

Entry parseEntry(const std::string& path, const std::string& name, const nlohmann::json& v,
                 std::uint64_t dataSize) {
    const std::string where = path + ": tensor '" + name + "'";
    if (!v.is_object()) throwInput(where + ": header entry is not an object");
    Entry e;
    e.name = name;
    std::uint64_t itemSize = 0;
    auto dt = v.find("dtype");
    if (dt == v.end() || !dt->is_string()) throwInput(where + ": missing dtype");
    if (!dtypeFor(dt->get<std::string>(), e.type, itemSize))
        throwInput(where + ": unsupported dtype '" + dt->get<std::string>() + "'");

    auto sh = v.find("shape");
    if (sh == v.end() || !sh->is_array()) throwInput(where + ": missing shape");
    std::uint64_t numel = 1;
    for (const auto& d : *sh) {
        if (!d.is_number_integer() || d.get<std::int64_t>() < 0)
            throwInput(where + ": shape has a negative or non-integer dimension");
        const auto dim = d.get<std::uint64_t>();
        if (dim > static_cast<std::uint64_t>(std::numeric_limits<int64_t>::max()) ||
            !mulChecked(numel, dim, numel))
            throwInput(where + ": shape is too large");
        e.shape.push_back(static_cast<int64_t>(dim));
    }
    std::uint64_t bytes = 0;
    if (!mulChecked(numel, itemSize, bytes)) throwInput(where + ": shape is too large");

    auto off = v.find("data_offsets");
    if (off == v.end() || !off->is_array() || off->size() != 2 || !(*off)[0].is_number_unsigned() ||
        !(*off)[1].is_number_unsigned())
        throwInput(where + ": data_offsets must be two non-negative integers");
    e.begin = (*off)[0].get<std::uint64_t>();
    e.end = (*off)[1].get<std::uint64_t>();
    if (e.begin > e.end || e.end > dataSize)
        throwInput(where + ": data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                   "] lie outside the data section (" + std::to_string(dataSize) +
                   " bytes); truncated file?");
    if (e.end - e.begin != bytes)
        throwInput(where + ": data_offsets span " + std::to_string(e.end - e.begin) +
                   " bytes but the shape and dtype need " + std::to_string(bytes));
    return e;
}

}  // namespace

bool looksLikeSafetensors(const std::string& firstBytes, std::uint64_t fileSize) {
    if (firstBytes.size() < 9 || fileSize < 9) return false;
    const auto n = readLeU64(reinterpret_cast<const unsigned char*>(firstBytes.data()));
    return n >= 2 && n <= kMaxHeaderBytes && n <= fileSize - 8 && firstBytes[8] == '{';
}

NamedTensors readSafetensors(const std::string& path, const KeyFilter& keep) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) throwInput(path + ": no such file");
    if (std::filesystem::is_directory(path, ec)) throwInput(path + ": is a directory, not a checkpoint file");
    const std::uint64_t fileSize = std::filesystem::file_size(path, ec);
    if (ec) throwInput(path + ": cannot read the file size: " + ec.message());

    std::ifstream in(path, std::ios::binary);
    if (!in) throwInput(path + ": cannot open for reading");
    unsigned char lenBytes[8];
    if (fileSize < 8 || !in.read(reinterpret_cast<char*>(lenBytes), 8))
        throwInput(path + ": too short for a safetensors file (" + std::to_string(fileSize) + " bytes)");
    const std::uint64_t headerLen = readLeU64(lenBytes);
    if (headerLen > fileSize - 8)
        throwInput(path + ": safetensors header length " + std::to_string(headerLen) +
                   " exceeds the file size (" + std::to_string(fileSize) +
                   " bytes); truncated or not a safetensors file");
    if (headerLen > kMaxHeaderBytes)
        throwInput(path + ": safetensors header length " + std::to_string(headerLen) +
                   " exceeds the 100 MB limit; not a safetensors file");

    std::string header(headerLen, '\0');
    if (!in.read(header.data(), static_cast<std::streamsize>(headerLen)))
        throwInput(path + ": truncated safetensors header");

    nlohmann::json j;
    try {
        // A tensor named twice is ambiguous (a parser keeps the last, another the first):
        // refused, as the reference implementation's Rust reader does.
        std::set<std::string> names;
        const auto noDuplicateNames = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
            if (depth == 1 && event == nlohmann::json::parse_event_t::key && !names.insert(parsed.get<std::string>()).second)
                throwInput(path + ": safetensors header names tensor '" + parsed.get<std::string>() + "' twice");
            return true;
        };
        j = nlohmann::json::parse(header, noDuplicateNames);
    } catch (const nlohmann::json::exception& e) {
        // nlohmann's messages contain no newline but say where it failed; keep one line.
        throwInput(path + ": safetensors header is not valid JSON (" + std::string(e.what()) + ")");
    }
    if (!j.is_object()) throwInput(path + ": safetensors header is not a JSON object");

    const std::uint64_t dataStart = 8 + headerLen;
    const std::uint64_t dataSize = fileSize - dataStart;
    std::vector<Entry> entries;
    for (auto it = j.begin(); it != j.end(); ++it) {
        if (it.key() == "__metadata__") continue;
        // Every entry is checked, kept or not: a file cut short in the encoder's data is
        // damaged, and a decode that skips the encoder must still say so.
        Entry e = parseEntry(path, it.key(), it.value(), dataSize);
        if (!keep || keep(it.key())) entries.push_back(std::move(e));
    }

    NamedTensors out;
    for (const Entry& e : entries) {
        at::Tensor t = at::empty(e.shape, at::TensorOptions().dtype(e.type).device(at::kCPU));
        const std::uint64_t n = e.end - e.begin;
        if (n > 0) {
            in.clear();
            in.seekg(static_cast<std::streamoff>(dataStart + e.begin));
            if (!in.read(static_cast<char*>(t.data_ptr()), static_cast<std::streamsize>(n)))
                throwInput(path + ": tensor '" + e.name + "': file ends before its data; truncated file");
        }
        out.emplace(e.name, std::move(t));
    }
    return out;
}

}  // namespace ts
