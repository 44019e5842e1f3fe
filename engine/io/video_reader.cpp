#include "io/video_reader.h"

#include "core/error.h"
#include "io/ffmpeg_video_reader.h"
#include "io/latents_reader.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <vector>

namespace fs = std::filesystem;

namespace ts {

namespace {

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// frame_*.png when present (our own PNG output, maybe next to other images), else
// every *.png; name order is frame order.
std::vector<fs::path> pngFrames(const std::string& folder) {
    std::vector<fs::path> all, numbered;
    std::error_code ec;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
        const fs::path& p = it->path();
        if (lower(p.extension().string()) != ".png" || !it->is_regular_file(ec)) continue;
        all.push_back(p);
        if (lower(p.filename().string()).rfind("frame_", 0) == 0) numbered.push_back(p);
    }
    if (ec) throwInput(folder + ": cannot list the folder: " + ec.message());
    std::vector<fs::path>& chosen = numbered.empty() ? all : numbered;
    std::sort(chosen.begin(), chosen.end());
    return chosen;
}

at::Tensor readPngFolder(const std::string& folder) {
    const std::vector<fs::path> files = pngFrames(folder);
    if (files.empty()) throwInput(folder + ": the folder holds no .png frames (a video needs at least one)");
    std::vector<at::Tensor> frames;
    frames.reserve(files.size());
    for (const fs::path& f : files) {
        at::Tensor rgb = decodePngFileRgb8(f.string());
        if (!frames.empty() && rgb.sizes() != frames.front().sizes())
            throwInput(f.string() + ": frame is " + std::to_string(rgb.size(1)) + "x" + std::to_string(rgb.size(0)) +
                       " but " + files.front().filename().string() + " is " + std::to_string(frames.front().size(1)) +
                       "x" + std::to_string(frames.front().size(0)) + "; all frames must have one size");
        frames.push_back(std::move(rgb));
    }
    return at::stack(frames);
}

// [F,H,W,3] uint8 -> [3,F,H,W] fp32 in [-1,1] (the inverse of the writers' mapping).
at::Tensor toSigned(const at::Tensor& rgb8) {
    return rgb8.permute({3, 0, 1, 2}).to(at::kFloat).div_(127.5).sub_(1.0).contiguous();
}

}  // namespace

at::Tensor readVideo(const std::string& path) {
    std::error_code ec;
    const auto st = fs::status(path, ec);
    if (ec || !fs::exists(st)) throwInput(path + ": no such file or folder");
    if (fs::is_directory(st)) return toSigned(readPngFolder(path));
    const std::string ext = lower(fs::path(path).extension().string());
    if (ext == ".safetensors" || ext == ".npy" || ext == ".pt" || ext == ".pth") return readVideoTensor(path);
    return toSigned(decodeVideoFileRgb8(path));
}

}  // namespace ts
