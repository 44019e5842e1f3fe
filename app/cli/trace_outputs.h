#pragma once
// --trace FILE.json, --csv FILE.csv, --summary FILE.json: the profile outputs of one
// decode. When any is given, the run's observer hands the engine a TraceStore; after the
// run the store is written in each requested format.
#include "cli_args.h"

#include "profile/cupti_session.h"
#include "profile/trace_event.h"

#include <c10/core/Device.h>

#include <nlohmann/json.hpp>

#include <memory>
#include <set>
#include <string>

namespace ts::cli {

class TraceOutputs {
public:
    static const std::set<std::string>& flags();  // trace, csv, summary
    explicit TraceOutputs(const CliArgs& args);

    bool any() const { return !trace_.empty() || !csv_.empty() || !summary_.empty(); }
    // The sink for the observer: null when no output was asked for (no tracing cost).
    TraceSink* sink() { return any() ? &store_ : nullptr; }
    // On CUDA: record GPU activity through CUPTI into the same store until write(); the
    // device's peak figures go into the trace's metadata. Where CUPTI cannot run (no
    // driver), the trace carries the reason as a note and everything else is recorded.
    // Call on the thread that runs the decode.
    void startGpu(const c10::Device& device);
    // Writes every requested file; run = the run's settings and stats.
    void write(const nlohmann::json& run);

private:
    std::string trace_, csv_, summary_;
    TraceStore store_;
    std::unique_ptr<CuptiSession> cupti_;
    nlohmann::json gpu_;
};

}  // namespace ts::cli
