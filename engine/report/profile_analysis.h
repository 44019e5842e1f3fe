#pragma once
// The analysis half of the run summary, from the trace alone: where op time goes, how
// much of the stages ATen ops explain, the memory peaks with the op that caused them, and
// achieved FLOP/s against the device's peak (the roofline figure users tune against).
// Times in seconds; "time_s" of an event is relative to traceOriginNs (as in the exports).
#include "profile/trace_store.h"

#include <nlohmann/json.hpp>

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

// "flops": {total, run_s, flops_per_s, peak_flops_per_s, fraction_of_peak,
//   by_stage: [{name, flops, total_s, flops_per_s, fraction_of_peak}]} from the ops'
//   "flops" args (only the outermost product op of a thread carries one). peakFlops <= 0:
//   unknown peak, fractions are null. stageTimeIsHostTime (CUDA runs): a stage span times
//   the host's asynchronous launches, not the GPU's work, so the stages' rates are null
//   (their FLOPs and host time stay) and "stage_rates" says why.
nlohmann::json analyzeFlops(const TraceStore::Snapshot& snapshot, double runSeconds, double peakFlops,
                            bool stageTimeIsHostTime = false);

}  // namespace ts
