#include "trace_outputs.h"

#include "output_paths.h"

#include "core/error.h"
#include "profile/cpu_peak_probe.h"
#include "profile/device_peaks.h"
#include "report/chrome_trace_writer.h"
#include "report/html_report_writer.h"
#include "report/run_summary.h"
#include "report/span_csv_writer.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <unistd.h>

namespace ts::cli {

const std::set<std::string>& TraceOutputs::flags() {
    static const std::set<std::string> f{"trace", "csv", "summary", "report"};
    return f;
}

namespace {

// Frames the report shows: the first, two in between and the last.
constexpr int kReportFrames = 4;

}  // namespace

TraceOutputs::TraceOutputs(const CliArgs& args, const ProfileSources& sources, bool forceRecording)
    : trace_(args.get("trace", "")),
      csv_(args.get("csv", "")),
      summary_(args.get("summary", "")),
      report_(args.get("report", "")),
      sources_(sources),
      force_(forceRecording) {
    checkOutputWritable("trace", trace_);
    checkOutputWritable("csv", csv_);
    checkOutputWritable("summary", summary_);
    checkOutputWritable("report", report_);
    sources_.validate("--profile");
}

void TraceOutputs::start(const c10::Device& device, int threads) {
    if (!recording()) return;
    if (device.is_cuda()) {
        const DevicePeaks peaks = queryDevicePeaks(device.index());
        gpu_ = {{"name", peaks.name},
                {"sms", peaks.sms},
                {"sm_clock_mhz", peaks.smClockMHz},
                {"memory_bytes", peaks.memoryBytes},
                {"peak_fp32_tflops", peaks.peakFp32Tflops},
                {"peak_bf16_tflops", peaks.peakBf16Tflops},
                {"peak_tf32_tflops", peaks.peakTf32Tflops},
                {"peak_bandwidth_gbs", peaks.peakBandwidthGBs}};
        if (!peaks.error.empty()) gpu_["error"] = peaks.error;
        peak_ = {{"device", peaks.name.empty() ? device.str() : peaks.name},
                 {"flops_per_s", peaks.peakFp32Tflops * 1e12},
                 {"bf16_flops_per_s", peaks.peakBf16Tflops * 1e12},
                 {"tf32_flops_per_s", peaks.peakTf32Tflops * 1e12},
                 {"source", "preset table"}};
        if (sources_.cupti) {
            cupti_ = std::make_unique<CuptiSession>();
            std::string whyNot;
            if (!cupti_->start(store_, &whyNot)) {
                gpu_["activity"] = whyNot;
                cupti_.reset();
            }
        }
    } else if (!summary_.empty() || !report_.empty()) {
        // Before the sources start: the probe's own ops must not land in the trace.
        const CpuPeak p = probeCpuPeak(threads);
        peak_ = {{"device", "cpu"}, {"flops_per_s", p.flopsPerSecond}, {"threads", p.threads}, {"source", p.describe()}};
    }
    session_ = std::make_unique<ProfileSession>(store_, sources_, device);
}

void TraceOutputs::offerFrames(int first, const at::Tensor& frames, int totalFrames) {
    if (report_.empty() || !frames.defined()) return;
    for (int k = 0; k < kReportFrames; ++k) {
        const int want = totalFrames <= 1 ? 0 : k * (totalFrames - 1) / (kReportFrames - 1);
        if (want < first || want >= first + frames.size(1)) continue;
        bool have = false;
        for (const auto& f : frames_) have = have || f.first == want;
        if (!have) frames_.emplace_back(want, frames.select(1, want - first).clone());
    }
}

void TraceOutputs::stopSources() {
    if (session_) {
        session_->stop();
        recorded_ = session_->describe();
        session_.reset();
    }
    if (cupti_) {
        cupti_->stop();  // forced flush: every completed kernel is in the store now
        gpu_["cupti_records"] = cupti_->totalRecords();
        gpu_["cupti_dropped_records"] = cupti_->droppedRecords();
        cupti_.reset();
    }
}

nlohmann::json TraceOutputs::cuptiResult() const {
    if (gpu_.contains("cupti_records"))
        return {{"records", gpu_["cupti_records"]}, {"dropped", gpu_["cupti_dropped_records"]}};
    if (gpu_.contains("activity")) return gpu_["activity"];
    return nullptr;
}

nlohmann::json TraceOutputs::write(nlohmann::json run) {
    stopSources();
    nlohmann::json recorded = recorded_;
    // The profiler's own footprint, beside the memory it measured.
    if (recorded.is_object()) {
        recorded["trace_events"] = store_.size();
        recorded["trace_store_bytes"] = store_.bytesHeld();
    }
    if (!any()) return recorded;
    if (!peak_.is_null()) run["peak"] = peak_;
    if (!recorded.is_null()) run["profile"] = recorded;
    nlohmann::json metadata{{"tool", "tilescope-cli"}, {"run", run}};
    if (!gpu_.is_null()) metadata["gpu"] = gpu_;
    const TraceStore::Snapshot snapshot = store_.snapshot();
    if (!trace_.empty()) writeChromeTrace(trace_, snapshot, metadata);
    if (!csv_.empty()) writeSpanCsv(csv_, snapshot);
    if (!summary_.empty() || !report_.empty()) {
        const nlohmann::json summary = summarizeRun(snapshot, run);
        if (!summary_.empty())
            writeTextAtomically(summary_, summary.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
        if (!report_.empty()) writeHtmlReport(report_, snapshot, summary, frames_);
    }
    return recorded;
}

}  // namespace ts::cli
