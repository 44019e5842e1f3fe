#include "report/run_summary.h"

#include "report/chrome_trace_writer.h"
#include "report/profile_analysis.h"

#include <algorithm>
#include <limits>
#include <map>
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
    for (const std::string& name : stageOrder) {
        nlohmann::json s = tallyJson(names["stage"][name], categories["stage"].totalNs, "share");
        s["name"] = name;
        stages.push_back(std::move(s));
    }
    // The peak of the run's precision: a bf16/fp16 run against the fp32 peak would read
    // ~15x too high on a tensor-core GPU (fp16 dense peaks equal bf16 ones on these parts).
    const bool halfPrecision = run.is_object() && (run.value("precision", "") == "bf16" || run.value("precision", "") == "fp16");
    double peakFlops = 0.0;
    if (run.is_object() && run.contains("peak") && run["peak"].is_object()) {
        peakFlops = run["peak"].value("flops_per_s", 0.0);
        if (halfPrecision && run["peak"].value("bf16_flops_per_s", 0.0) > 0) peakFlops = run["peak"]["bf16_flops_per_s"];
    }
    const bool onCuda = run.is_object() && run.value("device", "").rfind("cuda", 0) == 0;
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
                           {"flops", analyzeFlops(snapshot, totalNs / 1e9, peakFlops, onCuda)},
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
