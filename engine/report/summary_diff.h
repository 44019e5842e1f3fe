#pragma once
// Two runs' summaries (run_summary.h) compared: per stage and per op, time change; per
// memory counter, peak change; absolute and relative, largest change first. What a user
// reads after changing one setting ("--tile 128 -> 256: up stage 3 -0.41 s, peak +300 MiB").
#include <nlohmann/json.hpp>

#include <string>

namespace ts {

// {
//   "total": {a, b, change, change_pct},
//   "time":   [{kind: "stage"|"op", name, a, b, change, change_pct}]   seconds (ops: self time),
//   "memory": [{kind: "memory", name, a, b, change, change_pct}]       peak bytes,
// } sorted by |change| descending; a name missing on one side counts 0 there and its
// change_pct is null (no base to compare with). Throws ts::Error(Input) naming `nameA` /
// `nameB` when a document is not a run summary.
nlohmann::json diffSummaries(const nlohmann::json& a, const nlohmann::json& b, const std::string& nameA = "A",
                             const std::string& nameB = "B");

// The diff as an aligned text table (what `tilescope-cli diff` prints without --json).
std::string formatSummaryDiff(const nlohmann::json& diff, std::size_t maxRows = 20);

}  // namespace ts
