#pragma once
// --trace FILE.json, --csv FILE.csv, --summary FILE.json, --report FILE.html: the profile
// outputs of one decode. When any is given (or bench --profile on), the run's observer
// hands the engine a TraceStore and the profiling sources record into it around the
// decode (start() .. write()); after the run the store is written in each requested
// format.
#include "cli_args.h"

#include "profile/cupti_session.h"
#include "profile/profile_session.h"
#include "profile/profile_sources.h"
#include "profile/trace_store.h"

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <nlohmann/json.hpp>

#include <memory>
#include <set>
#include <string>
#include <vector>

namespace ts::cli {

class TraceOutputs {
public:
    static const std::set<std::string>& flags();  // trace, csv, summary, report
    // sources: what records while tracing (engine spans always); forceRecording: record
    // into the store even without an output file (bench --profile on, for overhead).
    explicit TraceOutputs(const CliArgs& args, const ProfileSources& sources = {}, bool forceRecording = false);

    bool any() const { return !trace_.empty() || !csv_.empty() || !summary_.empty() || !report_.empty(); }
    bool recording() const { return any() || force_; }
    // The sink for the observer: null when nothing records (no tracing cost).
    TraceSink* sink() { return recording() ? &store_ : nullptr; }
    // Before the decode, on the thread that runs it: the device's peak (preset table on
    // CUDA, a short GEMM probe on the CPU when a summary or report wants FLOP/s against
    // it), CUPTI on CUDA (where it cannot run, the trace carries the reason as a note),
    // then the ATen op, allocation and memory-sampling sources.
    void start(const c10::Device& device, int threads);
    // Decoded frames as they arrive: the HTML report shows a few of them.
    void offerFrames(int first, const at::Tensor& frames, int totalFrames);
    // Stops the sources (before work that is not part of the profile); idempotent.
    void stopSources();
    // After stopSources(), on CUDA: {"records": N, "dropped": M} from this run's CUPTI
    // session, or the reason it recorded nothing; null on the CPU or without CUPTI. bench
    // prints it per configuration, so one sweep shows that every session of a process
    // records (the GUI starts one per run).
    nlohmann::json cuptiResult() const;
    // Stops the sources and writes every requested file; run = the run's settings and
    // stats (gets "peak" and "profile"). Returns what the sources recorded.
    nlohmann::json write(nlohmann::json run);

private:
    std::string trace_, csv_, summary_, report_;
    ProfileSources sources_;
    bool force_;
    TraceStore store_;
    std::unique_ptr<CuptiSession> cupti_;
    std::unique_ptr<ProfileSession> session_;
    nlohmann::json gpu_, peak_, recorded_;
    std::vector<std::pair<int, at::Tensor>> frames_;  // for the report
};

}  // namespace ts::cli
