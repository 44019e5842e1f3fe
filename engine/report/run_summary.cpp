#include "report/run_summary.h"

#include "report/chrome_trace_writer.h"
#include "report/profile_analysis.h"

#include <algorithm>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace ts {

namespace {

struct Tally {
    std::int64_t count = 0;
    std::int64_t totalNs = 0;
};

nlohmann::json tallyJson(const Tally& t, std::int64_t ofNs, const char* shareKey) {
    const double total = t.totalNs / 1e9;
    return {{"count", t.count},
            {"total_s", total},
            {"mean_s", t.count ? total / t.count : 0.0},
            {shareKey, ofNs > 0 ? static_cast<double>(t.totalNs) / static_cast<double>(ofNs) : 0.0}};
}

bool isObject(const nlohmann::json& j, const char* key) { return j.contains(key) && j[key].is_object(); }

// The ceiling of the run's device and arithmetic, and the time its FLOPs are divided by.
FlopBasis flopBasisOf(const nlohmann::json& run, std::int64_t runSpanNs, std::string* secondsFrom) {
    FlopBasis b;
    // Over the decode's time, as the CLI's line, bench's JSON and the GUI's history compute
    // the rate: the run span also holds placing the weights on the device.
    b.runSeconds = runSpanNs / 1e9;
    *secondsFrom = "run span";
    if (!run.is_object()) return b;
    if (run.contains("decode_s") && run["decode_s"].is_number() && run["decode_s"].get<double>() > 0) {
        b.runSeconds = run["decode_s"].get<double>();
        *secondsFrom = "decode_s";
    }
    // A tile worker has its threads' share of a peak measured or quoted for all of them.
    const int perWorker = run.contains("threads_per_worker") && run["threads_per_worker"].is_number_integer()
                              ? run["threads_per_worker"].get<int>() : 0;
    const int peakThreads = isObject(run, "peak") && run["peak"].contains("threads") && run["peak"]["threads"].is_number_integer()
                                ? run["peak"]["threads"].get<int>() : 0;
    if (perWorker > 0 && peakThreads > 0) b.workerShare = std::min(1.0, static_cast<double>(perWorker) / peakThreads);
    else if (run.contains("workers") && run["workers"].is_number_integer() && run["workers"].get<int>() > 1)
        b.workerShare = 1.0 / run["workers"].get<int>();
    const bool onCuda = run.value("device", "").rfind("cuda", 0) == 0;
    b.stageTimeIsHostTime = onCuda;
    if (!isObject(run, "peak")) {
        b.peakNote = "no peak known for this device";
        return b;
    }
    const nlohmann::json& peak = run["peak"];
    const std::string precision = run.value("precision", "fp32");
    const bool half = precision == "bf16" || precision == "fp16";
    const bool tf32 = !half && isObject(run, "settings") && run["settings"].value("tf32", false);
    if (!onCuda) {
        // The CPU's ceiling is a measured fp32 rate: nothing to hold a bf16 run against.
        if (half) {
            b.peakNote = "the CPU ceiling is a measured fp32 rate: none for " + precision + " runs";
            return b;
        }
        b.peakFlops = peak.value("flops_per_s", 0.0);
        b.peakMeasured = true;
        b.peakNote = "measured just before the run (" + peak.value("source", "") + ")";
        return b;
    }
    // The peak of the run's arithmetic: a bf16/fp16 run against the fp32 peak would read
    // ~15x too high on a tensor-core GPU (fp16 dense peaks equal bf16 ones on these parts),
    // and an fp32 run with TF32 tensor cores ~7x.
    const char* key = half ? "bf16_flops_per_s" : tf32 ? "tf32_flops_per_s" : "flops_per_s";
    b.peakFlops = peak.value(key, 0.0);
    b.peakNote = b.peakFlops > 0 ? std::string("dense ") + (half ? "bf16/fp16 tensor-core" : tf32 ? "TF32 tensor-core" : "fp32") +
                                       " peak of " + peak.value("device", std::string("the device")) + " (data sheet)"
                                 : "no peak known for " + peak.value("device", std::string("this device"));
    return b;
}

}  // namespace

nlohmann::json summarizeRun(const TraceStore::Snapshot& snapshot, const nlohmann::json& run) {
    std::map<std::string, Tally> categories;
    std::map<std::string, std::map<std::string, Tally>> names;
    std::vector<std::string> stageOrder;
    std::int64_t runNs = 0, first = std::numeric_limits<std::int64_t>::max(), last = std::numeric_limits<std::int64_t>::min();
    std::int64_t spans = 0, counters = 0, instants = 0, flows = 0;
    for (const TraceEvent& e : snapshot.events) {
        first = std::min(first, e.startNs);
        last = std::max(last, e.startNs + (e.kind == TraceEvent::Kind::Span ? e.durationNs : 0));
        switch (e.kind) {
        case TraceEvent::Kind::Span: ++spans; break;
        case TraceEvent::Kind::Counter: ++counters; continue;
        case TraceEvent::Kind::Instant: ++instants; continue;
        default: ++flows; continue;
        }
        Tally& c = categories[e.category];
        ++c.count;
        c.totalNs += e.durationNs;
        Tally& n = names[e.category][e.name];
        if (e.category == "stage" && n.count == 0) stageOrder.push_back(e.name);
        ++n.count;
        n.totalNs += e.durationNs;
        if (e.category == "run") runNs += e.durationNs;
    }
    const std::int64_t totalNs = runNs > 0 ? runNs : (spans + counters + instants + flows > 0 ? last - first : 0);

    nlohmann::json cats = nlohmann::json::object();
    for (const auto& [cat, tally] : categories) {
        nlohmann::json c = tallyJson(tally, totalNs, "share_of_total");
        nlohmann::json byName = nlohmann::json::object();
        for (const auto& [name, t] : names[cat]) byName[name] = tallyJson(t, tally.totalNs, "share");
        c["names"] = std::move(byName);
        cats[cat] = std::move(c);
    }
    nlohmann::json stages = nlohmann::json::array();
    for (const std::string& name : inDecoderOrder(stageOrder)) {
        nlohmann::json s = tallyJson(names["stage"][name], categories["stage"].totalNs, "share");
        s["name"] = name;
        stages.push_back(std::move(s));
    }
    std::string flopTime;
    nlohmann::json flops = analyzeFlops(snapshot, flopBasisOf(run, totalNs, &flopTime));
    flops["run_s_from"] = flopTime;
    nlohmann::json summary{{"total_s", totalNs / 1e9},
                           {"categories", std::move(cats)},
                           {"stages", std::move(stages)},
                           {"events",
                            {{"spans", spans},
                             {"counters", counters},
                             {"instants", instants},
                             {"flows", flows},
                             // The profiler's own memory: what the stored trace holds.
                             {"store_bytes", snapshot.storeBytes}}},
                           {"ops", analyzeOps(snapshot)},
                           {"memory", analyzeMemory(snapshot)},
                           {"flops", std::move(flops)},
                           {"notes", snapshot.notes},
                           {"run", run}};
    if (nlohmann::json coverage = analyzeCoverage(snapshot); !coverage.is_null()) summary["coverage"] = std::move(coverage);
    return summary;
}

void writeRunSummary(const std::string& path, const TraceStore::Snapshot& snapshot, const nlohmann::json& run) {
    writeTextAtomically(path, summarizeRun(snapshot, run).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
                                  "\n");
}

}  // namespace ts
