// The profile analysis, HTML report and run diff on numbers known by construction: a
// synthetic trace (stages with ops of known durations, FLOPs and allocations) gives
// exact self times, coverage, peak with its op and FLOP/s against a given peak; the HTML
// report is one offline document with an <svg> per plot whose numbers are the summary's;
// two summaries diff to the known changes, largest first; the CLI writes a report and
// diffs two real summaries.
#include "profile/trace_store.h"
#include "report/html_report_writer.h"
#include "report/svg_plot.h"
#include "report/profile_analysis.h"
#include "report/run_summary.h"
#include "report/summary_diff.h"
#include "test_support.h"
#include "cli_runner.h"  // after ATen: Qt's keyword macros break its headers

#include <ATen/ATen.h>

#include <QTemporaryDir>
#include <QtTest>

#include <regex>

using namespace ts;
using nlohmann::json;

namespace {

const std::string kData = TILESCOPE_TEST_DATA;
constexpr std::int64_t kMs = 1000000;

TraceEvent span(const std::string& name, const std::string& cat, std::int64_t tid, std::int64_t startMs, std::int64_t durMs,
                std::vector<std::pair<std::string, std::string>> args = {}) {
    TraceEvent e;
    e.name = name;
    e.category = cat;
    e.tid = tid;
    e.startNs = startMs * kMs;
    e.durationNs = durMs * kMs;
    e.args = std::move(args);
    return e;
}

TraceEvent counter(const std::string& name, std::int64_t atMs, double value, std::string op = "") {
    TraceEvent e;
    e.kind = TraceEvent::Kind::Counter;
    e.name = name;
    e.category = "memory";
    e.startNs = atMs * kMs;
    e.value = value;
    if (!op.empty()) e.args = {{"op", op}};
    return e;
}

// run 0..100 ms; stage A 10..50 with conv3d 10..40 (nested convolution 12..38, 3 GFLOP)
// and add 42..46; stage B 50..90 with mm 50..90 (1 GFLOP). Allocations peak at 30 ms in
// conv3d with 300 MiB; RSS sampled twice.
TraceStore::Snapshot syntheticRun() {
    TraceStore store;
    store.append(span("decode", "run", 0, 0, 100));
    store.append(span("stage A", "stage", 0, 10, 40));
    store.append(span("aten::conv3d", "op", 0, 10, 30, {{"flops", "3000000000"}}));
    store.append(span("aten::convolution", "op", 0, 12, 26));
    store.append(span("aten::add", "op", 0, 42, 4));
    store.append(span("stage B", "stage", 0, 50, 40));
    store.append(span("aten::mm", "op", 0, 50, 40, {{"flops", "1000000000"}}));
    store.append(counter("allocated_bytes", 11, 100 << 20, "aten::conv3d"));
    store.append(counter("allocated_bytes", 30, 300 << 20, "aten::conv3d"));
    store.append(counter("allocated_bytes", 60, 200 << 20, "aten::mm"));
    store.append(counter("rss_bytes", 5, 500 << 20));
    store.append(counter("rss_bytes", 70, 800 << 20));
    return store.snapshot();
}

json syntheticSummary() { return summarizeRun(syntheticRun(), {{"peak", {{"flops_per_s", 1e11}}}, {"video_shape", {3, 5, 64, 96}}}); }

const json* opNamed(const json& ops, const std::string& name) {
    for (const json& o : ops)
        if (o["name"] == name) return &o;
    return nullptr;
}

int count(const std::string& text, const std::string& what) {
    int n = 0;
    for (std::size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
    return n;
}

// Parse-level checks every report must pass.
void checkDocument(const std::string& html) {
    QCOMPARE(count(html, "<!DOCTYPE html>"), 1);
    QCOMPARE(count(html, "<html"), 1);
    QCOMPARE(count(html, "</html>"), 1);
    QCOMPARE(count(html, "<svg"), count(html, "</svg>"));
    QVERIFY(html.find("http://") == std::string::npos && html.find("https://") == std::string::npos);
    QVERIFY(html.find("<script src") == std::string::npos && html.find("<link") == std::string::npos);
}

}  // namespace

class TestProfileReport : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;

private Q_SLOTS:
    void opsGetSelfTimesThatSumToOne() {
        const json ops = syntheticSummary()["ops"];
        QCOMPARE(ops[0]["name"].get<std::string>(), std::string("aten::mm"));  // largest self time first
        const json* conv3d = opNamed(ops, "aten::conv3d");
        QVERIFY(conv3d);
        QCOMPARE((*conv3d)["total_s"].get<double>(), 0.030);
        QCOMPARE((*conv3d)["self_s"].get<double>(), 0.004);  // 30 - 26 ms of nested convolution
        QCOMPARE((*opNamed(ops, "aten::convolution"))["self_s"].get<double>(), 0.026);
        double share = 0;
        for (const json& o : ops) share += o["share"].get<double>();
        QVERIFY(std::abs(share - 1.0) < 1e-12);
        QVERIFY(std::abs((*opNamed(ops, "aten::mm"))["share"].get<double>() - 40.0 / 74.0) < 1e-12);
    }

