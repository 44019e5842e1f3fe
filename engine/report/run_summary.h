#pragma once
// A run's profile in one small JSON document: where the time went by span category and
// name, the per-stage breakdown, and the settings/stats the caller passes in.
#include "profile/trace_store.h"

#include <nlohmann/json.hpp>

#include <string>

namespace ts {

// {
//   "total_s":    the "run" spans' total (the trace's extent when there is none),
//   "categories": {cat: {count, total_s, mean_s, share_of_total,
//                        names: {name: {count, total_s, mean_s, share}}}},
//   "stages":     [{name, count, total_s, mean_s, share}] (category "stage", inDecoderOrder),
//   "events":     {spans, counters, instants, flows},
//   "ops", "coverage", "memory", "flops": see profile_analysis.h. FLOP/s are over
//                 run["decode_s"] when given (else the run spans' total), against the peak
//                 of the run's arithmetic from run["peak"] (flops_per_s, tf32_ or bf16_
//                 flops_per_s by run["precision"] and run["settings"]["tf32"]; on the CPU a
//                 measured fp32 rate, none for bf16), with "peak_note" saying which,
//   "notes":      [...], "run": run
// }
// A name's share is of its category's total, so the shares of one category sum to 1.
// A category's share_of_total may exceed 1: concurrent workers overlap in time.
nlohmann::json summarizeRun(const TraceStore::Snapshot& snapshot, const nlohmann::json& run);

// Writes summarizeRun atomically. Throws ts::Error naming the path.
void writeRunSummary(const std::string& path, const TraceStore::Snapshot& snapshot, const nlohmann::json& run);

}  // namespace ts
