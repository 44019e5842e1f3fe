#include "schedule/cpu_balance.h"

#include "core/format_bytes.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <sched.h>
#endif

namespace ts {

namespace {

std::string plural(int n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); }

std::int64_t largestTileBytes(const TilePlan& plan) {
    std::int64_t largest = 0;
    for (const PlannedTile& t : plan.tiles) largest = std::max(largest, t.peakBytes);
    return largest;
}

// Time of the plan's tiles on `workers` workers of `threads` threads each, in units of
// single-thread multiply-adds: the scheduler's queue simulated (each tile goes to the
// worker that is free first, in plan order), the busiest worker's load divided by its
// speed-up. Tiles without a work estimate count as one unit so the count still matters.
double simulatedTime(const TilePlan& plan, int workers, int threads) {
    std::vector<double> load(static_cast<size_t>(workers), 0.0);
    for (const PlannedTile& t : plan.tiles) {
        auto first = std::min_element(load.begin(), load.end());
        *first += static_cast<double>(std::max<std::int64_t>(1, t.macs));
    }
    return *std::max_element(load.begin(), load.end()) / std::pow(static_cast<double>(threads), kIntraOpExponent);
}

}  // namespace

int workersThatFit(const TilePlan& plan, std::int64_t budgetBytes) {
    if (budgetBytes <= 0) return INT_MAX;
    const std::int64_t largest = largestTileBytes(plan);
    if (largest <= 0) return INT_MAX;
    const std::int64_t fixed = plan.estimatedPeakBytes - static_cast<std::int64_t>(std::max(1, plan.workers)) * largest;
    const std::int64_t fit = (budgetBytes - fixed) / largest;
    return static_cast<int>(std::clamp<std::int64_t>(fit, 1, INT_MAX));
}

WorkerBalance chooseWorkerBalance(const BalanceRequest& request, const TilePlan& plan) {
    const int cores = std::max(1, request.cores);
    const int tiles = std::max(1, static_cast<int>(plan.tiles.size()));
    // The threads all workers share: the fixed --threads, or every core.
    const int total = request.threads > 0 ? request.threads : cores;
    const std::string threadsText =
        request.threads > 0 ? "--threads " + std::to_string(request.threads) : plural(cores, "core");
    WorkerBalance b;

    if (plan.mode == TilingMode::Off) {
        b.workers = 1;
        b.threadsPerWorker = total;
        b.reason = (request.streams == 0 ? "auto: " : "") + std::string("1 worker x ") +
                   plural(total, "thread") + " (tiling off: one tile)";
        return b;
    }
    if (request.streams > 0) {
        // Fixed workers: never more than there are tiles; they split the threads.
        b.workers = std::min(request.streams, tiles);
        b.threadsPerWorker = request.cuda ? total : std::max(1, total / b.workers);
        b.reason = "--streams " + std::to_string(request.streams) + ": " + plural(b.workers, "worker") + " x " +
                   plural(b.threadsPerWorker, "thread") + " (" + plural(tiles, "tile") + ", " + threadsText + ")";
        return b;
    }

    const int fit = workersThatFit(plan, request.budgetBytes);
    const std::string fitText =
        request.budgetBytes > 0 ? "memory for " + (fit == INT_MAX ? std::string("any number") : std::to_string(fit)) +
                                      " in " + formatBytes(request.budgetBytes)
                                : std::string("no memory limit");
    if (request.cuda) {
        // One GPU's streams cannot be measured on this machine: a fixed two, so that one
        // tile's kernels can overlap another's launches and copies, capped like the CPU.
        b.workers = std::max(1, std::min({kCudaAutoStreams, tiles, fit}));
        b.threadsPerWorker = total;
        b.reason = "auto: " + plural(b.workers, "stream") + " (CUDA: fixed " + std::to_string(kCudaAutoStreams) +
                   ", " + plural(tiles, "tile") + ", " + fitText + ")";
        return b;
    }

    const int limit = std::max(1, std::min({total, tiles, fit}));
    int best = 1;
    double bestTime = simulatedTime(plan, 1, total);
    for (int w = 2; w <= limit; ++w) {
        const double t = simulatedTime(plan, w, total / w);
        if (t < bestTime * (1.0 - 1e-9)) {  // strictly faster: ties keep fewer workers (less memory)
            best = w;
            bestTime = t;
        }
    }
    b.workers = best;
    b.threadsPerWorker = std::max(1, total / best);
    const char* bound = limit == fit && fit < std::min(total, tiles) ? "memory"
                        : limit == tiles && tiles < total             ? "tiles"
                                                                      : "threads";
    b.reason = "auto: " + plural(b.workers, "worker") + " x " + plural(b.threadsPerWorker, "thread") + " (" +
               threadsText + ", " + plural(tiles, "tile") + ", " + fitText + "; at most " + std::to_string(limit) +
               " by " + bound + ")";
    return b;
}

int availableCores() {
#if defined(__linux__)
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        const int n = CPU_COUNT(&set);
        if (n > 0) return n;
    }
#endif
    const unsigned n = std::thread::hardware_concurrency();
    return n > 0 ? static_cast<int>(n) : 1;
}

}  // namespace ts
