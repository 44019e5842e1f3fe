#pragma once
// The run as one self-contained HTML page: settings and machine, summary tables,
// per-stage bars, memory over time with the peak marked, top ops and kernels, the tile
// grid and a few decoded frames (inline base64 PNG). Plots are inline SVG written here;
// no scripts, no external resources, so it opens offline and the CLI writes it without
// a display. The summary is also embedded as JSON data (<script type="application/json">).
#include "profile/trace_store.h"

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

namespace ts {

// frames: (video frame index, [3,H,W] fp32 in [-1,1]).
using ReportFrames = std::vector<std::pair<int, at::Tensor>>;

// summary: summarizeRun's document for the same snapshot.
std::string htmlReport(const TraceStore::Snapshot& snapshot, const nlohmann::json& summary, const ReportFrames& frames);

// Writes htmlReport atomically. Throws ts::Error naming the path.
void writeHtmlReport(const std::string& path, const TraceStore::Snapshot& snapshot, const nlohmann::json& summary,
                     const ReportFrames& frames);

// How the report prints numbers (4 significant digits), for readers that check them.
std::string reportNumber(double value);

std::string base64(const std::string& bytes);

}  // namespace ts
