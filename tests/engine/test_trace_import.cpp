// Chrome traces read back (report/chrome_trace_reader.h): what tilescope-cli --trace wrote,
// plain or gzip-compressed, comes back as the same events on the same tracks, and files
// that are not traces are refused with a message naming them.
#include "core/error.h"
#include "report/chrome_trace_reader.h"
#include "report/chrome_trace_writer.h"
#include "test_support.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

using namespace ts;

namespace {

TraceEvent span(const char* name, const char* cat, int pid, std::int64_t tid, std::int64_t start, std::int64_t dur) {
    return test::traceEvent(TraceEvent::Kind::Span, name, cat, pid, tid, start, dur);
}

// Every kind of event the recorder makes, on host and device tracks.
void fillSampleTrace(TraceStore& s) {
    s.nameTrack(0, 7, "main");
    s.nameTrack(1, -1, "GPU 0 NVIDIA H100 80GB HBM3");
    s.nameTrack(1, 13, "CUDA stream 13");
    TraceEvent run = span("decode", "run", 0, 7, 1'000'000, 9'000'000);
    run.args = {{"frames", "17"}, {"device", "cuda:0"}, {"gflop", "1.5"}};
    s.append(run);
    TraceEvent launch = span("cudaLaunchKernel", "runtime", 0, 7, 2'000'500, 3'000);
    launch.args = {{"correlation id", "41"}};
    s.append(launch);
    TraceEvent from;
    from.kind = TraceEvent::Kind::FlowStart;
    from.name = "launch";
    from.category = "flow";
    from.tid = 7;
    from.startNs = 2'000'500;
    from.flowId = 41;
    s.append(from);
    TraceEvent kernel = span("normSiluVectorised<__nv_bfloat16>", "kernel", 1, 13, 2'010'000, 132'700);
    kernel.args = {{"grid", "(24960, 1, 1)"}, {"correlation id", "41"}};
    s.append(kernel);
    TraceEvent to = from;
    to.kind = TraceEvent::Kind::FlowEnd;
    to.pid = 1;
    to.tid = 13;
    to.startNs = 2'010'000;
    s.append(to);
    TraceEvent counter;
    counter.kind = TraceEvent::Kind::Counter;
    counter.name = "allocated_bytes";
    counter.category = "memory";
    counter.pid = 1;
    counter.startNs = 2'050'000;
    counter.value = 2634996736.0;
    s.append(counter);
    TraceEvent instant;
    instant.kind = TraceEvent::Kind::Instant;
    instant.name = "retry";
    instant.category = "tile";
    instant.tid = 7;
    instant.startNs = 5'000'000;
    instant.args = {{"tile", "3"}};
    s.append(instant);
    s.note("CUPTI dropped 3 records");
}

}  // namespace

class TestTraceImport : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void roundTripsEveryKind_data() {
        QTest::addColumn<QString>("name");
        QTest::newRow("plain") << "run.json";
        QTest::newRow("gzip") << "run.json.gz";
    }
    void roundTripsEveryKind() {
        QFETCH(QString, name);
        TraceStore original;
        fillSampleTrace(original);
        const TraceStore::Snapshot a = original.snapshot();
        const std::string path = dir_.filePath(name).toStdString();
        writeChromeTrace(path, a, {{"tool", "tilescope-cli"}, {"run", {{"device", "cuda"}}}});
        const ImportedTrace imported = readChromeTrace(path);
        QCOMPARE(imported.skipped, size_t(0));
        QCOMPARE(imported.events, a.events.size());
        QCOMPARE(imported.metadata["run"]["device"].get<std::string>(), std::string("cuda"));
        const TraceStore::Snapshot b = imported.trace->snapshot();
        QCOMPARE(b.events.size(), a.events.size());
        // The file's times are relative to its first event: compare from the origin.
        const std::int64_t originA = traceOriginNs(a), originB = traceOriginNs(b);
        QCOMPARE(imported.originNs, originB);
        for (size_t i = 0; i < a.events.size(); ++i) {
            const TraceEvent &x = a.events[i], &y = b.events[i];
            QCOMPARE(int(y.kind), int(x.kind));
            QCOMPARE(y.name, x.name);
            QCOMPARE(y.category, x.category);
            QCOMPARE(y.pid, x.pid);
            QCOMPARE(y.tid, x.tid);
            QCOMPARE(y.startNs - originB, x.startNs - originA);
            QCOMPARE(y.durationNs, x.durationNs);
            QCOMPARE(y.value, x.value);
            QCOMPARE(y.flowId, x.flowId);
            QCOMPARE(y.args.size(), x.args.size());
            for (const auto& [k, v] : x.args) {
                QVERIFY2(y.arg(k.c_str()), k.c_str());
                QCOMPARE(*y.arg(k.c_str()), v);
            }
        }
        // Every named track comes back (the file also names each process: "host", ...).
        QVERIFY(b.tracks.size() >= a.tracks.size());
        for (const auto& t : a.tracks) {
            bool found = false;
            for (const auto& u : b.tracks) found = found || (u.pid == t.pid && u.tid == t.tid && u.name == t.name);
            QVERIFY2(found, t.name.c_str());
        }
        QVERIFY(std::find(b.notes.begin(), b.notes.end(), "CUPTI dropped 3 records") != b.notes.end());
    }

    void otherToolsPhasesAreCountedNotFatal() {
        // A PyTorch-profiler-like trace in array form: begin/end pairs are skipped and said.
        const QString path = dir_.filePath("other.json");
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"([{"ph":"B","name":"a","pid":1,"tid":1,"ts":1},{"ph":"E","pid":1,"tid":1,"ts":2},
                   {"ph":"X","name":"k","pid":1,"tid":2,"ts":3.5,"dur":1.25,"args":{"n":3}},
                   {"ph":"X","name":"named tid","pid":"p","tid":1,"ts":1,"dur":1},
                   {"ph":"X","name":"fractional pid","pid":1.5,"tid":1,"ts":1,"dur":1},
                   {"ph":"X","name":"beyond any clock","pid":1,"tid":1,"ts":1e30,"dur":1},
                   {"ph":"t","name":"flow step","pid":1,"tid":1,"ts":4,"id":7},
                   {"ph":"X","name":42,"cat":["not","a","string"],"pid":1,"tid":3,"ts":9,"dur":1},
                   "not an object"])");
        f.close();
        const ImportedTrace t = readChromeTrace(path.toStdString());
        QCOMPARE(t.events, size_t(2));  // the "k" span, and the span whose name and category are unreadable
        QCOMPARE(t.skipped, size_t(7));
        const auto s = t.trace->snapshot();
        QCOMPARE(s.events[0].startNs, std::int64_t(3500));
        QCOMPARE(s.events[0].durationNs, std::int64_t(1250));
        QCOMPARE(*s.events[0].arg("n"), std::string("3"));
        QCOMPARE(s.events[1].name, std::string());
        QCOMPARE(s.events[1].category, std::string());
        QCOMPARE(s.notes.size(), size_t(1));
        QVERIFY(s.notes[0].find("7 events") != std::string::npos);
    }

    void notATraceIsRefusedByName_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("problem");
        QTest::newRow("text") << QByteArray("these are my notes") << "not JSON";
        QTest::newRow("json, no events") << QByteArray(R"({"frames": 3})") << "no traceEvents";
        QTest::newRow("truncated gzip") << QByteArray("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x4b\x4c", 12)
                                        << "truncated or damaged";
    }
    void notATraceIsRefusedByName() {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, problem);
        const QString path = dir_.filePath("bad.json");
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(bytes);
        f.close();
        try {
            readChromeTrace(path.toStdString());
            QFAIL("no error");
        } catch (const ts::Error& e) {
            const QString what = QString::fromUtf8(e.what());
            QVERIFY2(what.contains("bad.json") && what.contains(problem), qPrintable(what));
        }
        QVERIFY_THROWS_EXCEPTION(ts::Error, readChromeTrace(dir_.filePath("missing.json").toStdString()));
    }

private:
    QTemporaryDir dir_;
};

QTEST_GUILESS_MAIN(TestTraceImport)
#include "test_trace_import.moc"
