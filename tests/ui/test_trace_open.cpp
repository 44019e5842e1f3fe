// File > Open Trace: a trace written by tilescope-cli --trace (here: by the same writer,
// with a CPU launch, the kernel it started and the flow between them) shown in a
// MainWindow's timeline with the flow bound to both spans, its settings and numbers read
// back from the CLI's metadata, File > Export writing it again; a file that is not a
// trace is refused with a message naming it and leaves the views as they were.
#include "export_controller.h"
#include "main_window.h"
#include "run_reopener.h"
#include "trace_feed.h"
#include "trace_importer.h"

#include "report/chrome_trace_writer.h"
#include "test_support.h"

#include <nlohmann/json.hpp>

#include <QAction>
#include <QFile>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace tsui;

namespace {

using ts::test::traceEvent;

nlohmann::json cliMetadata() {
    return {{"tool", "tilescope-cli"},
            {"run",
             {{"device", "cuda"},
              {"precision", "bf16"},
              {"tiling_run", "exact"},
              {"tile_run", 256},
              {"workers", 2},
              {"wall_s", 2.93},
              {"decode_s", 2.77},
              {"macs", 165683081681280.0},
              {"video_shape", {3, 81, 480, 832}},
              {"settings", {{"overlap", 32}, {"streams", "2"}, {"opt", "pad-in-place,fused-norm"}}}}}};
}

}  // namespace

class TestTraceOpen : public QObject {
    Q_OBJECT
private:
    QTemporaryDir dir_;

