#include "decode/decode_settings.h"

#include "core/error.h"
#include "gpu/cuda_allocator.h"
#include "schedule/cpu_balance.h"

#include <limits>

namespace ts {

Precision parsePrecision(const std::string& text) {
    if (text == "fp32") return Precision::FP32;
    if (text == "fp16") return Precision::FP16;
    if (text == "bf16") return Precision::BF16;
    throwUsage("--precision: '" + text + "' is not one of fp32, fp16, bf16");
}

TilingMode parseTilingMode(const std::string& text) {
    if (text == "off") return TilingMode::Off;
    if (text == "blend") return TilingMode::Blend;
    if (text == "exact") return TilingMode::Exact;
    throwUsage("--tiling: '" + text + "' is not one of off, blend, exact");
}

c10::Device parseDevice(const std::string& text) {
    if (text == "cpu") return c10::Device(c10::kCPU);
    if (text == "cuda") return c10::Device(c10::kCUDA, 0);
    const std::string prefix = "cuda:";
    if (text.rfind(prefix, 0) == 0 && text.size() > prefix.size() && text.size() < prefix.size() + 4) {
        const std::string index = text.substr(prefix.size());
        // c10::DeviceIndex is 8 bits in LibTorch 1.13: a larger index would wrap around.
        if (index.find_first_not_of("0123456789") == std::string::npos) {
            const int n = std::stoi(index);  // at most 3 digits
            if (n <= std::numeric_limits<c10::DeviceIndex>::max())
                return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(n));
        }
    }
    throwUsage("--device: '" + text + "' is not one of cpu, cuda, cuda:N");
}

namespace {

// A positive count up to `max`, or auto; the message names the option and both forms.
int parseCount(const std::string& flag, const std::string& text, int max) {
    if (text == "auto") return DecodeSettings::kAutoCount;
    const std::string accepted = "; give 1.." + std::to_string(max) + " or auto";
    if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos)
        throwUsage(flag + ": '" + text + "' is not a number" + accepted);
    const int value = std::stoi(text);
    if (value < 1 || value > max) throwUsage(flag + ": " + text + " is out of range" + accepted);
    return value;
}

}  // namespace

int parseStreams(const std::string& text) { return parseCount("--streams", text, 64); }
int parseThreads(const std::string& text) { return parseCount("--threads", text, 1024); }

std::string countText(int count) {
    return count == DecodeSettings::kAutoCount ? std::string("auto") : std::to_string(count);
}

std::string toString(Precision p) {
    switch (p) {
    case Precision::FP32: return "fp32";
    case Precision::FP16: return "fp16";
    case Precision::BF16: return "bf16";
    }
    return "?";
}

std::string toString(TilingMode m) {
    switch (m) {
    case TilingMode::Off: return "off";
    case TilingMode::Blend: return "blend";
    case TilingMode::Exact: return "exact";
    }
    return "?";
}

c10::ScalarType scalarTypeOf(Precision p) {
    switch (p) {
    case Precision::FP32: return c10::kFloat;
    case Precision::FP16: return c10::kHalf;
    case Precision::BF16: return c10::kBFloat16;
    }
    return c10::kFloat;
}

int DecodeSettings::effectiveThreads() const {
    return threads > 0 ? threads : availableCores();
}

DecodeSettings DecodeSettings::untiledReference() const {
    DecodeSettings reference = *this;
    reference.tiling = TilingMode::Off;
    reference.streams = 1;
    return reference;
}

void DecodeSettings::validate() const {
    const c10::Device dev = parseDevice(device);
    if (dev.is_cpu() && precision == Precision::FP16)
        throwUnsupported("--precision fp16: this LibTorch cannot run fp16 conv3d on the CPU; use fp32 or bf16, or --device cuda");
    if (tilePx < 8 || tilePx % 8 != 0 || tilePx > 65536)
        throwUsage("--tile: " + std::to_string(tilePx) + " px is not a positive multiple of 8");
    if (overlapPx < 0 || overlapPx % 8 != 0)
        throwUsage("--overlap: " + std::to_string(overlapPx) + " px must be a multiple of 8 and >= 0");
    // Only blend tiles overlap; exact tiles partition the frame (their halos are derived).
    if (tiling == TilingMode::Blend && overlapPx > tilePx / 2)
        throwUsage("--overlap: " + std::to_string(overlapPx) + " px must be at most half of --tile (" +
                   std::to_string(tilePx) + " px) for blend tiling");
    if (streams < 0 || streams > 64)
        throwUsage("--streams: " + std::to_string(streams) + " must be between 1 and 64, or auto");
    if (threads < 0 || threads > 1024)
        throwUsage("--threads: " + std::to_string(threads) + " must be between 1 and 1024, or auto");
    if (maxMemoryBytes < -1) throwUsage("--max-memory: must be positive or auto");
    if (simulateVramBytes < 0) throwUsage("--simulate-vram: must be a size such as 24G (auto has no meaning here)");
    if (simulateVramBytes > 0 && !dev.is_cuda())
        throwUsage("--simulate-vram caps LibTorch's CUDA allocator; it needs --device cuda (on the CPU use --max-memory)");
    if (simulateVramBytes > 0 && !cudaAllocatorControlAvailable())
        throwUnsupported("--simulate-vram: this build's LibTorch has no CUDA caching allocator to cap");
    if (streams > 1 && tiling == TilingMode::Off)
        throwUsage("--streams " + std::to_string(streams) + ": concurrent workers decode tiles; use --tiling blend or exact, or --streams 1");
}

}  // namespace ts
