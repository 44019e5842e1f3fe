#include "report/profile_analysis.h"

#include "report/chrome_trace_writer.h"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace ts {

namespace {

using Track = std::pair<int, std::int64_t>;

// Spans of one category per track, sorted by start (longer first on ties, so parents
// come before the children they contain).
std::map<Track, std::vector<const TraceEvent*>> spansByTrack(const TraceStore::Snapshot& s, const char* category) {
    std::map<Track, std::vector<const TraceEvent*>> out;
    for (const TraceEvent& e : s.events)
        if (e.kind == TraceEvent::Kind::Span && e.category == category) out[{e.pid, e.tid}].push_back(&e);
    for (auto& [track, spans] : out)
        std::sort(spans.begin(), spans.end(), [](const TraceEvent* a, const TraceEvent* b) {
            return a->startNs != b->startNs ? a->startNs < b->startNs : a->durationNs > b->durationNs;
        });
    return out;
}

std::int64_t endOf(const TraceEvent& e) { return e.startNs + e.durationNs; }

// Top-level op spans of one track (not nested in another op).
std::vector<const TraceEvent*> topLevel(const std::vector<const TraceEvent*>& ops) {
    std::vector<const TraceEvent*> out;
    std::int64_t openUntil = std::numeric_limits<std::int64_t>::min();
    for (const TraceEvent* e : ops)
        if (e->startNs >= openUntil) {
            out.push_back(e);
            openUntil = endOf(*e);
        }
    return out;
}

double ratio(double a, double b) { return b > 0 ? a / b : 0.0; }

}  // namespace

nlohmann::json analyzeOps(const TraceStore::Snapshot& snapshot) {
    struct Tally {
        std::int64_t count = 0, totalNs = 0, selfNs = 0;
    };
    std::map<std::string, Tally> byName;
    std::int64_t allSelf = 0;
    for (const auto& [track, ops] : spansByTrack(snapshot, "op")) {
        // A stack of open ops: each span's duration leaves its parent's self time.
        std::vector<std::pair<const TraceEvent*, std::int64_t>> open;  // span, self so far
        auto close = [&](std::size_t keep) {
            while (open.size() > keep) {
                Tally& t = byName[open.back().first->name];
                t.selfNs += std::max<std::int64_t>(0, open.back().second);
                allSelf += std::max<std::int64_t>(0, open.back().second);
                open.pop_back();
            }
        };
        for (const TraceEvent* e : ops) {
            std::size_t keep = open.size();
            while (keep > 0 && e->startNs >= endOf(*open[keep - 1].first)) --keep;
            close(keep);
            if (!open.empty()) open.back().second -= e->durationNs;
            Tally& t = byName[e->name];
            ++t.count;
            t.totalNs += e->durationNs;
            open.emplace_back(e, e->durationNs);
        }
        close(0);
    }
    std::vector<std::pair<std::string, Tally>> sorted(byName.begin(), byName.end());
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second.selfNs > b.second.selfNs; });
    nlohmann::json out = nlohmann::json::array();
    for (const auto& [name, t] : sorted)
        out.push_back({{"name", name},
                       {"count", t.count},
                       {"total_s", t.totalNs / 1e9},
                       {"self_s", t.selfNs / 1e9},
                       {"mean_s", t.count ? t.totalNs / 1e9 / t.count : 0.0},
                       {"share", ratio(static_cast<double>(t.selfNs), static_cast<double>(allSelf))}});
    return out;
}

std::vector<std::string> inDecoderOrder(std::vector<std::string> firstSeen) {
    static const std::string kSuffix = " resample";
    std::vector<std::string> out;
    for (const std::string& name : firstSeen) {
        const bool resample = name.size() > kSuffix.size() && name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0;
        const std::string stage = resample ? name.substr(0, name.size() - kSuffix.size()) : std::string();
        if (resample && std::find(firstSeen.begin(), firstSeen.end(), stage) != firstSeen.end()) continue;  // placed with its stage
        out.push_back(name);
        if (!resample && std::find(firstSeen.begin(), firstSeen.end(), name + kSuffix) != firstSeen.end())
            out.push_back(name + kSuffix);
    }
    return out;
}

