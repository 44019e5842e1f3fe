#pragma once
// Reads a Chrome trace (JSON object or array form, plain or gzip-compressed, as
// tilescope-cli --trace writes it and Perfetto and the PyTorch profiler read it) back into
// a TraceStore, so the GUI can show a trace recorded elsewhere: a headless GPU server's
// `--trace run.json.gz` opened on a laptop. Complete events ("X"), counters ("C"),
// instants ("i"/"I"), flows ("s"/"t"/"f") and track names ("M") are kept; other phases
// (begin/end pairs, async and object events) are counted and skipped.
#include "profile/trace_store.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <memory>
#include <string>

namespace ts {

struct ImportedTrace {
    std::shared_ptr<TraceStore> trace;
    nlohmann::json metadata;  // the file's "metadata" object (tilescope-cli: tool, run, gpu); null if none
    std::size_t events = 0;   // events kept
    std::int64_t originNs = 0;  // the earliest event's start (traceOriginNs of the trace); 0 when empty
    std::size_t skipped = 0;  // events of phases the trace model has no kind for
};

// Throws ts::Error naming the path: unreadable, not (gzip-compressed) JSON, or without a
// traceEvents array. Timestamps (µs in the file) become nanoseconds.
ImportedTrace readChromeTrace(const std::string& path);

}  // namespace ts
