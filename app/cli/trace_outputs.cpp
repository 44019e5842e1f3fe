#include "trace_outputs.h"

#include "core/error.h"
#include "profile/device_peaks.h"
#include "report/chrome_trace_writer.h"
#include "report/run_summary.h"
#include "report/span_csv_writer.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <unistd.h>

namespace ts::cli {

const std::set<std::string>& TraceOutputs::flags() {
    static const std::set<std::string> f{"trace", "csv", "summary"};
    return f;
}

namespace {

// Fails before any work when a profile output cannot be written where it was asked for.
void checkWritable(const std::string& flag, const std::string& path) {
    if (path.empty()) return;
    std::filesystem::path dir = std::filesystem::path(path).parent_path();
    if (dir.empty()) dir = ".";
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
        throwInput("--" + flag + ": " + path + ": cannot write output: folder " + dir.string() + " does not exist");
    if (::access(dir.c_str(), W_OK) != 0)
        throwInput("--" + flag + ": " + path + ": cannot write output: " + std::strerror(errno));
}

}  // namespace

TraceOutputs::TraceOutputs(const CliArgs& args)
    : trace_(args.get("trace", "")), csv_(args.get("csv", "")), summary_(args.get("summary", "")) {
    checkWritable("trace", trace_);
    checkWritable("csv", csv_);
    checkWritable("summary", summary_);
}

void TraceOutputs::startGpu(const c10::Device& device) {
    if (!any() || !device.is_cuda()) return;
    const DevicePeaks peaks = queryDevicePeaks(device.index());
    gpu_ = {{"name", peaks.name},
            {"sms", peaks.sms},
            {"sm_clock_mhz", peaks.smClockMHz},
            {"memory_bytes", peaks.memoryBytes},
            {"peak_fp32_tflops", peaks.peakFp32Tflops},
            {"peak_bf16_tflops", peaks.peakBf16Tflops},
            {"peak_bandwidth_gbs", peaks.peakBandwidthGBs}};
    if (!peaks.error.empty()) gpu_["error"] = peaks.error;
    cupti_ = std::make_unique<CuptiSession>();
    std::string whyNot;
    if (!cupti_->start(store_, &whyNot)) {
        gpu_["activity"] = whyNot;
        cupti_.reset();
    }
}

void TraceOutputs::write(const nlohmann::json& run) {
    if (!any()) return;
    nlohmann::json metadata{{"tool", "tilescope-cli"}, {"run", run}};
    if (cupti_) {
        cupti_->stop();  // forced flush: every completed kernel is in the store now
        gpu_["cupti_records"] = cupti_->totalRecords();
        gpu_["cupti_dropped_records"] = cupti_->droppedRecords();
        cupti_.reset();
    }
    if (!gpu_.is_null()) metadata["gpu"] = gpu_;
    const TraceStore::Snapshot snapshot = store_.snapshot();
    if (!trace_.empty()) writeChromeTrace(trace_, snapshot, metadata);
    if (!csv_.empty()) writeSpanCsv(csv_, snapshot);
    if (!summary_.empty()) writeRunSummary(summary_, snapshot, run);
}

}  // namespace ts::cli
