#include "plan/memory_budget.h"

#include "core/error.h"
#include "core/format_bytes.h"
#include "gpu/device_memory.h"

#include <algorithm>
#include <cctype>
#include <fstream>

#include <unistd.h>

namespace ts {

std::int64_t parseMemorySize(const std::string& text, const std::string& option) {
    if (text == "auto") return -1;
    std::int64_t scale = 1;
    std::string digits = text;
    if (!digits.empty() && std::isalpha(static_cast<unsigned char>(digits.back()))) {
        switch (std::toupper(static_cast<unsigned char>(digits.back()))) {
        case 'K': scale = int64_t(1) << 10; break;
        case 'M': scale = int64_t(1) << 20; break;
        case 'G': scale = int64_t(1) << 30; break;
        default: throwUsage(option + ": '" + text + "' is not BYTES, a size like 512M or 8G, or auto");
        }
        digits.pop_back();
    }
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 15)
        throwUsage(option + ": '" + text + "' is not BYTES, a size like 512M or 8G, or auto");
    const std::int64_t n = std::stoll(digits);  // at most 15 digits: fits
    if (n > (std::int64_t(1) << 50) / scale) throwUsage(option + ": '" + text + "' is more than 1 PiB");
    return n * scale;  // 0: no budget
}

std::int64_t resolveBudget(std::int64_t setting, const c10::Device& device) {
    if (setting != -1) return setting;
    if (device.is_cuda()) {
        const DeviceMemory m = queryDeviceMemory(device.index());
        if (m.totalBytes < 0) throwRuntime("--max-memory auto: cannot read free memory of " + device.str() + ": " + m.error);
        return m.totalBytes - m.usedBytes;
    }
    std::ifstream in("/proc/meminfo");
    std::string key;
    std::int64_t kb = 0;
    std::string unit;
    while (in >> key >> kb >> unit)
        if (key == "MemAvailable:") return kb * 1024;
    throwRuntime("--max-memory auto: cannot read MemAvailable from /proc/meminfo");
}

void refuseBeyondHostMemory(const TilePlan& plan, std::int64_t budget, const c10::Device& device) {
    if (!device.is_cpu() || budget > 0) return;  // a budget plans within itself
    const long pages = ::sysconf(_SC_PHYS_PAGES), pageSize = ::sysconf(_SC_PAGE_SIZE);
    if (pages <= 0 || pageSize <= 0) return;
    const std::int64_t ram = static_cast<std::int64_t>(pages) * pageSize;
    if (plan.estimatedPeakBytes <= ram) return;
    throw Error(ErrorKind::OutOfMemory,
                "this decode is predicted to need " + formatBytes(plan.estimatedPeakBytes) +
                    " of tensors at its peak, more than this machine's " + formatBytes(ram) +
                    " of RAM; use --tiling exact with a smaller --tile, or --max-memory auto");
}

std::int64_t perTileBudget(const TilePlan& plan, int streams, std::int64_t budget) {
    std::int64_t largest = 0;
    for (const PlannedTile& t : plan.tiles) largest = std::max(largest, t.peakBytes);
    // The plan's estimate counts plan.workers tiles at once; `streams` may be fewer (no
    // more workers than tiles).
    const std::int64_t fixed = plan.estimatedPeakBytes - static_cast<std::int64_t>(std::max(1, plan.workers)) * largest;
    return (budget - fixed) / std::max(1, streams);
}

TilePlan planWithinBudget(const VaeConfig& cfg, std::int64_t T, std::int64_t h, std::int64_t w,
                          DecodeSettings& settings, std::int64_t budget) {
    TilePlan plan = makeTilePlan(cfg, T, h, w, settings);
    if (budget <= 0 || plan.estimatedPeakBytes <= budget || settings.tiling != TilingMode::Off) return plan;
    // Untiled does not fit: the largest exact tile that does, halving from the frame size.
    DecodeSettings tiled = settings;
    tiled.tiling = TilingMode::Exact;
    const std::int64_t frame = std::max(h, w) * cfg.spatialFactor();
    for (std::int64_t tile = (frame + 7) / 8 * 8; tile >= 32; tile = (tile / 2 + 7) / 8 * 8) {
        tiled.tilePx = static_cast<int>(tile);
        TilePlan candidate = makeTilePlan(cfg, T, h, w, tiled);
        if (candidate.estimatedPeakBytes <= budget) {
            settings = tiled;
            return candidate;
        }
        if (tile == 32) break;
    }
    throw Error(ErrorKind::OutOfMemory, "--max-memory: " + formatBytes(budget) +
                                            " is below what even 32 px exact tiles need (" +
                                            formatBytes(makeTilePlan(cfg, T, h, w, tiled).estimatedPeakBytes) +
                                            " predicted)");
}

}  // namespace ts
