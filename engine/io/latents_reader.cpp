#include "io/latents_reader.h"

#include "checkpoint/pth_reader.h"
#include "checkpoint/safetensors_reader.h"
#include "core/error.h"
#include "io/npy_reader.h"

#include <ATen/ATen.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace ts {

namespace {

std::string shapeText(at::IntArrayRef sizes) {
    std::ostringstream s;
    s << '[';
    for (std::size_t i = 0; i < sizes.size(); ++i) s << (i ? ", " : "") << sizes[i];
    s << ']';
    return s.str();
}

std::string extensionOf(const std::string& path) {
    std::string ext = std::filesystem::path(path).extension().string();
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return ext;
}

// A state dict's names give it away; latents files hold one or a few plainly named arrays.
bool looksLikeCheckpoint(const NamedTensors& tensors) {
    auto endsWith = [](const std::string& s, const char* suffix) {
        const std::string x(suffix);
        return s.size() >= x.size() && s.compare(s.size() - x.size(), x.size(), x) == 0;
    };
    for (const auto& [name, t] : tensors) {
        if (name.rfind("decoder.", 0) == 0 || name.rfind("encoder.", 0) == 0 || endsWith(name, ".weight") ||
            endsWith(name, ".bias") || endsWith(name, ".gamma"))
            return true;
    }
    return false;
}

// Every file format yields name -> tensor; .npy is one unnamed array.
NamedTensors loadAny(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) throwInput(path + ": no such file");
    if (std::filesystem::is_directory(path, ec)) throwInput(path + ": is a directory, not a tensor file");
    const std::uint64_t size = std::filesystem::file_size(path, ec);
    if (ec) throwInput(path + ": cannot read the file size: " + ec.message());
    std::string head(16, '\0');
    {
        std::ifstream in(path, std::ios::binary);
        if (!in) throwInput(path + ": cannot open for reading");
        in.read(head.data(), static_cast<std::streamsize>(head.size()));
        head.resize(static_cast<std::size_t>(in.gcount()));
    }
    // Content first: files are often renamed (.bin, .latent); the extension only
    // decides which loader explains the error when nothing matches.
    if (looksLikeNpy(head)) return {{"", readNpy(path)}};
    if (looksLikeZip(head)) return readPthTensors(path);
    if (looksLikeSafetensors(head, size)) return readSafetensors(path);
    const std::string ext = extensionOf(path);
    if (ext == ".safetensors") return readSafetensors(path);
    if (ext == ".npy") return {{"", readNpy(path)}};
    if (ext == ".pt" || ext == ".pth") return readPthTensors(path);
    throwInput(path + ": not a .safetensors, .npy or .pt file");
}

at::Tensor pickTensor(const std::string& path, const NamedTensors& tensors, const std::string& wanted,
                      const char* what) {
    if (tensors.empty()) throwInput(path + ": holds no tensors");
    const auto it = tensors.find(wanted);
    if (it != tensors.end()) return it->second;
    if (looksLikeCheckpoint(tensors))
        throwInput(path + ": this is a VAE checkpoint (" + std::to_string(tensors.size()) + " tensors), not " + what);
    if (tensors.size() == 1) return tensors.begin()->second;
    std::string names;
    int shown = 0;
    for (const auto& [name, t] : tensors) {
        if (shown == 4) {
            names += ", ...";
            break;
        }
        names += (shown++ ? ", " : "") + std::string("'") + name + "'";
    }
    throwInput(path + ": " + std::to_string(tensors.size()) + " tensors (" + names + ") and none named '" + wanted +
               "'; save the " + what + " as '" + wanted + "' or alone");
}

// Shared checks: rank 4 or batch-1 rank 5, no empty dims, float, finite -> fp32 [C,T,H,W].
at::Tensor normalize(const std::string& path, at::Tensor t, const char* what, const char* layout) {
    if (t.dim() == 5) {
        if (t.size(0) != 1)
            throwInput(path + ": " + what + " have batch size " + std::to_string(t.size(0)) + " " +
                       shapeText(t.sizes()) + "; only batch size 1 is supported");
        t = t.squeeze(0);
    } else if (t.dim() != 4) {
        throwInput(path + ": " + what + " must be " + layout + "; got a " + std::to_string(t.dim()) + "-D tensor " +
                   shapeText(t.sizes()));
    }
    for (int64_t d : t.sizes())
        if (d == 0) throwInput(path + ": " + what + " have an empty dimension " + shapeText(t.sizes()));
    const auto type = t.scalar_type();
    if (type != at::kFloat && type != at::kHalf && type != at::kBFloat16 && type != at::kDouble)
        throwInput(path + ": " + what + " must be fp32, fp16, bf16 or fp64; got " + c10::toString(type));
    t = t.to(at::kFloat).contiguous();

    const at::Tensor nan = at::isnan(t);
    const at::Tensor inf = at::isinf(t);
    const int64_t nanCount = nan.sum().item<int64_t>();
    const int64_t infCount = inf.sum().item<int64_t>();
    if (nanCount + infCount > 0) {
        const int64_t flat = at::logical_or(nan, inf).flatten().nonzero()[0][0].item<int64_t>();
        std::vector<int64_t> index(4);
        int64_t rest = flat;
        for (int d = 3; d >= 0; --d) {
            index[d] = rest % t.size(d);
            rest /= t.size(d);
        }
        throwInput(path + ": " + what + " contain " + std::to_string(nanCount) + " NaN and " +
                   std::to_string(infCount) + " Inf values (first at " + shapeText(index) + ")");
    }
    return t;
}

}  // namespace

at::Tensor readLatents(const std::string& path) {
    const NamedTensors tensors = loadAny(path);
    return normalize(path, pickTensor(path, tensors, "latents", "latents"), "latents", "[C,T,h,w] or [1,C,T,h,w]");
}

at::Tensor readVideoTensor(const std::string& path) {
    const NamedTensors tensors = loadAny(path);
    at::Tensor v = normalize(path, pickTensor(path, tensors, "video", "a video"), "video frames",
                             "[3,F,H,W] or [1,3,F,H,W]");
    if (v.size(0) != 3)
        throwInput(path + ": video must have 3 (RGB) channels first, [3,F,H,W]; got " + shapeText(v.sizes()));
    // Frames in 0..1 or 0..255 would encode without complaint and come back as nonsense.
    if (v.numel() > 0) {
        const double lo = v.min().item<double>(), hi = v.max().item<double>();
        constexpr double kSlack = 1e-3;  // rounding of a [-1,1] clip saved in bf16/fp16
        if (lo < -1 - kSlack || hi > 1 + kSlack) {
            char range[64];
            std::snprintf(range, sizeof range, "[%.4g, %.4g]", lo, hi);
            throwInput(path + ": video values span " + range +
                       "; expected [-1, 1] (8-bit pixels p map to p / 127.5 - 1)");
        }
    }
    return v;
}

}  // namespace ts