nlohmann::json analyzeCoverage(const TraceStore::Snapshot& snapshot) {
    const auto opsByTrack = spansByTrack(snapshot, "op");
    if (opsByTrack.empty()) return nullptr;
    std::int64_t stageNs = 0, coveredNs = 0, gaps = 0;
    std::map<std::string, std::pair<std::int64_t, std::int64_t>> byStage;  // name -> (stage, covered)
    std::vector<std::string> stageOrder;
    std::map<std::string, std::int64_t> gapBefore;
    for (const auto& [track, stages] : spansByTrack(snapshot, "stage")) {
        const auto it = opsByTrack.find(track);
        const std::vector<const TraceEvent*> ops = it == opsByTrack.end() ? std::vector<const TraceEvent*>{} : topLevel(it->second);
        for (const TraceEvent* stage : stages) {
            std::int64_t covered = 0, cursor = stage->startNs;
            auto first = std::lower_bound(ops.begin(), ops.end(), stage->startNs,
                                          [](const TraceEvent* op, std::int64_t t) { return endOf(*op) <= t; });
            for (auto op = first; op != ops.end() && (*op)->startNs < endOf(*stage); ++op) {
                const std::int64_t a = std::max((*op)->startNs, stage->startNs), b = std::min(endOf(**op), endOf(*stage));
                if (a > cursor) {
                    gapBefore[(*op)->name] += a - cursor;
                    ++gaps;
                }
                if (b > a) covered += b - a;
                cursor = std::max(cursor, b);
            }
            if (endOf(*stage) > cursor) {
                gapBefore["(end of stage)"] += endOf(*stage) - cursor;
                ++gaps;
            }
            stageNs += stage->durationNs;
            coveredNs += covered;
            if (!byStage.count(stage->name)) stageOrder.push_back(stage->name);
            byStage[stage->name].first += stage->durationNs;
            byStage[stage->name].second += covered;
        }
    }
    nlohmann::json stagesJson = nlohmann::json::array();
    for (const std::string& name : inDecoderOrder(stageOrder))
        stagesJson.push_back({{"name", name}, {"share", ratio(byStage[name].second, byStage[name].first)}});
    std::vector<std::pair<std::string, std::int64_t>> before(gapBefore.begin(), gapBefore.end());
    std::sort(before.begin(), before.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    nlohmann::json beforeJson = nlohmann::json::array();
    for (std::size_t i = 0; i < before.size() && i < 8; ++i)
        beforeJson.push_back({{"op", before[i].first}, {"s", before[i].second / 1e9}});
    return {{"stage_s", stageNs / 1e9},
            {"covered_s", coveredNs / 1e9},
            {"share", ratio(static_cast<double>(coveredNs), static_cast<double>(stageNs))},
            {"uncovered_s", (stageNs - coveredNs) / 1e9},
            {"gaps", gaps},
            {"by_stage", std::move(stagesJson)},
            {"uncovered_before", std::move(beforeJson)},
            {"note",
             "uncovered stage time is host code between ATen ops: the engine's own C++ (tensor views, causal "
             "history, progress and trace bookkeeping) and the profiler's per-op cost; uncovered_before groups it "
             "by the op that follows each gap"}};
}

std::string memoryCounterKey(int pid, const std::string& name) {
    return pid == 0 ? name : name + "@" + std::to_string(pid);
}

std::pair<int, std::string> parseMemoryCounterKey(const std::string& key) {
    const std::size_t at = key.rfind('@');
    if (at == std::string::npos || at + 1 == key.size() ||
        key.find_first_not_of("0123456789", at + 1) != std::string::npos || key.size() - at > 10)
        return {0, key};
    return {std::stoi(key.substr(at + 1)), key.substr(0, at)};
}

nlohmann::json analyzeMemory(const TraceStore::Snapshot& snapshot) {
    const std::int64_t origin = traceOriginNs(snapshot);
    std::map<std::string, nlohmann::json> out;
    for (const TraceEvent& e : snapshot.events) {
        if (e.kind != TraceEvent::Kind::Counter || e.category != "memory") continue;
        nlohmann::json& m = out[memoryCounterKey(e.pid, e.name)];
        if (m.is_null()) m = {{"pid", e.pid}, {"peak_bytes", -1.0}, {"samples", 0}};
        m["samples"] = m["samples"].get<std::int64_t>() + 1;
        if (e.value > m["peak_bytes"].get<double>()) {
            m["peak_bytes"] = e.value;
            m["peak_time_s"] = (e.startNs - origin) / 1e9;
            m.erase("op");
            m.erase("inner_op");
            if (const std::string* op = e.arg("op")) m["op"] = *op;
            if (const std::string* op = e.arg("inner_op")) m["inner_op"] = *op;
        }
    }
    nlohmann::json json = nlohmann::json::object();
    for (auto& [key, m] : out) {
        m["peak_bytes"] = static_cast<std::int64_t>(m["peak_bytes"].get<double>());
        json[key] = std::move(m);
    }
    return json;
}

nlohmann::json analyzeFlops(const TraceStore::Snapshot& snapshot, const FlopBasis& basis) {
    const double peakFlops = basis.peakFlops;
    const bool stageTimeIsHostTime = basis.stageTimeIsHostTime;
    std::string peakNote = basis.peakNote;
    bool beyondPeak = false;
    const auto opsByTrack = spansByTrack(snapshot, "op");
    double total = 0;
    struct StageTally {
        double flops = 0;
        std::int64_t ns = 0;
        double reachable = 0;  // FLOPs the peak allows in the stage's spans: seconds x track's peak
    };
    std::map<std::string, StageTally> byStage;
    std::vector<std::string> stageOrder;
    auto flopsOf = [](const TraceEvent& e) {
        const std::string* f = e.arg("flops");
        return f ? std::strtod(f->c_str(), nullptr) : 0.0;
    };
    for (const auto& [track, ops] : opsByTrack)
        for (const TraceEvent* op : ops) total += flopsOf(*op);
    for (const auto& [track, stages] : spansByTrack(snapshot, "stage")) {
        const auto it = opsByTrack.find(track);
        for (const TraceEvent* stage : stages) {
            if (!byStage.count(stage->name)) stageOrder.push_back(stage->name);
            auto& s = byStage[stage->name];
            s.ns += stage->durationNs;
            const bool mainTrack = track.first == 0 && track.second == 0;
            s.reachable += stage->durationNs / 1e9 * peakFlops * (mainTrack ? 1.0 : basis.workerShare);
            if (it == opsByTrack.end()) continue;
            const std::vector<const TraceEvent*>& ops = it->second;
            auto op = std::lower_bound(ops.begin(), ops.end(), stage->startNs,
                                       [](const TraceEvent* o, std::int64_t t) { return o->startNs < t; });
            for (; op != ops.end() && (*op)->startNs < endOf(*stage); ++op)
                if (endOf(**op) <= endOf(*stage)) s.flops += flopsOf(**op);
        }
    }
    auto ofPeak = [&beyondPeak](double rate, double peak) {
        if (!(peak > 0)) return nlohmann::json(nullptr);
        if (rate > peak) {
            beyondPeak = true;
            return nlohmann::json(nullptr);
        }
        return nlohmann::json(rate / peak);
    };
    nlohmann::json stages = nlohmann::json::array();
    for (const std::string& name : inDecoderOrder(stageOrder)) {
        const StageTally& s = byStage[name];
        const double rate = ratio(s.flops, s.ns / 1e9);
        const nlohmann::json shown = stageTimeIsHostTime ? nlohmann::json(nullptr) : nlohmann::json(rate);
        // Against the peak its spans' tracks could reach: a worker's share, or the whole.
        const double stagePeak = s.ns > 0 ? s.reachable / (s.ns / 1e9) : 0.0;
        stages.push_back({{"name", name}, {"flops", s.flops}, {"total_s", s.ns / 1e9}, {"flops_per_s", shown},
                          {"fraction_of_peak", stageTimeIsHostTime ? nlohmann::json(nullptr) : ofPeak(rate, stagePeak)}});
    }
    const double rate = ratio(total, basis.runSeconds);
    nlohmann::json fraction = ofPeak(rate, peakFlops);
    if (beyondPeak)
        peakNote += std::string(peakNote.empty() ? "" : "; ") +
                    (basis.peakMeasured ? "the run went faster than this measured rate (the probe's calls were slowed, say by "
                                          "other work on the cores): fractions above 100 % are not shown"
                                        : "the run's FLOP rate exceeds this figure, so the FLOP count or the figure is wrong: "
                                          "fractions above 100 % are not shown");
    std::string stageRates = "stage FLOPs over stage time";
    if (basis.workerShare < 1.0)
        stageRates += " (summed over concurrent workers); a tile worker's stages against its share of the peak (" +
                      std::to_string(static_cast<int>(basis.workerShare * 100 + 0.5)) + " %)";
    return {{"total", total},
            {"stage_rates", stageTimeIsHostTime ? "none: stage spans time the host's asynchronous CUDA launches, not GPU work"
                                                : stageRates},
            {"run_s", basis.runSeconds},
            {"flops_per_s", rate},
            {"peak_flops_per_s", peakFlops > 0 ? nlohmann::json(peakFlops) : nlohmann::json(nullptr)},
            {"peak_note", peakNote},
            {"fraction_of_peak", fraction},
            {"by_stage", std::move(stages)}};
}

}  // namespace ts