    void coverageSaysWhereTheRestGoes() {
        const json c = syntheticSummary()["coverage"];
        QCOMPARE(c["stage_s"].get<double>(), 0.080);
        QVERIFY(std::abs(c["covered_s"].get<double>() - 0.074) < 1e-12);  // 30 + 4 + 40 ms
        QVERIFY(std::abs(c["share"].get<double>() - 74.0 / 80.0) < 1e-12);
        QCOMPARE(c["gaps"].get<int>(), 2);  // 40..42 before add, 46..50 at the end of A
        QCOMPARE(c["uncovered_before"][0]["op"].get<std::string>(), std::string("(end of stage)"));
        QVERIFY(std::abs(c["uncovered_before"][0]["s"].get<double>() - 0.004) < 1e-12);
        QCOMPARE(c["by_stage"][1]["share"].get<double>(), 1.0);  // stage B is all mm
    }

    void memoryPeakHasItsTimeAndOp() {
        const json m = syntheticSummary()["memory"];
        QCOMPARE(m["allocated_bytes"]["peak_bytes"].get<std::int64_t>(), std::int64_t{300 << 20});
        QVERIFY(std::abs(m["allocated_bytes"]["peak_time_s"].get<double>() - 0.030) < 1e-12);  // origin: the run span at 0
        QCOMPARE(m["allocated_bytes"]["op"].get<std::string>(), std::string("aten::conv3d"));
        QCOMPARE(m["rss_bytes"]["peak_bytes"].get<std::int64_t>(), std::int64_t{800 << 20});
        QCOMPARE(m["rss_bytes"]["samples"].get<int>(), 2);
    }

    void flopRatesPerStageAndRunAgainstPeak() {
        const json f = syntheticSummary()["flops"];
        QCOMPARE(f["total"].get<double>(), 4e9);
        QVERIFY(std::abs(f["flops_per_s"].get<double>() - 4e10) < 1);  // 4 GFLOP in 100 ms
        QVERIFY(std::abs(f["fraction_of_peak"].get<double>() - 0.4) < 1e-12);
        QCOMPARE(f["by_stage"][0]["name"].get<std::string>(), std::string("stage A"));
        QVERIFY(std::abs(f["by_stage"][0]["flops_per_s"].get<double>() - 7.5e10) < 1);  // 3 GFLOP in 40 ms
        QVERIFY(std::abs(f["by_stage"][1]["fraction_of_peak"].get<double>() - 0.25) < 1e-12);
    }

    // A bf16 run on a GPU: against the bf16 peak, not fp32's (an H200 bf16 run read 82 %
    // of the fp32 peak, 5.6 % of its own); stage rates withheld, since CUDA stage spans
    // time the host's launches (the same H200 run showed stages at 600 % of peak).
    void gpuRunsUseThePrecisionsPeakAndNoHostTimedStageRates() {
        const json run{{"device", "cuda"},
                       {"precision", "bf16"},
                       {"peak", {{"flops_per_s", 1e11}, {"bf16_flops_per_s", 4e11}}},
                       {"video_shape", {3, 5, 64, 96}}};
        const json f = summarizeRun(syntheticRun(), run)["flops"];
        QCOMPARE(f["peak_flops_per_s"].get<double>(), 4e11);
        QVERIFY(std::abs(f["fraction_of_peak"].get<double>() - 0.1) < 1e-12);
        QVERIFY(f["by_stage"][0]["fraction_of_peak"].is_null());
        QVERIFY(f["by_stage"][0]["flops_per_s"].is_null());
        QCOMPARE(f["by_stage"][0]["flops"].get<double>(), 3e9);  // the work is still counted
        QVERIFY(f["stage_rates"].get<std::string>().find("host") != std::string::npos);
        json fp32 = run;
        fp32["precision"] = "fp32";
        fp32["device"] = "cpu";
        const json g = summarizeRun(syntheticRun(), fp32)["flops"];
        QCOMPARE(g["peak_flops_per_s"].get<double>(), 1e11);
        QVERIFY(std::abs(g["by_stage"][1]["fraction_of_peak"].get<double>() - 0.25) < 1e-12);
    }

