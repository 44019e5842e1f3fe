#include "checkpoint/pth_reader.h"

#include "checkpoint/pickle_reader.h"
#include "checkpoint/zip_reader.h"
#include "core/error.h"

#include <ATen/ATen.h>

#include <filesystem>

namespace ts {

namespace {

using pickle::Value;
using Kind = Value::Kind;

// data.pkl of a state dict is a few hundred KB even for large models.
constexpr std::uint64_t kMaxPickleBytes = 1ull << 30;
constexpr int kMaxNesting = 4;

struct Archive {
    ZipReader zip;
    std::string prefix;  // "<archive>/", the folder every record lives in

    explicit Archive(const std::string& path) : zip(path) {
        // torch.save names the folder after the file (or "archive"); find it through data.pkl.
        for (const auto& [name, e] : zip.entries()) {
            const auto slash = name.find('/');
            if (slash != std::string::npos && name.compare(slash, std::string::npos, "/data.pkl") == 0) {
                prefix = name.substr(0, slash + 1);
                break;
            }
        }
        if (prefix.empty())
            throwInput(path + ": zip file without a data.pkl record; not a torch.save checkpoint");
        if (const ZipEntry* bo = zip.find(prefix + "byteorder")) {
            const std::string order = zip.readAll(*bo, 16);
            if (order != "little")
                throwUnsupported(path + ": saved with byte order '" + order + "'; only little-endian is supported");
        }
    }

    pickle::ValuePtr unpickleTop() {
        const ZipEntry* pkl = zip.find(prefix + "data.pkl");
        const std::string bytes = zip.readAll(*pkl, kMaxPickleBytes);
        return pickle::unpickle(bytes, zip.path());
    }

    // Reads only the part of the storage record the tensor's view covers.
    at::Tensor materialize(const pickle::TensorRef& t, const std::string& name) {
        const std::string where = zip.path() + ": tensor '" + name + "'";
        const at::ScalarType dtype = t.storage->dtype;
        const std::uint64_t item = c10::elementSize(dtype);
        const ZipEntry* rec = zip.find(prefix + "data/" + t.storage->key);
        if (!rec) throwInput(where + ": storage record 'data/" + t.storage->key + "' is missing; truncated file?");
        if (t.offset < 0) throwInput(where + ": negative storage offset");

        // Last element index reached by the view, computed without overflow.
        bool empty = false;
        std::uint64_t extent = 0;
        for (std::size_t d = 0; d < t.size.size(); ++d) {
            if (t.size[d] < 0 || t.stride[d] < 0) throwInput(where + ": negative size or stride");
            if (t.size[d] == 0) empty = true;
        }
        if (!empty) {
            for (std::size_t d = 0; d < t.size.size(); ++d) {
                std::uint64_t span = 0;
                if (__builtin_mul_overflow(static_cast<std::uint64_t>(t.size[d] - 1),
                                           static_cast<std::uint64_t>(t.stride[d]), &span) ||
                    __builtin_add_overflow(extent, span, &extent))
                    throwInput(where + ": size and stride overflow");
            }
        }
        // The elements the tensor will have once made contiguous: a zero stride repeats
        // stored ones, so a 2 KB file could ask for gigabytes. torch.save'd weights and
        // latents are dense views; a repetition beyond 4096x is refused as damage.
        std::uint64_t numel = 1;
        for (std::int64_t n : t.size)
            if (__builtin_mul_overflow(numel, static_cast<std::uint64_t>(n), &numel))
                throwInput(where + ": size overflows (" + std::to_string(t.size.size()) + " dimensions)");
        std::uint64_t firstByte = 0, endByte = 0, elems = empty ? 0 : extent + 1;
        if (numel / 4096 > elems)
            throwInput(where + ": a view of " + std::to_string(numel) + " elements over " + std::to_string(elems) +
                       " stored ones (zero strides); a saved tensor repeats no element that often, so the file is damaged");
        if (__builtin_mul_overflow(static_cast<std::uint64_t>(t.offset), item, &firstByte) ||
            __builtin_mul_overflow(elems, item, &endByte) || __builtin_add_overflow(endByte, firstByte, &endByte) ||
            endByte > rec->size)
            throwInput(where + ": view (offset " + std::to_string(t.offset) + ", " + std::to_string(elems) +
                       " elements) lies outside its storage record of " + std::to_string(rec->size) + " bytes");

        at::Tensor buf = at::empty({static_cast<int64_t>(elems)}, at::TensorOptions().dtype(dtype));
        if (elems) zip.read(*rec, firstByte, endByte - firstByte, buf.data_ptr());
        if (empty) return at::empty(t.size, at::TensorOptions().dtype(dtype));
        // contiguous() copies only when the saved view was not already dense.
        return buf.as_strided(t.size, t.stride, 0).contiguous();
    }

    void collect(const Value& dict, const KeyFilter& keep, NamedTensors& out) {
        for (const auto& [k, v] : dict.dict) {
            if (v->kind != Kind::Tensor) continue;  // e.g. an "epoch" counter next to the weights
            if (k->kind != Kind::Str) throwInput(zip.path() + ": a tensor is stored under a key that is not a string");
            if (keep && !keep(k->s)) continue;
            out.insert_or_assign(k->s, materialize(*v->tensor, k->s));
        }
    }
};

bool hasTensors(const Value& d) {
    for (const auto& kv : d.dict)
        if (kv.second->kind == Kind::Tensor) return true;
    return false;
}

// Training checkpoints wrap the weights: {"state_dict": {...}, "epoch": ...}.
const Value* findStateDict(const Value& top, const std::string& path) {
    const Value* d = &top;
    for (int depth = 0; depth <= kMaxNesting; ++depth) {
        if (d->kind != Kind::Dict) break;
        if (hasTensors(*d)) return d;
        const Value* inner = nullptr;
        for (const auto& [k, v] : d->dict)
            if (k->kind == Kind::Str && (k->s == "state_dict" || k->s == "model") && v->kind == Kind::Dict)
                inner = v.get();
        if (!inner) return d;  // a dict without tensors: an empty state dict
        d = inner;
    }
    throwInput(path + ": holds no dict of tensors (neither a state dict nor one under 'state_dict'/'model')");
}

void checkFile(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) throwInput(path + ": no such file");
    if (std::filesystem::is_directory(path, ec)) throwInput(path + ": is a directory, not a checkpoint file");
}

}  // namespace

bool looksLikeZip(const std::string& firstBytes) {
    return firstBytes.size() >= 4 && firstBytes.compare(0, 4, "PK\x03\x04", 4) == 0;
}

NamedTensors readPth(const std::string& path, const KeyFilter& keep) {
    checkFile(path);
    Archive a(path);
    const auto top = a.unpickleTop();
    if (top->kind == Kind::Tensor)
        throwInput(path + ": holds a single tensor, not a state dict");
    NamedTensors out;
    a.collect(*findStateDict(*top, path), keep, out);
    return out;
}

NamedTensors readPthTensors(const std::string& path) {
    checkFile(path);
    Archive a(path);
    const auto top = a.unpickleTop();
    NamedTensors out;
    if (top->kind == Kind::Tensor)
        out.emplace("", a.materialize(*top->tensor, ""));
    else
        a.collect(*findStateDict(*top, path), {}, out);
    return out;
}

}  // namespace ts
