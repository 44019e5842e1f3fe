#pragma once
// Spans as CSV for spreadsheets and pandas: one row per span (counters, instants and
// flows are left out), times in µs from the same origin as the Chrome trace.
#include "profile/trace_store.h"

#include <ostream>
#include <string>

namespace ts {

// Header: name,category,pid,tid,start_us,dur_us,args; args as "key=value; key=value".
// Fields are quoted as RFC 4180 asks when they hold a comma, quote or newline. Written
// row by row: a profiled run's 200k spans are never one string in memory.
void writeSpanCsv(std::ostream& out, const TraceStore::Snapshot& snapshot);

// The same, to path atomically. Throws ts::Error naming the path.
void writeSpanCsv(const std::string& path, const TraceStore::Snapshot& snapshot);

}  // namespace ts