    // The rate's time is the decode's (decode_s), as every other place that shows it; the
    // run span also holds placing the weights. A stage on a tile worker's track is held
    // against that worker's share of the peak (its threads of the probe's), one on the main
    // track (exact tiling's prefix, which uses every thread) against the whole.
    void flopRateUsesDecodeTimeAndWorkersShareThePeak() {
        TraceStore::Snapshot snap = syntheticRun();
        for (TraceEvent& e : snap.events)
            if (e.name == "stage B" || e.name == "aten::mm") e.tid = 7;  // a tile worker's track
        const json run{{"peak", {{"flops_per_s", 1e11}, {"threads", 2}}}, {"decode_s", 0.08}, {"workers", 2},
                       {"threads_per_worker", 1}, {"video_shape", {3, 5, 64, 96}}};
        const json f = summarizeRun(snap, run)["flops"];
        QVERIFY(std::abs(f["flops_per_s"].get<double>() - 5e10) < 1);  // 4 GFLOP in 80 ms, not the span's 100
        QCOMPARE(f["run_s_from"].get<std::string>(), std::string("decode_s"));
        QVERIFY(std::abs(f["by_stage"][0]["fraction_of_peak"].get<double>() - 0.75) < 1e-12);  // main: 7.5e10 of 1e11
        QVERIFY(std::abs(f["by_stage"][1]["fraction_of_peak"].get<double>() - 0.5) < 1e-12);   // worker: 2.5e10 of 5e10
        QVERIFY(f["stage_rates"].get<std::string>().find("share of the peak (50 %)") != std::string::npos);
        QVERIFY(f["peak_note"].get<std::string>().find("measured") != std::string::npos);
    }

    // Frame-split's per-frame resample is first seen after the stages it sits between (the
    // first latent frame has none): listed after its own stage.
    void resampleStagesFollowTheirStage() {
        const std::vector<std::string> order =
            ts::inDecoderOrder({"prefix", "up stage 1", "up stage 2", "head", "up stage 2 resample", "lone resample"});
        const std::vector<std::string> want{"prefix", "up stage 1", "up stage 2", "up stage 2 resample", "head", "lone resample"};
        QVERIFY(order == want);
    }

    // Memory counter keys: the host's bare, a device's with "@pid"; parsed back, and a name
    // that only contains an "@" stays the host's.
    void memoryCounterKeysRoundTrip() {
        QCOMPARE(ts::memoryCounterKey(0, "rss_bytes"), std::string("rss_bytes"));
        QCOMPARE(ts::memoryCounterKey(2, "allocated_bytes"), std::string("allocated_bytes@2"));
        QVERIFY(ts::parseMemoryCounterKey("allocated_bytes@2") == std::make_pair(2, std::string("allocated_bytes")));
        QVERIFY(ts::parseMemoryCounterKey("rss_bytes") == std::make_pair(0, std::string("rss_bytes")));
        QVERIFY(ts::parseMemoryCounterKey("a@b") == std::make_pair(0, std::string("a@b")));
        QVERIFY(ts::parseMemoryCounterKey("a@99999999999") == std::make_pair(0, std::string("a@99999999999")));
    }

    // Each run is held against the ceiling of its own arithmetic, or none.
    void peakMatchesTheRunsArithmetic() {
        json tf32{{"device", "cuda"}, {"precision", "fp32"}, {"settings", {{"tf32", true}}},
                  {"peak", {{"device", "H100"}, {"flops_per_s", 1e11}, {"bf16_flops_per_s", 4e11}, {"tf32_flops_per_s", 2e11}}}};
        QCOMPARE(summarizeRun(syntheticRun(), tf32)["flops"]["peak_flops_per_s"].get<double>(), 2e11);
        tf32["settings"]["tf32"] = false;
        QCOMPARE(summarizeRun(syntheticRun(), tf32)["flops"]["peak_flops_per_s"].get<double>(), 1e11);
        // The CPU's ceiling is a measured fp32 GEMM: a bf16 CPU run gets none, and says why.
        const json cpuBf16{{"device", "cpu"}, {"precision", "bf16"}, {"peak", {{"flops_per_s", 1e11}}}};
        const json f = summarizeRun(syntheticRun(), cpuBf16)["flops"];
        QVERIFY(f["peak_flops_per_s"].is_null() && f["fraction_of_peak"].is_null());
        QVERIFY(f["peak_note"].get<std::string>().find("none for bf16") != std::string::npos);
    }

