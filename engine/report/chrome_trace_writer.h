#pragma once
// Chrome trace event format (JSON object form), readable by chrome://tracing, Perfetto
// UI and speedscope: one event per TraceEvent plus process/thread names, with run
// settings and the sources' notes in "metadata".
#include "profile/trace_store.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <ostream>
#include <string>

namespace ts {

// Writes the trace as JSON, one event per line, without building it in memory first (a
// JSON document of a profiled run's ~270k events took +377 MiB): timestamps in µs
// (double, sub-µs kept) relative to the earliest event of the snapshot. metadata is
// copied and gets "notes" (the snapshot's notes, appended to any notes already there).
void writeChromeTrace(std::ostream& out, const TraceStore::Snapshot& snapshot, const nlohmann::json& metadata);

// The same, to path atomically (a failed write leaves nothing behind). Throws ts::Error
// naming the path.
void writeChromeTrace(const std::string& path, const TraceStore::Snapshot& snapshot, const nlohmann::json& metadata);

// The earliest timestamp of any event (0 for an empty snapshot): every exporter uses it
// as its origin so a CSV row and a trace event of one span show the same start.
std::int64_t traceOriginNs(const TraceStore::Snapshot& snapshot);

// Writes to path atomically (shared by the report writers): `write` fills a temporary
// file that replaces path only when it is complete; a failed write leaves nothing behind
// and throws ts::Error naming the path. A path ending in ".gz" is written gzip-compressed.
void writeAtomically(const std::string& path, const std::function<void(std::ostream&)>& write);
void writeTextAtomically(const std::string& path, const std::string& text);

}  // namespace ts
