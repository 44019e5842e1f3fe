// The trace store (profile/trace_store.h): events come back exactly as appended (every
// field, argument order, empty strings), live readers get the events since a position,
// and a long run's trace stays compact: an op span costs a fixed-size record plus ids,
// not its own copies of names and shapes.
#include "core/process_memory.h"
#include "profile/string_pool.h"
#include "profile/trace_store.h"
#include "test_support.h"

#include <QtTest>

#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace ts;

namespace {

TraceEvent opSpan(int i) {
    TraceEvent e;
    e.kind = TraceEvent::Kind::Span;
    e.name = i % 2 ? "aten::convolution" : "aten::native_layer_norm_backward_like_long_name";
    e.category = "op";
    e.pid = 0;
    e.tid = 12345;
    e.startNs = 1000 + 10 * i;
    e.durationNs = 7;
    // Shapes repeat chunk after chunk and tile after tile: a handful of distinct strings.
    e.args = {{"shapes", "1x96x6x130x130 96x96x3x3x3 96 " + std::to_string(i % 8)},
              {"dtype", "float"},
              {"flops", std::to_string(1000000 + i % 8)}};
    return e;
}

void compareEvents(const TraceEvent& a, const TraceEvent& b) {
    QCOMPARE(int(a.kind), int(b.kind));
    QCOMPARE(a.name, b.name);
    QCOMPARE(a.category, b.category);
    QCOMPARE(a.pid, b.pid);
    QCOMPARE(a.tid, b.tid);
    QCOMPARE(a.startNs, b.startNs);
    QCOMPARE(a.durationNs, b.durationNs);
    QCOMPARE(a.value, b.value);
    QCOMPARE(a.flowId, b.flowId);
    QCOMPARE(a.args, b.args);
}

}  // namespace