    // A measured ceiling that the run beat was measured low (the probe ran beside other
    // work): no "140 % of peak", and the note says why the fraction is missing.
    void aCeilingTheRunBeatIsNotUsed() {
        const json run{{"device", "cpu"}, {"peak", {{"flops_per_s", 3e10}}}};  // run 4e10, stage A 7.5e10
        const json f = summarizeRun(syntheticRun(), run)["flops"];
        QVERIFY(f["fraction_of_peak"].is_null());
        QVERIFY(f["by_stage"][0]["fraction_of_peak"].is_null());
        QVERIFY(std::abs(f["by_stage"][1]["fraction_of_peak"].get<double>() - 2.5e10 / 3e10) < 1e-12);  // under it: kept
        QVERIFY(f["peak_note"].get<std::string>().find("went faster than this measured rate") != std::string::npos);
        // Beyond a data sheet's figure the count or the figure is wrong, not the machine busy.
        const json gpu{{"device", "cuda"}, {"peak", {{"device", "H100"}, {"flops_per_s", 3e10}}}};
        QVERIFY(summarizeRun(syntheticRun(), gpu)["flops"]["peak_note"].get<std::string>().find("the FLOP count or the figure is wrong") !=
                std::string::npos);
    }

    void htmlReportIsOneOfflineDocumentWithTheSummaryNumbers() {
        const TraceStore::Snapshot snap = syntheticRun();
        const json summary = syntheticSummary();
        const at::Tensor frame = at::zeros({3, 8, 8}).uniform_(-1, 1);
        const std::string html = htmlReport(snap, summary, {{0, frame}, {4, frame}});
        checkDocument(html);
        // Stage bars, tensor and process memory plots, op bars, tile grid: one <svg> each.
        QCOMPARE(count(html, "<svg"), 5);
        QCOMPARE(count(html, "class=\"peak\""), 2);  // allocated and RSS peaks marked
        QCOMPARE(count(html, "data:image/png;base64,iVBORw0KGgo"), 2);  // PNG signature
        QVERIFY(html.find("<b id=\"total\">" + reportNumber(0.1) + " s</b>") != std::string::npos);
        QVERIFY(html.find(reportNumber(40.0) + "%</b> of peak") != std::string::npos);
        QVERIFY(html.find("<b id=\"coverage\">" + reportNumber(100.0 * 74 / 80) + "%</b>") != std::string::npos);
        QVERIFY(html.find("300.0 MiB in aten::conv3d") != std::string::npos);
        QVERIFY(html.find(reportNumber(75.0) + " GFLOP/s") != std::string::npos);  // stage A
        QCOMPARE(base64("TileScope"), std::string("VGlsZVNjb3Bl"));
        QCOMPARE(base64("ab"), std::string("YWI="));
    }

    void peakLabelsAtOneMomentGetTheirOwnLines() {
        // Two counters peaking at the run's end (RSS and heap in use did) used to print their
        // labels over each other on one line.
        const svg::Series a{"a", "#000", {{0.0, 1.0}, {1.0, 5.0}}}, b{"b", "#111", {{0.0, 2.0}, {1.0, 4.0}}};
        const std::string chart = svg::lineChart({a, b}, {{1.0, 5.0, "peak a"}, {1.0, 4.0, "peak b"}}, "plain");
        const auto labelY = [&chart](const std::string& label) {
            const std::size_t end = chart.find(">" + label + "</text>");
            const std::size_t at = chart.rfind(" y=\"", end);
            return end == std::string::npos ? -1.0 : std::stod(chart.substr(at + 4));
        };
        QVERIFY(labelY("peak a") > 0 && labelY("peak b") > 0);
        QVERIFY2(std::abs(labelY("peak a") - labelY("peak b")) >= 12, chart.c_str());  // a line apart
    }

    void diffListsLargestChangesFirst() {
        json b = syntheticSummary();
        b["total_s"] = 0.08;
        b["stages"][1]["total_s"] = 0.02;             // stage B 40 -> 20 ms
        b["ops"][0]["self_s"] = 0.02;                 // aten::mm 40 -> 20 ms
        b["memory"]["allocated_bytes"]["peak_bytes"] = 400 << 20;
        const json d = diffSummaries(syntheticSummary(), b);
        QVERIFY(std::abs(d["total"]["change"].get<double>() + 0.02) < 1e-12);
        QVERIFY(std::abs(d["total"]["change_pct"].get<double>() + 20.0) < 1e-9);
        QCOMPARE(d["time"][0]["change"].get<double>(), -0.02);
        QVERIFY(std::abs(d["time"][0]["change_pct"].get<double>() + 50.0) < 1e-9);
        QCOMPARE(d["time"][2]["change"].get<double>(), 0.0);
        QCOMPARE(d["memory"][0]["name"].get<std::string>(), std::string("allocated_bytes"));
        QCOMPARE(d["memory"][0]["change"].get<double>(), double(100 << 20));
        const std::string text = formatSummaryDiff(d);
        QVERIFY(text.find("-0.0200 s") != std::string::npos && text.find("+100.0 MiB") != std::string::npos);
        QVERIFY(test::expectError([] { diffSummaries(json::object(), json::object(), "a.json"); }).find("a.json: not a run summary") !=
                std::string::npos);
    }

