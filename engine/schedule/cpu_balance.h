#pragma once
// How many tile workers run at once and how many intra-op threads each one gets
// (--streams auto, --threads auto): a pure function of the machine (cores), the plan
// (its tiles, their work and memory) and the memory budget, so that it is unit-tested
// without timing. The decode reports the choice and its reason (CLI line, bench JSON,
// the trace's run span).
//
// CPU: every worker count from 1 up to the smallest of cores, tiles and what fits the
// budget is scored by simulating the scheduler's queue (each free worker takes the next
// tile of the plan) over the tiles' planned multiply-adds, with a worker of k threads
// running kIntraOpExponent-sublinearly faster than one thread; the fastest wins, ties go
// to fewer workers (less memory). The exponent is fitted to measurements:
// docs/benchmarks/2026-11-26-cpu-balance.md.
// CUDA: auto is a fixed kCudaAutoStreams streams (not measurable here), capped by tiles
// and memory like the CPU.
#include "plan/tile_plan.h"

#include <cstdint>
#include <string>

namespace ts {

struct WorkerBalance {
    int workers = 1;            // tile workers (CUDA: streams) that run at once
    int threadsPerWorker = 1;   // intra-op threads of each (CUDA: host threads, not split)
    std::string reason;         // why, in one line: "auto: 2 workers x 1 thread (...)"
};

struct BalanceRequest {
    int cores = 1;                  // CPUs this process may run on (availableCores())
    int streams = 0;                // 0 = auto, else the fixed --streams
    int threads = 0;                // 0 = auto (all cores), else the fixed --threads (all workers together)
    bool cuda = false;
    std::int64_t budgetBytes = 0;   // what the run may hold (--max-memory, else available memory); 0 = no limit
};

// Speed of one worker with k intra-op threads relative to one thread: k^exponent. Fitted
// on the quiet 2-core machine (docs/benchmarks/2026-11-26-cpu-balance.md): the full-size
// decoder's 3 tiles ran 1.07-1.20x faster on one worker of two threads than on two
// single-thread workers (2^p = 1.6-1.8), 4 tiles 1.3-1.4x slower; 0.7 picks both right.
// (Under heavy load intra-op threads scale far worse, 2^p < 1.3, and two workers win
// even with 3 tiles; auto optimises for a machine that is not shared.)
inline constexpr double kIntraOpExponent = 0.7;
inline constexpr int kCudaAutoStreams = 2;

WorkerBalance chooseWorkerBalance(const BalanceRequest& request, const TilePlan& plan);

// Workers whose tiles fit `budgetBytes` at once besides what the run holds anyway
// (weights, prefix outputs, the output video): at least 1 (tiles over budget are split
// by the scheduler). budgetBytes <= 0: no limit (returns INT_MAX).
int workersThatFit(const TilePlan& plan, std::int64_t budgetBytes);

// CPUs this process may run on: sched_getaffinity where available, else
// std::thread::hardware_concurrency; at least 1.
int availableCores();

}  // namespace ts
