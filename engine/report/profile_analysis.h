#pragma once
// The analysis half of the run summary, from the trace alone: where op time goes, how
// much of the stages ATen ops explain, the memory peaks with the op that caused them, and
// achieved FLOP/s against the device's peak (the roofline figure users tune against).
// Times in seconds; "time_s" of an event is relative to traceOriginNs (as in the exports).
#include "profile/trace_store.h"

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace ts {

// "ops": [{name, count, total_s, self_s, mean_s, share}] by self time, largest first.
//   total_s includes nested ops (aten::conv3d contains aten::convolution); self_s does
//   not, so the self shares sum to 1.
nlohmann::json analyzeOps(const TraceStore::Snapshot& snapshot);

// "coverage": how much of the "stage" spans' time top-level op spans on the same track
//   cover: {stage_s, covered_s, share, uncovered_s, gaps, by_stage: [{name, share}],
//   uncovered_before: [{op, s}] (gap time grouped by the op that follows it, largest
//   first: what the engine did between ops), note}. Absent when no ops were recorded.
nlohmann::json analyzeCoverage(const TraceStore::Snapshot& snapshot);

// "memory": per counter name (allocated_bytes, reserved_bytes, rss_bytes, heap_in_use_bytes,
//   device_used_bytes): {pid, peak_bytes, peak_time_s, samples, op?, inner_op?}, keyed
//   "name" for pid 0 and "name@pid" for devices; op fields come from the counter's args.
nlohmann::json analyzeMemory(const TraceStore::Snapshot& snapshot);

// A memory counter's key as "memory" and the HTML report name it: "name" on the host
// (pid 0), "name@pid" on a device; and the pid and name back from one (pid 0 when the key
// has no "@<number>").
std::string memoryCounterKey(int pid, const std::string& name);
std::pair<int, std::string> parseMemoryCounterKey(const std::string& key);

// Stage names in first-seen order, with each "<stage> resample" (frame-split's per-frame
// resample, causal_decoder.cpp) moved to just after its stage: the first latent frame runs
// without it, so first-seen order would put it last.
std::vector<std::string> inDecoderOrder(std::vector<std::string> firstSeen);

// What the "flops" figures are measured against.
struct FlopBasis {
    double runSeconds = 0;       // the decode's time (decode_s), the rate's denominator
    double peakFlops = 0;        // <= 0: no ceiling known; the fractions are null
    std::string peakNote;        // why there is none, or what it is
    bool peakMeasured = false;   // a probe's rate (CPU), not a data sheet's figure
    // The part of the peak a tile worker's track can reach: its threads over the threads
    // the peak was measured or quoted for. Stages on the main track (untiled runs, exact
    // tiling's prefix) have the whole peak.
    double workerShare = 1.0;
    bool stageTimeIsHostTime = false;  // CUDA: stage spans time the host's asynchronous launches
};

// "flops": {total, run_s, flops_per_s, peak_flops_per_s, peak_note, fraction_of_peak,
//   by_stage: [{name, flops, total_s, flops_per_s, fraction_of_peak}]} from the ops'
//   "flops" args (only the outermost product op of a thread carries one). With
//   stageTimeIsHostTime the stages' rates are null (their FLOPs and host time stay) and
//   "stage_rates" says why. A fraction above 1 is not shown (null, and peak_note says so):
//   a run faster than a measured ceiling shows that the probe was slowed.
nlohmann::json analyzeFlops(const TraceStore::Snapshot& snapshot, const FlopBasis& basis);

}  // namespace ts