    void cliWritesReportAndDiffsSummaries() {
        QVERIFY(dir_.isValid());
        const auto path = [this](const char* n) { return dir_.filePath(n); };
        QString out;
        for (const char* tile : {"32", "64"}) {
            const QString t(tile);
            const test::CliResult r = test::runCli(
                {"bench", "--vae", QString::fromStdString(kData + "/vae.safetensors"), "--latents",
                 QString::fromStdString(kData + "/case.safetensors"), "--tiling", "exact", "--tile", t, "--threads", "2",
                 "--summary", path("s" + t.toLatin1() + ".json"), "--report", path("r" + t.toLatin1() + ".html")},
                300000);  // profiled: slow on a busy machine
            QVERIFY2(r.exitCode == 0, qPrintable(r.stderrText));
            out = r.stdoutText;
        }
        QVERIFY2(out.contains("\"profile\":{") && out.contains("\"profile_mode\":\"on\""), qPrintable(out));
        const std::string html = test::slurp(path("r32.html").toStdString());
        checkDocument(html);
        QVERIFY(count(html, "<svg") >= 5);
        QCOMPARE(count(html, "data:image/png;base64,"), 4);
        QVERIFY(html.find("<h3>Process memory (sampled)</h3>") != std::string::npos);  // a CPU run: no device line
        const json summary = json::parse(test::slurp(path("s32.json").toStdString()));
        QVERIFY(summary["flops"]["peak_flops_per_s"].get<double>() > 1e8);  // the GEMM probe ran
        // Every product op is in a stage (frame-split's per-frame resample convs included), and
        // the rate is the one bench printed: the same FLOPs over the same decode time.
        const json s64 = json::parse(test::slurp(path("s64.json").toStdString()));
        double staged = 0;
        for (const json& s : s64["flops"]["by_stage"]) staged += s["flops"].get<double>();
        QVERIFY2(std::abs(staged - s64["flops"]["total"].get<double>()) < 1, qPrintable(QString::number(staged)));
        // Handing the frames over has its own span on the main track, outside the decode's time.
        QVERIFY2(s64["categories"].contains("output") && s64["categories"]["output"]["count"].get<int>() >= 1,
                 s64["categories"].dump().c_str());
        const json line = json::parse(out.trimmed().split('\n').last().toStdString());
        QVERIFY2(std::abs(s64["flops"]["flops_per_s"].get<double>() / 1e9 - line["gflops"].get<double>()) < 1e-6 * line["gflops"].get<double>(),
                 qPrintable(out));
        QVERIFY(html.find("<b id=\"total\">" + reportNumber(summary["total_s"].get<double>()) + " s</b>") != std::string::npos);
        QVERIFY(html.find(summary["ops"][0]["name"].get<std::string>()) != std::string::npos);
        const test::CliResult diff = test::runCli({"diff", path("s32.json"), path("s64.json"), "--json"});
        QCOMPARE(diff.exitCode, 0);
        const json d = json::parse(diff.stdoutText.toStdString());
        QVERIFY(d["time"].size() > 5 && d["memory"].size() >= 2);
        for (std::size_t i = 1; i < d["time"].size(); ++i)
            QVERIFY(std::abs(d["time"][i - 1]["change"].get<double>()) >= std::abs(d["time"][i]["change"].get<double>()));
        const test::CliResult oneFile = test::runCli({"diff", path("s32.json")});
        QCOMPARE(oneFile.exitCode, 2);
        QVERIFY2(oneFile.stderrText.contains("expected two summary files"), qPrintable(oneFile.allText()));
        const test::CliResult badSource = test::runCli({"bench", "--profile", "gpu"});
        QCOMPARE(badSource.exitCode, 2);
        QVERIFY2(badSource.stderrText.contains("--profile: unknown source 'gpu'"), qPrintable(badSource.allText()));
    }
};

QTEST_GUILESS_MAIN(TestProfileReport)
#include "test_profile_report.moc"