class TestTraceStore : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void stringPoolGivesOneIdPerDistinctString() {
        StringPool pool;
        const std::uint32_t a = pool.intern("aten::convolution");
        const std::uint32_t b = pool.intern("op");
        QCOMPARE(pool.intern(std::string("aten::") + "convolution"), a);
        QVERIFY(a != b);
        QCOMPARE(pool.intern(""), pool.intern(std::string()));
        QCOMPARE(pool.size(), std::size_t(3));
        QCOMPARE(pool.text(a), std::string("aten::convolution"));
        // Many more strings: ids stay valid (the strings never move).
        for (int i = 0; i < 5000; ++i) pool.intern("name " + std::to_string(i));
        QCOMPARE(pool.text(a), std::string("aten::convolution"));
        QCOMPARE(pool.text(pool.intern("name 4321")), std::string("name 4321"));
        QCOMPARE(pool.size(), std::size_t(5003));
    }

    void everyFieldComesBackAsAppended() {
        TraceStore store;
        std::vector<TraceEvent> in;
        TraceEvent counter;
        counter.kind = TraceEvent::Kind::Counter;
        counter.name = "allocated_bytes";
        counter.category = "memory";
        counter.pid = 2;
        counter.tid = -1;
        counter.startNs = -5;  // before the origin: clocks may be offset
        counter.value = 1.5e9;
        counter.args = {{"bytes", "-4096"}, {"op", ""}};
        in.push_back(counter);
        TraceEvent flow;
        flow.kind = TraceEvent::Kind::FlowStart;
        flow.name = "";
        flow.category = "runtime";
        flow.flowId = 0xffffffffffffULL;
        flow.startNs = 42;
        in.push_back(flow);
        in.push_back(opSpan(3));
        TraceEvent instant;
        instant.kind = TraceEvent::Kind::Instant;
        instant.name = "retry";
        instant.category = "tile";
        instant.args = {{"z", "1"}, {"a", "2"}, {"z", "3"}};  // order and duplicates are kept
        in.push_back(instant);
        for (const TraceEvent& e : in) store.append(e);
        store.nameTrack(0, 12345, "decode");
        store.nameTrack(0, 12345, "worker 0");  // renamed
        store.note("GPU activity unavailable");

        const TraceStore::Snapshot s = store.snapshot();
        QCOMPARE(s.events.size(), in.size());
        for (std::size_t i = 0; i < in.size(); ++i) compareEvents(s.events[i], in[i]);
        QCOMPARE(*s.events[2].arg("dtype"), std::string("float"));
        QCOMPARE(s.tracks.size(), std::size_t(1));
        QCOMPARE(s.tracks[0].name, std::string("worker 0"));
        QCOMPARE(store.tracks().size(), std::size_t(1));
        QCOMPARE(s.notes, std::vector<std::string>{"GPU activity unavailable"});
    }

    void liveReadersGetTheEventsSinceAPosition() {
        TraceStore store;
        for (int i = 0; i < 10; ++i) store.append(opSpan(i));
        QCOMPARE(store.size(), std::size_t(10));
        const std::vector<TraceEvent> tail = store.eventsFrom(7);
        QCOMPARE(tail.size(), std::size_t(3));
        compareEvents(tail[0], opSpan(7));
        compareEvents(tail[2], opSpan(9));
        QVERIFY(store.eventsFrom(10).empty());
        QVERIFY(store.eventsFrom(11).empty());
    }

    void concurrentAppendsAreAllKept() {
        TraceStore store;
        std::vector<std::thread> writers;
        for (int w = 0; w < 4; ++w)
            writers.emplace_back([&store, w] {
                for (int i = 0; i < 2000; ++i) {
                    TraceEvent e = opSpan(i);
                    e.tid = w;
                    store.append(std::move(e));
                }
            });
        for (std::thread& t : writers) t.join();
        const TraceStore::Snapshot s = store.snapshot();
        QCOMPARE(s.events.size(), std::size_t(8000));
        std::vector<int> perWriter(4, 0);
        for (const TraceEvent& e : s.events) {
            QVERIFY(e.tid >= 0 && e.tid < 4);
            ++perWriter[static_cast<std::size_t>(e.tid)];
            // Each event still has its own name and arguments (no ids mixed up between
            // writers): rebuild what was appended from its start time.
            TraceEvent expected = opSpan(static_cast<int>((e.startNs - 1000) / 10));
            expected.tid = e.tid;
            compareEvents(e, expected);
        }
        QCOMPARE(perWriter, std::vector<int>(4, 2000));
    }

    void visitsAndClonesWithoutChangingAnything() {
        TraceStore store;
        for (int i = 0; i < 50; ++i) store.append(opSpan(i));
        store.nameTrack(0, 12345, "worker 0");
        store.note("a note");
        std::vector<TraceEvent> visited;
        store.forEach([&](const TraceEvent& e) { visited.push_back(e); });
        QCOMPARE(visited.size(), std::size_t(50));
        for (int i = 0; i < 50; ++i) compareEvents(visited[static_cast<std::size_t>(i)], opSpan(i));

        const std::shared_ptr<TraceStore> copy = store.clone();
        store.append(opSpan(50));  // the copy is independent
        TraceEvent fresh = opSpan(51);
        fresh.name = "a name only the copy has";
        fresh.args = {{"new key", "new value"}};
        copy->append(fresh);
        const TraceStore::Snapshot c = copy->snapshot();
        QCOMPARE(c.events.size(), std::size_t(51));
        for (int i = 0; i < 50; ++i) compareEvents(c.events[static_cast<std::size_t>(i)], opSpan(i));
        compareEvents(c.events[50], fresh);
        QCOMPARE(c.tracks.size(), std::size_t(1));
        QCOMPARE(c.tracks[0].name, std::string("worker 0"));
        QCOMPARE(c.notes, std::vector<std::string>{"a note"});
        QCOMPARE(store.size(), std::size_t(51));
        compareEvents(store.eventsFrom(50).at(0), opSpan(50));
    }

    // Kept as TraceEvents these spans took ~500 bytes each (owned strings and a vector of
    // string pairs per event); a profiled demo decode has ~200,000 of them.
    void aLongTraceStaysCompact() {
        const int n = 200000;
        if (const std::string why = test::heapStatisticsProblem(); !why.empty()) QSKIP(why.c_str());
        const std::int64_t before = heapInUseBytes();
        TraceStore store;
        for (int i = 0; i < n; ++i) store.append(opSpan(i));
        const std::int64_t grown = heapInUseBytes() - before;
        const double perEvent = double(grown) / n;
        qInfo("%d op spans: %.1f bytes each on the heap, the store estimates %.1f", n, perEvent,
              double(store.bytesHeld()) / n);
        QVERIFY2(perEvent < 120, qPrintable(QString("%1 bytes per event").arg(perEvent)));
        // The store's own estimate is what the summary reports; it must be close.
        QVERIFY(std::abs(double(store.bytesHeld()) - double(grown)) < 0.15 * double(grown));
        compareEvents(store.eventsFrom(n - 1).at(0), opSpan(n - 1));
    }
};

QTEST_GUILESS_MAIN(TestTraceStore)
#include "test_trace_store.moc"
