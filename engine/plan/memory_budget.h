#pragma once
// A memory budget for a decode (--max-memory BYTES|auto): resolved to bytes for the
// device, and used to choose the largest exact tile whose predicted peak fits. Tiles
// that still overflow while running (a CUDA out-of-memory error, or a prediction above
// the budget) are split by the scheduler and retried.
#include "decode/decode_settings.h"
#include "model/vae_config.h"
#include "plan/tile_plan.h"

#include <cstdint>
#include <string>

namespace ts {

// "8G", "512M", "1073741824", "auto" -> bytes (auto: -1, 0: no budget). Throws Usage
// naming `option` (--max-memory unless another flag takes a size).
std::int64_t parseMemorySize(const std::string& text, const std::string& option = "--max-memory");

// auto: free device memory on CUDA, MemAvailable on the CPU; otherwise the setting.
std::int64_t resolveBudget(std::int64_t setting, const c10::Device& device);

// The plan to run under `budget` bytes: the requested one when it fits; else, from an
// untiled request, exact tiles of the largest size (a multiple of 8 px) that fits.
// Throws ErrorKind::OutOfMemory naming --max-memory when nothing fits.
TilePlan planWithinBudget(const VaeConfig& cfg, std::int64_t T, std::int64_t h, std::int64_t w,
                          DecodeSettings& settings, std::int64_t budget);

// On the CPU without a budget: throws ErrorKind::OutOfMemory when the plan's predicted peak
// is more than the machine's RAM (sysconf), so that such a run fails at once with advice
// instead of after minutes of paging or with the allocator's bare message.
void refuseBeyondHostMemory(const TilePlan& plan, std::int64_t budget, const c10::Device& device);

// What a tile may use: the budget less what the run holds regardless of tiles (weights,
// the kept prefix outputs, the output video), shared by the workers.
std::int64_t perTileBudget(const TilePlan& plan, int streams, std::int64_t budget);

}  // namespace ts
