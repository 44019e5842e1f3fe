#include "checkpoint/safetensors_writer.h"

#include "core/error.h"
#include "io/atomic_file.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <fstream>

namespace ts {

namespace {

const char* dtypeName(at::ScalarType t) {
    switch (t) {
    case at::kFloat: return "F32";
    case at::kHalf: return "F16";
    case at::kBFloat16: return "BF16";
    case at::kDouble: return "F64";
    case at::kLong: return "I64";
    case at::kInt: return "I32";
    case at::kShort: return "I16";
    case at::kChar: return "I8";
    case at::kByte: return "U8";
    case at::kBool: return "BOOL";
    default: return nullptr;
    }
}

}  // namespace

void writeSafetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata) {
    // nlohmann::json's default object is a std::map, so keys come out sorted, which
    // keeps the files reproducible and matches what safetensors' own writer does.
    nlohmann::json header = nlohmann::json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;

    std::vector<at::Tensor> data;  // contiguous CPU copies, in NamedTensors' (sorted) order
    std::uint64_t offset = 0;
    for (const auto& [name, tensor] : tensors) {
        if (name == "__metadata__") throwUsage(path + ": '__metadata__' cannot be a tensor name");
        const char* dt = dtypeName(tensor.scalar_type());
        if (!dt)
            throwUnsupported(path + ": tensor '" + name + "' has dtype " +
                             std::string(c10::toString(tensor.scalar_type())) +
                             ", which safetensors cannot store");
        at::Tensor t = tensor.to(at::kCPU).contiguous();
        const std::uint64_t bytes = t.numel() * t.element_size();
        header[name] = {{"dtype", dt}, {"shape", t.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
        data.push_back(std::move(t));
    }

    std::string text = header.dump();
    // The spec allows trailing spaces; padding to 8 bytes keeps the data section aligned
    // so readers can map tensors in place.
    text.append((8 - (8 + text.size()) % 8) % 8, ' ');

    AtomicOutput out(path, AtomicOutput::Kind::File);
    {
        std::ofstream f(out.tempPath(), std::ios::binary | std::ios::trunc);
        if (!f) throwRuntime(path + ": cannot create the file " + out.tempPath());
        unsigned char len[8];
        std::uint64_t n = text.size();
        for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(n >> (8 * i));
        f.write(reinterpret_cast<const char*>(len), 8);
        f.write(text.data(), static_cast<std::streamsize>(text.size()));
        for (const at::Tensor& t : data)
            f.write(static_cast<const char*>(t.data_ptr()), static_cast<std::streamsize>(t.numel() * t.element_size()));
        f.close();  // flushes; a full disk shows here at the latest
        if (!f) throwRuntime(path + ": cannot write output: write failed (disk full?)");
    }
    out.commit();
}

}  // namespace ts
