// The memory graph under the timeline without a decode: its time axis locked to the
// timeline's (same plot area, margins that follow the wider side), its legend in a row of
// its own above the graph, and the counters it draws from the live feed.
#include "memory_view.h"
#include "qcp.h"
#include "timeline_view.h"
#include "trace_feed.h"

#include "test_support.h"
#include "timeline_test_support.h"

#include <QFontMetrics>
#include <QTest>

using namespace tsui;
using ts::test::counter;
using ts::test::showFollowing;
using ts::test::span;
using ts::test::TimelineAndMemory;

class TestMemoryGraph : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void memoryGraphLinesUpWithTheTimeline_data() {
        QTest::addColumn<bool>("workerTrack");
        // (Both narrower than the graph's MiB ticks and label at this size; the timeline's
        // wider margin is marginsStartOverWithEachTrace's case.)
        QTest::newRow("a worker's row") << true;  // "worker 7"
        QTest::newRow("main alone") << false;
    }
    void memoryGraphLinesUpWithTheTimeline() {
        // One column, as in the main window: the plot areas start and end at the same x,
        // whichever side needs the wider margin.
        QFETCH(bool, workerTrack);
        TraceFeed feed;
        TimelineAndMemory column(feed);
        QVERIFY(showFollowing(column, feed, {900, 500}));
        TimelineView* timeline = column.timeline;
        MemoryView* memory = column.memory;
        const QCPAxisRect* t = timeline->plot()->axisRect();
        const QCPAxisRect* m = memory->plot()->axisRect();
        // Empty (a first launch, before Run): the graph spans the width too. An empty
        // legend kept in its row once capped the graph at a few pixels wide.
        column.settle();
        QVERIFY2(m->width() > 700, qPrintable(QString::number(m->width())));
        QCOMPARE(m->right(), t->right());
        QVERIFY(!memory->plot()->legend->visible());
        ts::TraceEvent tile = span("tile 0", "tile", 0, 0, 100'000'000);
        tile.tid = workerTrack ? 7 : 0;
        feed.inject({span("decode", "run", 0, 0, 100'000'000), tile, counter("rss_bytes", 0, 0, 100 << 20),
                     counter("rss_bytes", 0, 50'000'000, 300 << 20)});
        column.settle();
        QVERIFY(t->left() > 20);
        QCOMPARE(m->left(), t->left());
        QCOMPARE(m->right(), t->right());
        QVERIFY(memory->plot()->legend->visible());
        // The top tick label (half its height above the graph) clears the legend's row.
        const QCPLayoutElement* legendRow = memory->plot()->plotLayout()->element(0, 0);
        QCOMPARE(legendRow, static_cast<QCPLayoutElement*>(memory->plot()->legend));
        QVERIFY2(m->top() - legendRow->outerRect().bottom() >= QFontMetrics(memory->plot()->yAxis->tickLabelFont()).height() / 2,
                 qPrintable(QStringLiteral("%1 %2").arg(m->top()).arg(legendRow->outerRect().bottom())));

        // A new run clears the graph: the legend's row goes, the width stays.
        feed.clear();
        memory->plot()->replot(QCustomPlot::rpImmediateRefresh);
        QVERIFY(!memory->plot()->legend->visible());
        QCOMPARE(m->right(), t->right());
        QVERIFY2(m->width() > 700, qPrintable(QString::number(m->width())));
    }

    void marginsStartOverWithEachTrace() {
        // After a trace with a long track name, one with the main track alone gets the
        // narrower margin back (they only grew), still the same on both plots.
        TraceFeed feed;
        TimelineAndMemory column(feed);
        QVERIFY(showFollowing(column, feed, {900, 500}));
        const QCPAxisRect* t = column.timeline->plot()->axisRect();
        const QCPAxisRect* m = column.memory->plot()->axisRect();
        auto store = std::make_shared<ts::TraceStore>();
        store->nameTrack(0, 7, "tile worker 7 with a long name for its row");
        ts::TraceEvent tile = span("tile 0", "tile", 0, 0, 50'000'000);
        tile.tid = 7;
        store->append(tile);
        store->append(counter("rss_bytes", 0, 0, 100 << 20));
        feed.follow(store, 0);
        feed.poll();
        column.settle();
        const int wide = t->left();
        QCOMPARE(m->left(), wide);

        feed.follow(nullptr, 0);
        feed.inject({span("decode", "run", 0, 0, 100'000'000), counter("rss_bytes", 0, 0, 100 << 20)});
        column.settle();
        QCOMPARE(m->left(), t->left());
        QVERIFY2(t->left() < wide - 40, qPrintable(QStringLiteral("%1 against %2").arg(t->left()).arg(wide)));
    }

    void legendSitsAboveTheGraph() {
        // Seven counters (a GPU trace's) with the peak at the top left, where the legend
        // used to sit inside the graph over the lines and the peak's label.
        TraceFeed feed;
        MemoryView memory(&feed);
        QVERIFY(showFollowing(memory, feed, {900, 200}));
        std::vector<ts::TraceEvent> events{span("decode", "run", 0, 0, 100'000'000)};
        for (const char* name : {"rss_bytes", "heap_in_use_bytes", "allocated_bytes", "reserved_bytes",
                                 "device_used_bytes", "allocated_bytes@1", "reserved_bytes@1"}) {
            events.push_back(counter(name, 0, 0, 100 << 20));
            events.push_back(counter(name, 0, 90'000'000, 50 << 20));
        }
        events.push_back(counter("rss_bytes", 0, 2'000'000, 400 << 20));
        feed.inject(events);
        memory.plot()->replot(QCustomPlot::rpImmediateRefresh);
        QCPLegend* legend = memory.plot()->legend;
        QVERIFY(legend->visible());
        QCOMPARE(legend->rowCount(), 2);  // four entries to a row
        const QRect graph = memory.plot()->axisRect()->rect();
        QVERIFY2(legend->outerRect().bottom() <= graph.top(), "above the graph, not over it");
        QVERIFY(legend->outerRect().height() < graph.height());
    }

    void memoryGraphFollowsCountersAndTheTimeline() {
        TraceFeed feed;
        TimelineView timeline(&feed);
        MemoryView memory(&feed);
        memory.lockTo(timeline.plot());
        feed.follow(nullptr, 0);
        QVERIFY(!memory.plot()->legend->visible());  // no counters: no empty legend box
        feed.inject({span("decode", "run", 0, 0, 100'000'000), counter("rss_bytes", 0, 0, 100 << 20),
                     counter("rss_bytes", 0, 50'000'000, 300 << 20), counter("rss_bytes", 0, 90'000'000, 200 << 20)});
        QVERIFY(memory.plot()->legend->visible());
        QCOMPARE(memory.seriesCount(), 1);
        QCOMPARE(memory.sampleCount("rss_bytes"), 3);
        QCOMPARE(memory.peakBytes(), double(300 << 20));
        QCOMPARE(memory.peakTimeMs(), 50.0);
        feed.inject({counter("rss_bytes", 0, 95'000'000, 50 << 20)});
        QCOMPARE(memory.sampleCount("rss_bytes"), 4);  // appended, not re-read
        // The peak label stays inside the plot: it ends at the marker when the peak is near
        // the right edge (it was cut off there), starts at it near the left edge.
        QCPItemText* label = nullptr;
        for (int i = 0; i < memory.plot()->itemCount(); ++i)
            if (auto* t = qobject_cast<QCPItemText*>(memory.plot()->item(i)); t && t->text().startsWith("peak"))
                label = t;
        QVERIFY(label && label->visible());
        QCOMPARE(label->text(), QStringLiteral("peak 300.0 MiB (host rss)"));
        memory.plot()->xAxis->setRange(0, 55);
        QVERIFY(label->positionAlignment() & Qt::AlignRight);
        memory.plot()->xAxis->setRange(45, 150);
        QVERIFY(label->positionAlignment() & Qt::AlignLeft);
        memory.plot()->xAxis->setRange(0, 100);
        QVERIFY(label->positionAlignment() & Qt::AlignHCenter);
        timeline.plot()->xAxis->setRange(10, 20);
        QCOMPARE(memory.plot()->xAxis->range().lower, 10.0);
        QCOMPARE(memory.plot()->xAxis->range().upper, 20.0);
        memory.plot()->xAxis->setRange(30, 40);
        QCOMPARE(timeline.plot()->xAxis->range().lower, 30.0);
        // A CUDA run's device memory above the host's RSS: the marker names the line it is
        // on, and each counter keeps its own peak (the run history compares one of them).
        feed.inject({counter("device_used_bytes", 1, 60'000'000, 500 << 20)});
        QCOMPARE(memory.peakBytes(), double(500 << 20));
        QCOMPARE(label->text(), QStringLiteral("peak 500.0 MiB (GPU 0 device used)"));
        QCOMPARE(memory.peakOf("rss_bytes"), double(300 << 20));
        QCOMPARE(memory.peakOf("device_used_bytes"), double(500 << 20));
        QCOMPARE(memory.peakOf("reserved_bytes"), 0.0);
        feed.follow(nullptr, 0);
        QCOMPARE(memory.seriesCount(), 0);
        QCOMPARE(memory.peakBytes(), 0.0);
        QCOMPARE(memory.peakOf("rss_bytes"), 0.0);
    }
};

QTEST_MAIN(TestMemoryGraph)
#include "test_memory_graph.moc"