    static bool openAndWait(MainWindow& w, const QString& path) {
        QSignalSpy shown(w.reopener(), &RunReopener::reopened);
        return w.openTrace(path) && shown.wait(20000);
    }

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(dir_.isValid());
    }

    void showsTheTraceWithItsFlowsAndNumbers() {
        ts::TraceStore store;
        store.nameTrack(0, 0, "main");
        store.nameTrack(1, 7, "CUDA stream 7");
        store.append(traceEvent(ts::TraceEvent::Kind::Span, "decode", "run", 0, 0, 1'000'000, 5'000'000));
        store.append(traceEvent(ts::TraceEvent::Kind::Span, "cudaLaunchKernel", "runtime", 0, 0, 2'000'000, 10'000));
        ts::TraceEvent from = traceEvent(ts::TraceEvent::Kind::FlowStart, "launch", "flow", 0, 0, 2'000'000);
        from.flowId = 99;
        store.append(from);
        store.append(traceEvent(ts::TraceEvent::Kind::Span, "normSiluVectorised", "kernel", 1, 7, 2'050'000, 130'000));
        ts::TraceEvent to = traceEvent(ts::TraceEvent::Kind::FlowEnd, "launch", "flow", 1, 7, 2'050'000);
        to.flowId = 99;
        store.append(to);
        ts::TraceEvent allocated = traceEvent(ts::TraceEvent::Kind::Counter, "allocated_bytes", "memory", 1, 0, 2'060'000);
        allocated.value = 2.45 * 1073741824.0;
        store.append(allocated);
        const QString path = dir_.filePath(QStringLiteral("h100 run.json.gz"));
        ts::writeChromeTrace(path.toStdString(), store.snapshot(), cliMetadata());

        MainWindow w(nullptr, dir_.filePath(QStringLiteral("history.json")));
        QAction* open = w.menuBar()->findChild<QAction*>(QStringLiteral("openTrace"));
        QVERIFY(open);
        QCOMPARE(open->shortcut(), QKeySequence(QKeySequence::Open));
        QVERIFY(openAndWait(w, path));

        QVERIFY(w.reopener()->isShowing());
        const QString banner = w.reopener()->bannerText();
        QVERIFY2(banner.contains(QStringLiteral("Trace file")) && banner.contains(QStringLiteral("h100 run.json.gz")) &&
                     banner.contains(QStringLiteral("cuda bf16 exact 256/32 px")),
                 qPrintable(banner));
        QVERIFY2(w.resultLabel()->text().contains(QStringLiteral("Decoded 81 frames")), qPrintable(w.resultLabel()->text()));
        QCOMPARE(w.titleText(), QStringLiteral("Trace file: h100 run.json.gz"));
        QVERIFY2(w.statusText().contains(QStringLiteral("3 timeline spans")), qPrintable(w.statusText()));
        QCOMPARE(w.frameCount(), 0);

        // The flow joins the launch and the kernel, as CUPTI recorded them.
        const TimelineIndex& index = w.traceFeed()->index();
        QCOMPARE(index.spanCount(), std::size_t(3));
        QCOMPARE(index.flows().completeCount(), std::size_t(1));
        std::int64_t kernel = -1, launch = -1;
        for (std::uint32_t i = 0; i < index.spanCount(); ++i) {
            const std::string& name = index.name(index.record(i).name);
            if (name == "normSiluVectorised") kernel = i;
            if (name == "cudaLaunchKernel") launch = i;
        }
        QVERIFY(kernel >= 0 && launch >= 0);
        const std::vector<TimelineFlow> flows = index.flows().of(index, static_cast<std::uint32_t>(kernel));
        QCOMPARE(flows.size(), std::size_t(1));
        QCOMPARE(flows[0].fromRecord, launch);
        QCOMPARE(flows[0].toRecord, kernel);
        QCOMPARE(flows[0].toNs - flows[0].fromNs, std::int64_t(50'000));

        // File > Export writes the trace it shows.
        QSignalSpy exported(w.exporter(), &ExportController::exported);
        const QString again = dir_.filePath(QStringLiteral("again.json"));
        QVERIFY(w.exporter()->exportTo(ExportFormat::ChromeTrace, again));
        QVERIFY(exported.wait(20000));
        QFile f(again);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const nlohmann::json j = nlohmann::json::parse(f.readAll().toStdString());
        std::size_t events = 0;
        for (const auto& e : j["traceEvents"])
            if (e.value("ph", "") != "M") ++events;
        QCOMPARE(events, std::size_t(6));
    }

    void aFileThatIsNotATraceIsRefusedByName() {
        const QString path = dir_.filePath(QStringLiteral("notes.txt"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("these are my notes, not a trace\n");
        f.close();
        MainWindow w(nullptr, dir_.filePath(QStringLiteral("history2.json")));
        QSignalSpy failed(w.traceImporter(), &TraceImporter::failed);
        const QString idle = w.progressBar()->format();
        QVERIFY(w.openTrace(path));
        // While it reads, the bar says so (the status line gives way to the next message).
        QCOMPARE(w.progressBar()->maximum(), 0);
        QCOMPARE(w.progressBar()->format(), QStringLiteral("Reading trace…"));
        QVERIFY(failed.wait(20000));
        QCOMPARE(w.progressBar()->format(), idle);  // put back as it was
        QVERIFY(w.progressBar()->maximum() > 0);
        QVERIFY2(w.statusText().contains(QStringLiteral("notes.txt")) && w.statusText().contains(QStringLiteral("not JSON")),
                 qPrintable(w.statusText()));
        // And in a box that stays until read: the status line is replaced by the next message.
        auto* box = w.findChild<QMessageBox*>(QStringLiteral("openTraceErrorBox"));
        QVERIFY(box);
        QVERIFY2(box->informativeText().contains(QStringLiteral("notes.txt")), qPrintable(box->informativeText()));
        QVERIFY(!w.reopener()->isShowing());
        QCOMPARE(w.traceFeed()->index().spanCount(), std::size_t(0));
    }

    // A pipe is refused at once: reading it blocked the reader thread for ever, and the
    // window's exit with it. A trace without one showable event is refused, not shown
    // as an empty run.
    void pipesAndEmptyTracesAreRefused() {
        const QString pipe = dir_.filePath(QStringLiteral("pipe.json"));
        QCOMPARE(::mkfifo(pipe.toLocal8Bit().constData(), 0600), 0);
        const QString empty = dir_.filePath(QStringLiteral("empty.json"));
        QFile f(empty);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"traceEvents":[{"ph":"B","name":"x","ts":1,"pid":1,"tid":1}]})");
        f.close();
        MainWindow w(nullptr, dir_.filePath(QStringLiteral("history-pipe.json")));
        for (const auto& [path, why] : {std::pair{pipe, QStringLiteral("not a regular file")},
                                        std::pair{empty, QStringLiteral("holds no events the timeline can show (1 skipped)")}}) {
            QSignalSpy failed(w.traceImporter(), &TraceImporter::failed);
            QVERIFY(w.openTrace(path));
            QVERIFY(failed.wait(10000));
            const QString error = failed.first().at(1).toString();
            QVERIFY2(error.startsWith(path + QStringLiteral(": ")) && error.contains(why), qPrintable(error));
        }
    }

    // Events the reader leaves out are said in the banner over the shown trace.
    void skippedEventsAreNamedWhereTheTraceIsShown() {
        const QString path = dir_.filePath(QStringLiteral("partial.json"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"traceEvents":[{"ph":"X","name":"decode","cat":"run","ts":0,"dur":5,"pid":1,"tid":1},)"
                R"({"ph":"B","name":"x","ts":1,"pid":1,"tid":1}]})");
        f.close();
        MainWindow w(nullptr, dir_.filePath(QStringLiteral("history-partial.json")));
        QVERIFY(openAndWait(w, path));
        QVERIFY2(w.reopener()->bannerText().contains(QStringLiteral("Note: 1 events of ") + path + QStringLiteral(" were skipped")),
                 qPrintable(w.reopener()->bannerText()));
    }

    void oneReadAtATime() {
        // Each read holds a whole trace in memory: a second Open while one is read is
        // refused (deterministically: the first answer needs the event loop to arrive).
        ts::TraceStore store;
        store.append(traceEvent(ts::TraceEvent::Kind::Span, "decode", "run", 0, 0, 0, 1000));
        const QString path = dir_.filePath(QStringLiteral("one.json"));
        ts::writeChromeTrace(path.toStdString(), store.snapshot(), nlohmann::json::object());
        MainWindow w(nullptr, dir_.filePath(QStringLiteral("history3.json")));
        QSignalSpy shown(w.reopener(), &RunReopener::reopened);
        QVERIFY(w.openTrace(path));
        QVERIFY(w.traceImporter()->isBusy());
        QVERIFY(!w.openTrace(path));
        QVERIFY2(w.statusText().contains(QStringLiteral("still reading")), qPrintable(w.statusText()));
        QVERIFY(shown.wait(20000));
        QVERIFY(!w.traceImporter()->isBusy());
        QVERIFY(openAndWait(w, path));  // and the next one is taken
    }

    void recordFallsBackWithoutCliMetadata() {
        const RunRecord r = recordOfTrace(QStringLiteral("/tmp/other.json"), nlohmann::json());
        QCOMPARE(r.latents, QStringLiteral("other.json"));
        QCOMPARE(r.status, QStringLiteral("done"));
        QCOMPARE(r.frames, 0);
        QCOMPARE(r.streams, 1);
        // Fields of other types or out of range keep their defaults rather than overflow.
        nlohmann::json odd = cliMetadata();
        odd["run"]["workers"] = 1e12;
        odd["run"]["tile_run"] = 2.5;
        odd["run"]["macs"] = 1e300;
        odd["run"]["video_shape"] = {3, 1e40, 480, 832};
        const RunRecord o = recordOfTrace(QStringLiteral("/tmp/odd.json"), odd);
        QCOMPARE(o.streams, 2);  // from settings.streams ("2")
        QCOMPARE(o.tilePx, 0);   // settings has no tile
        QCOMPARE(o.macs, std::int64_t(0));
        QCOMPARE(o.frames, 0);
        const RunRecord c = recordOfTrace(QStringLiteral("/tmp/run.json"), cliMetadata());
        QCOMPARE(c.device, QStringLiteral("cuda"));
        QCOMPARE(c.tiling, QStringLiteral("exact"));
        QCOMPARE(c.tilePx, 256);
        QCOMPARE(c.overlapPx, 32);
        QCOMPARE(c.streams, 2);
        QCOMPARE(c.frames, 81);
        QCOMPARE(c.graphOptions, QStringLiteral("pad-in-place,fused-norm"));
        QCOMPARE(c.decodeSeconds, 2.77);
    }
};

QTEST_MAIN(TestTraceOpen)
#include "test_trace_open.moc"
