// The ATen sources' hand-over (profile/record_drain.h): fixed-size records pushed by
// the decoding threads become the same trace events the sources made before, in push
// order, visible to live readers during the run and all in after stop().
#include "profile/aten_profiler.h"
#include "profile/record_drain.h"
#include "profile/trace_store.h"

#include <ATen/ATen.h>

#include <QtTest>

#include <chrono>
#include <map>
#include <thread>

using namespace ts;

namespace {

std::map<std::string, std::string> argsOf(const TraceEvent& e) { return {e.args.begin(), e.args.end()}; }

CompactRecord opRecord(const char* name, std::int64_t start) {
    CompactRecord r;
    r.kind = CompactRecord::Kind::Op;
    r.name = name;
    r.pid = 0;
    r.tid = 3;
    r.startNs = start;
    r.durationNs = 5;
    return r;
}

}  // namespace

class TestRecordDrain : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void opRecordsFormatLikeTheSourceDid() {
        CompactRecord r = opRecord("aten::conv3d", 100);
        r.addShape(std::vector<std::int64_t>{1, 4, 3, 8, 8});
        r.addShape(std::vector<std::int64_t>{6, 4, 3, 3, 3});
        r.addShape(std::vector<std::int64_t>{6});
        r.addShape(std::vector<std::int64_t>{});
        r.dtype = at::kBFloat16;
        r.flops = 46656;
        const TraceEvent e = toTraceEvent(r);
        QVERIFY(e.kind == TraceEvent::Kind::Span);
        QCOMPARE(e.name, std::string("aten::conv3d"));
        QCOMPARE(e.category, std::string("op"));
        QCOMPARE(e.tid, std::int64_t{3});
        QCOMPARE(e.startNs, std::int64_t{100});
        QCOMPARE(e.durationNs, std::int64_t{5});
        auto args = argsOf(e);
        QCOMPARE(args["shapes"], std::string("1x4x3x8x8 6x4x3x3x3 6 scalar"));
        QCOMPARE(args["dtype"], std::string("BFloat16"));
        QCOMPARE(args["flops"], std::string("46656"));
        // No inputs, no dtype, no FLOPs: no args at all.
        QVERIFY(toTraceEvent(opRecord("aten::empty", 0)).args.empty());
    }

    void longShapeListsAreCutVisibly() {
        CompactRecord r = opRecord("aten::cat", 0);
        for (int i = 0; i < CompactRecord::kMaxShapes + 3; ++i) r.addShape(std::vector<std::int64_t>{i + 1, 2});
        r.addShape(std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8});  // dropped too: the list is full
        QCOMPARE(int(r.shapeCount), CompactRecord::kMaxShapes);
        QCOMPARE(shapesText(r), std::string("1x2 2x2 3x2 4x2 5x2 6x2 +4"));
        CompactRecord deep = opRecord("aten::view", 0);
        deep.addShape(std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8});
        QCOMPARE(shapesText(deep), std::string("1x2x3x4x5x6x..."));
    }

    void memoryRecordsBecomeCounters() {
        CompactRecord a;
        a.kind = CompactRecord::Kind::Allocated;
        a.pid = 1;
        a.startNs = 7;
        a.value = 4096;
        a.bytes = -1024;
        a.name = "aten::conv3d";
        a.innerOp = "aten::empty";
        TraceEvent e = toTraceEvent(a);
        QVERIFY(e.kind == TraceEvent::Kind::Counter);
        QCOMPARE(e.name, std::string("allocated_bytes"));
        QCOMPARE(e.category, std::string("memory"));
        QCOMPARE(e.pid, 1);
        QCOMPARE(e.value, 4096.0);
        auto args = argsOf(e);
        QCOMPARE(args["bytes"], std::string("-1024"));
        QCOMPARE(args["op"], std::string("aten::conv3d"));
        QCOMPARE(args["inner_op"], std::string("aten::empty"));
        a.name = nullptr;
        a.innerOp = nullptr;
        QCOMPARE(argsOf(toTraceEvent(a)).size(), std::size_t{1});  // bytes only, outside any op
        CompactRecord r;
        r.kind = CompactRecord::Kind::Reserved;
        r.value = 1 << 20;
        e = toTraceEvent(r);
        QCOMPARE(e.name, std::string("reserved_bytes"));
        QCOMPARE(e.value, double(1 << 20));
    }

    void everythingPushedIsInAfterStopInOrder() {
        TraceStore store;
        // A tiny reserve: pushes outgrow it, which must lose nothing either.
        RecordDrain drain(store, 4, 1000);
        std::thread other([&] {
            for (int i = 0; i < 500; ++i) drain.push(opRecord("other", i));
        });
        for (int i = 0; i < 500; ++i) drain.push(opRecord("main", i));
        other.join();
        drain.stop();
        drain.push(opRecord("late", 0));  // after stop: ignored
        drain.stop();                     // idempotent
        const auto events = store.snapshot().events;
        QCOMPARE(int(events.size()), 1000);
        std::map<std::string, std::int64_t> next;
        for (const TraceEvent& e : events) {
            QCOMPARE(e.startNs, next[e.name]);  // each thread's records in its push order
            ++next[e.name];
        }
        QCOMPARE(next["main"], std::int64_t{500});
        QCOMPARE(next["other"], std::int64_t{500});
    }

    void liveReadersSeeRecordsDuringTheRun() {
        TraceStore store;
        RecordDrain drain(store, 64, 10);
        drain.push(opRecord("aten::add", 1));
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (store.size() == 0 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        QCOMPARE(int(store.size()), 1);  // drained by the thread, not by stop()
        drain.stop();
    }

    void profilerOpsReachTheStoreWhileRunning() {
        TraceStore store;
        c10::InferenceMode inference;
        AtenProfiler profiler(store, true, false);
        const at::Tensor a = at::rand({7, 5}), m = at::rand({5, 3});
        (void)at::mm(a, m);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (store.size() == 0 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        QVERIFY(store.size() > 0);
        profiler.stop();
        bool sawMm = false;
        for (const TraceEvent& e : store.snapshot().events)
            if (e.name == "aten::mm") sawMm = argsOf(e)["flops"] == std::to_string(2 * 7 * 5 * 3);
        QVERIFY(sawMm);
    }
};

QTEST_APPLESS_MAIN(TestRecordDrain)
#include "test_record_drain.moc"
