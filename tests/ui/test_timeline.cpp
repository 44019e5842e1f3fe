// The timeline's data and views without a decode: the span index (rows by nesting
// depth, level-of-detail blocks, hit tests, search, range statistics), the statistics
// model, the live feed from a TraceStore, and the widget's mouse interactions. The memory
// graph under it: test_memory_graph.
#include "span_stats_model.h"
#include "timeline_index.h"
#include "timeline_plottable.h"
#include "timeline_view.h"
#include "trace_feed.h"

#include "test_support.h"
#include "timeline_test_support.h"

#include <QAbstractItemModelTester>
#include <QFontMetricsF>
#include <QSignalSpy>
#include <QTest>

using namespace tsui;
using ts::test::counter;
using ts::test::showFollowing;
using ts::test::span;

namespace {

// One end of flow `id` (FlowStart or FlowEnd) on track (pid, tid) at time t.
ts::TraceEvent flowEnd(ts::TraceEvent::Kind kind, std::uint64_t id, int pid, std::int64_t tid, std::int64_t t) {
    ts::TraceEvent e = ts::test::traceEvent(kind, "", "", pid, tid, t);
    e.flowId = id;
    return e;
}

// Main track: run [0,1000) > chunk [100,500) > stage [100,200), stage [300,450); worker 1:
// tile [200,900). Children arrive before parents, as the engine appends them.
std::vector<ts::TraceEvent> nested() {
    return {span("stage a", "stage", 0, 100, 100), span("stage b", "stage", 0, 300, 150),
            span("latent frame 0", "chunk", 0, 100, 400), span("tile 0", "tile", 1, 200, 700),
            span("decode", "run", 0, 0, 1000)};
}

}  // namespace

class TestTimeline : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void rowsFollowNesting() {
        TimelineIndex idx;
        idx.append(nested());
        QCOMPARE(idx.spanCount(), std::size_t(5));
        QCOMPARE(idx.rowCount(), 4);  // main: 3 depths, worker: 1
        QCOMPARE(idx.row(0).depth, 0);
        QCOMPARE(idx.name(idx.record(idx.row(0).spans[0].record).name), std::string("decode"));
        QCOMPARE(idx.row(1).spans.size(), std::size_t(1));
        QCOMPARE(idx.row(2).spans.size(), std::size_t(2));
        QCOMPARE(idx.row(2).spans[0].start, 100);  // sorted by start
        QCOMPARE(idx.row(2).spans[1].start, 300);
        QCOMPARE(idx.tracks()[static_cast<std::size_t>(idx.row(3).track)].tid, 1);
        QCOMPARE(idx.minTime(), 0);
        QCOMPARE(idx.maxTime(), 1000);
        // Named tracks label their first row only.
        idx.setTrackNames({{0, 0, "main"}, {0, 1, "worker 0"}});
        QCOMPARE(idx.rowLabel(0), std::string("main"));
        QCOMPARE(idx.rowLabel(1), std::string());
        QCOMPARE(idx.rowLabel(3), std::string("worker 0"));
        // A later batch merges into the sorted rows: a stage between the two.
        idx.append({span("stage c", "stage", 0, 250, 20)});
        QCOMPARE(idx.row(2).spans.size(), std::size_t(3));
        QCOMPARE(idx.row(2).spans[1].start, 250);
        QCOMPARE(idx.rowOf(idx.row(2).spans[1].record), 2);
    }

    void opsGoUnderTheEngineSpans() {
        // An op just before a chunk would share the chunk's row (same depth under the run)
        // and, merged with it below a pixel, paint it in the op's colour.
        TimelineIndex idx;
        idx.append({span("decode", "run", 0, 0, 1000), span("aten::to", "op", 0, 1, 2), span("latent frame 0", "chunk", 0, 5, 400),
                    span("aten::conv3d", "op", 0, 10, 50), span("latent frame 1", "chunk", 0, 500, 400)});
        QCOMPARE(idx.rowCount(), 3);
        QCOMPARE(idx.row(1).spans.size(), std::size_t(2));  // the chunks alone
        QCOMPARE(idx.name(idx.record(idx.row(1).spans[0].record).name), std::string("latent frame 0"));
        QCOMPARE(idx.row(2).spans.size(), std::size_t(2));  // both ops, under the chunk rows
        QCOMPARE(idx.name(idx.record(idx.row(2).spans[0].record).name), std::string("aten::to"));
        QCOMPARE(idx.name(idx.record(idx.row(2).spans[1].record).name), std::string("aten::conv3d"));
        QCOMPARE(idx.blocks(1, 0, 1000, 10.0).size(), std::size_t(2));  // at 10 ns/px the chunks stay their own blocks
    }

    void blocksMergeSpansUnderAPixel() {
        TimelineIndex idx;
        // 1000 spans of 10 ns with 10 ns gaps, then one of 5000 ns.
        for (int i = 0; i < 1000; ++i) idx.appendSpan(0, 0, "op", "op", i * 20, 10);
        idx.appendSpan(0, 0, "big", "op", 30000, 5000);
        // 1 ns per pixel: every span on its own.
        QCOMPARE(idx.blocks(0, 0, 40000, 1.0).size(), std::size_t(1001));
        // 100 ns per pixel: the small ones (gaps < 1 px) merge into one block of 1000.
        const auto merged = idx.blocks(0, 0, 40000, 100.0);
        QCOMPARE(merged.size(), std::size_t(2));
        QCOMPARE(merged[0].count, 1000u);
        QCOMPARE(merged[0].start, 0);
        QCOMPARE(merged[0].end, 999 * 20 + 10);
        QCOMPARE(merged[1].count, 1u);
        QCOMPARE(merged[1].end - merged[1].start, 5000);
        // Only what intersects the range.
        const auto part = idx.blocks(0, 31000, 32000, 1.0);
        QCOMPARE(part.size(), std::size_t(1));
        QCOMPARE(idx.name(idx.record(part[0].record).name), std::string("big"));
        QVERIFY(idx.blocks(0, 50000, 60000, 1.0).empty());
        QVERIFY(idx.blocks(7, 0, 60000, 1.0).empty());  // no such row
    }

    // A sub-pixel span between two wide ones (the 0.5 ms "deliver frames" between 600 ms
    // chunks) stays a block of its own: merging reached across the wide ones and painted the
    // whole row as one block in the small span's colour.
    void narrowSpansDoNotSwallowWideNeighbours() {
        TimelineIndex idx;
        std::int64_t t = 0;
        for (int i = 0; i < 4; ++i) {
            idx.appendSpan(0, 0, "latent frame", "chunk", t, 600000);
            idx.appendSpan(0, 0, "deliver frames", "output", t + 600000, 500);
            t += 600500;
        }
        const auto blocks = idx.blocks(0, 0, t, 1000.0);  // 1 us per pixel
        QCOMPARE(blocks.size(), std::size_t(8));
        for (std::size_t i = 0; i < blocks.size(); ++i) {
            QCOMPARE(blocks[i].count, 1u);
            QCOMPARE(blocks[i].end - blocks[i].start, i % 2 == 0 ? 600000 : 500);
        }
        // Two narrow spans within a pixel of each other still merge, up to the wide one.
        idx.appendSpan(0, 0, "deliver frames", "output", t, 300);
        idx.appendSpan(0, 0, "deliver frames", "output", t + 400, 300);
        idx.appendSpan(0, 0, "latent frame", "chunk", t + 800, 600000);
        const auto tail = idx.blocks(0, t + 1, t + 700000, 1000.0);
        QCOMPARE(tail.size(), std::size_t(2));
        QCOMPARE(tail[0].count, 2u);
        QCOMPARE(tail[0].end, t + 700);
        QCOMPARE(tail[1].count, 1u);
        QCOMPARE(tail[1].start, t + 800);
    }

    void hitTestsSearchAndStats() {
        TimelineIndex idx;
        idx.append(nested());
        QCOMPARE(idx.spanAt(2, 150), idx.row(2).spans[0].record);
        QCOMPARE(idx.spanAt(2, 250), -1);           // between the stages
        QCOMPARE(idx.spanAt(2, 205, 10), idx.row(2).spans[0].record);  // within the slack
        QCOMPARE(idx.spanAt(9, 150), -1);

        const std::vector<bool> flags = idx.matchNames("STAGE");
        QCOMPARE(idx.countMatches(flags), 2);
        QCOMPARE(idx.countMatches(idx.matchNames("tile")), 1);
        QCOMPARE(idx.countMatches(idx.matchNames("nothing")), 0);

        // Range [150, 350]: decode 200, chunk 200, stage a 50, stage b 50, tile 150.
        const auto stats = idx.statsInRange(150, 350);
        QCOMPARE(stats.size(), std::size_t(5));
        auto find = [&](const char* n) {
            for (const auto& s : stats)
                if (s.name == n) return s;
            return TimelineNameStats{};
        };
        QCOMPARE(find("decode").totalNs, 200);
        QCOMPARE(find("stage a").totalNs, 50);
        QCOMPARE(find("stage b").totalNs, 50);
        QCOMPARE(find("tile 0").totalNs, 150);
        QCOMPARE(find("latent frame 0").count, 1);
        QCOMPARE(stats.front().totalNs, 200);  // largest first
        // Shares are of the range's 200 ns: the run covering it is 100 %, nested names
        // add up to more.
        QCOMPARE(find("decode").share, 1.0);
        QCOMPARE(find("tile 0").share, 150.0 / 200.0);
        QCOMPARE(find("stage a").share, 0.25);
        // Row 2 only: the two stages, the longer first.
        const auto stages = idx.statsInRange(0, 1000, 2, 2);
        QCOMPARE(stages.size(), std::size_t(2));
        QCOMPARE(stages[0].name, std::string("stage b"));
        QCOMPARE(stages[0].totalNs, 150);
        QCOMPARE(stages[1].totalNs, 100);
        // [200, 300] only touches the stages (a ends at 200, b starts at 300): neither is in it.
        QVERIFY(idx.statsInRange(200, 300, 2, 2).empty());
    }

    void countersAndInstants() {
        TimelineIndex idx;
        idx.append({counter("rss_bytes", 0, 10, 100), counter("rss_bytes", 0, 20, 300),
                    counter("device_used_bytes", 1, 15, 50)});
        QCOMPARE(idx.counters().size(), std::size_t(2));
        QCOMPARE(idx.counters()[0].samples.size(), std::size_t(2));
        QCOMPARE(idx.counters()[0].samples[1].value, 300.0);
        QCOMPARE(idx.rowCount(), 0);
        QCOMPARE(idx.minTime(), 10);
        QCOMPARE(idx.maxTime(), 20);
    }

    // A launch on a CPU thread and the kernel it started on a GPU stream, joined by a flow
    // (CUPTI's correlation id): the flow belongs to the innermost span at each end (the
    // launch, not the ATen op around it, although ops take rows under the runtime calls),
    // and the view draws its arrow when either of the two is selected.
    void flowsJoinALaunchToItsKernel() {
        ts::TraceEvent kernel = span("conv_kernel", "kernel", 13, 200'000, 100'000);
        kernel.pid = 1;
        ts::TraceEvent orphan = span("memset", "memset", 13, 400'000, 10'000);
        orphan.pid = 1;
        std::vector<ts::TraceEvent> events{
            span("cudaLaunchKernel", "runtime", 0, 100'000, 10'000), span("stage a", "stage", 0, 0, 1'000'000),
            kernel, orphan, span("aten::conv3d", "op", 0, 95'000, 30'000),
            flowEnd(ts::TraceEvent::Kind::FlowStart, 7, 0, 0, 101'000),
            flowEnd(ts::TraceEvent::Kind::FlowEnd, 7, 1, 13, 200'000),
            flowEnd(ts::TraceEvent::Kind::FlowStart, 8, 0, 0, 105'000)};  // its end never came
        TraceFeed feed;
        TimelineView view(&feed);
        view.resize(800, 300);
        feed.follow(nullptr, 0);
        feed.inject(events);
        const TimelineIndex& idx = feed.index();
        QCOMPARE(idx.flows().completeCount(), std::size_t(1));
        const std::uint32_t launch = 0, stage = 1, kernelRecord = 2, memset = 3, op = 4;
        QVERIFY(idx.rowOf(op) > idx.rowOf(launch));  // the op's row is under the launch's
        const std::vector<TimelineFlow> fromLaunch = idx.flows().of(idx, launch);
        QCOMPARE(fromLaunch.size(), std::size_t(1));
        QCOMPARE(fromLaunch[0].id, std::uint64_t(7));
        QCOMPARE(fromLaunch[0].fromRecord, std::int64_t(launch));
        QCOMPARE(fromLaunch[0].toRecord, std::int64_t(kernelRecord));
        QCOMPARE(fromLaunch[0].fromRow, idx.rowOf(launch));
        QCOMPARE(fromLaunch[0].toRow, idx.rowOf(kernelRecord));
        QCOMPARE(idx.flows().of(idx, kernelRecord).size(), std::size_t(1));
        QVERIFY(idx.flows().of(idx, stage).empty());  // encloses the launch: not its flow
        QVERIFY(idx.flows().of(idx, op).empty());
        QVERIFY(idx.flows().of(idx, memset).empty());
        QVERIFY(view.describeRecord(launch).contains(QStringLiteral("→ conv_kernel")));
        QVERIFY(view.describeRecord(kernelRecord).contains(QStringLiteral("← cudaLaunchKernel")));

        view.resetView();
        view.selectRecord(kernelRecord);
        view.plot()->replot(QCustomPlot::rpImmediateRefresh);
        QCOMPARE(view.spans()->lastFlowCount(), 1);
        view.selectRecord(stage);
        view.plot()->replot(QCustomPlot::rpImmediateRefresh);
        QCOMPARE(view.spans()->lastFlowCount(), 0);
    }

    // Ops repeat their argument lists chunk after chunk: each distinct list is kept once,
    // and every span still shows its own.
    void repeatedArgumentListsAreSharedNotLost() {
        TimelineIndex idx;
        std::vector<ts::TraceEvent> events;
        for (int i = 0; i < 6; ++i) {
            ts::TraceEvent e = span("aten::convolution", "op", 0, 10 * i, 5);
            e.args = {{"shapes", i % 2 ? "1x4x3x8x8" : "1x4x1x8x8"}, {"dtype", "float"}};
            events.push_back(e);
        }
        events.push_back(span("no args", "op", 0, 100, 5));
        // Same fields split differently: must not collide with "ab" = "c".
        events.push_back(span("split", "op", 0, 110, 5));
        events.back().args = {{"a", "bc"}};
        events.push_back(span("split", "op", 0, 120, 5));
        events.back().args = {{"ab", "c"}};
        // Lengths and separators inside values must not collide either.
        events.push_back(span("split", "op", 0, 130, 5));
        events.back().args = {{"a", "1:b"}, {"c", "d"}};
        events.push_back(span("split", "op", 0, 140, 5));
        events.back().args = {{"a", ""}, {"1:b1:c", "1:d"}};
        idx.append(events);
        QCOMPARE(idx.spanCount(), std::size_t(11));
        QVERIFY(idx.record(9).args != idx.record(10).args);
        QCOMPARE(idx.args(idx.record(10).args), events[10].args);
        QCOMPARE(idx.record(0).args, idx.record(2).args);
        QCOMPARE(idx.record(1).args, idx.record(5).args);
        QVERIFY(idx.record(0).args != idx.record(1).args);
        QCOMPARE(idx.record(6).args, -1);
        QVERIFY(idx.record(7).args != idx.record(8).args);
        for (std::uint32_t r = 0; r < 6; ++r) QCOMPARE(idx.args(idx.record(r).args), events[r].args);
        QCOMPARE(idx.args(idx.record(8).args), events[8].args);
        QVERIFY(idx.args(-1).empty());
    }

    void statsModelPassesTheTester() {
        SpanStatsModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        TimelineIndex idx;
        idx.append(nested());
        model.setStats(idx.statsInRange(0, 1000));
        QCOMPARE(model.rowCount(), 5);
        QCOMPARE(model.columnCount(), int(SpanStatsModel::ColumnCount));
        QCOMPARE(model.data(model.index(0, SpanStatsModel::Name)).toString(), QStringLiteral("decode"));
        QCOMPARE(model.data(model.index(0, SpanStatsModel::Total), Qt::UserRole).toLongLong(), 1000);
        QCOMPARE(model.data(model.index(0, SpanStatsModel::Total)).toString(), QStringLiteral("0.001"));
        QCOMPARE(model.data(model.index(0, SpanStatsModel::Count)).toLongLong(), 1);
        model.setStats({});
        QCOMPARE(model.rowCount(), 0);
    }

    void feedPollsOnlyNewEvents() {
        auto store = std::make_shared<ts::TraceStore>();
        TraceFeed feed;
        QSignalSpy updated(&feed, &TraceFeed::updated);
        feed.setInterval(10);
        feed.follow(store, 0);
        QVERIFY(feed.isLive());
        QCOMPARE(feed.poll(), 0);
        store->nameTrack(0, 0, "main");
        for (const auto& e : nested()) store->append(e);
        QCOMPARE(feed.poll(), 5);
        QCOMPARE(feed.poll(), 0);
        QCOMPARE(feed.index().spanCount(), std::size_t(5));
        QCOMPARE(feed.index().rowLabel(0), std::string("main"));
        store->append(counter("rss_bytes", 0, 5, 1e6));
        // The timer polls by itself.
        QTRY_COMPARE_WITH_TIMEOUT(feed.index().counters().size(), std::size_t(1), 2000);
        feed.stop();
        QVERIFY(!feed.isLive());
        QVERIFY(updated.count() >= 2);
        feed.clear();
        QCOMPARE(feed.index().spanCount(), std::size_t(0));
    }

    void emptyPlotSaysSoUntilSpansArrive() {
        TraceFeed feed;
        TimelineView view(&feed);
        QVERIFY2(view.emptyText().startsWith(QStringLiteral("No run yet")), qPrintable(view.emptyText()));
        feed.inject({span("decode", "run", 0, 0, 1'000'000)});
        QCOMPARE(view.emptyText(), QString());
        feed.clear();  // a new run starts: empty again until its first span
        QVERIFY(!view.emptyText().isEmpty());
    }

    void namesContrastWithTheirBars() {
        QCOMPARE(labelColour(QColor(255, 255, 255)), QColor(20, 20, 20));
        QCOMPARE(labelColour(QColor(0, 0, 0)), QColor(245, 245, 245));
        QCOMPARE(labelColour(categoryColor("run")), QColor(20, 20, 20));        // slate: 4.8:1 against 3.5:1
        QCOMPARE(labelColour(categoryColor("run").darker(200)), QColor(245, 245, 245));  // merged, darker
    }

    void namesOnlyInRowsTallEnough() {
        // Wide spans carry their names when the rows hold a capital letter; squeezed rows
        // (many tracks in a short plot, as in Compare runs) draw none rather than spill
        // the text over the neighbouring rows.
        TraceFeed feed;
        TimelineView view(&feed);
        QVERIFY(showFollowing(view, feed, {900, 400}));
        std::vector<ts::TraceEvent> events{span("decode", "run", 0, 0, 100'000'000)};
        for (int tid = 1; tid <= 12; ++tid) events.push_back(span("tile", "tile", tid, 0, 90'000'000));
        feed.inject(events);
        view.plot()->replot(QCustomPlot::rpImmediateRefresh);
        QCOMPARE(view.spans()->lastLabelCount(), 13);
        events.clear();
        for (int tid = 13; tid <= 60; ++tid) events.push_back(span("tile", "tile", tid, 0, 90'000'000));
        feed.inject(events);
        view.plot()->replot(QCustomPlot::rpImmediateRefresh);
        QVERIFY(view.plot()->axisRect()->height() / feed.index().rowCount() < 8);
        QCOMPARE(view.spans()->lastLabelCount(), 0);
        // Half a line of room above the first row's label, however thin the rows:
        // QCustomPlot leaves out a tick label that would cross the widget's edge (the top
        // track's name went missing).
        view.resetView();  // the room is worked out from the laid-out height
        const double halfLine = QFontMetricsF(view.plot()->yAxis->tickLabelFont()).height() / 2;
        const auto labelCentre = [&view] {
            view.plot()->replot(QCustomPlot::rpImmediateRefresh);
            return view.plot()->yAxis->coordToPixel(0.5) - view.plot()->axisRect()->top();
        };
        QVERIFY2(labelCentre() >= halfLine, qPrintable(QString::number(labelCentre())));
        // And after the view shrinks (a dragged splitter): worked out again on resize.
        const int before = view.plot()->height();
        view.resize(900, 260);
        QTRY_VERIFY(view.plot()->height() < before * 2 / 3);
        QVERIFY2(labelCentre() >= halfLine, qPrintable(QString::number(labelCentre())));
    }

    void viewZoomsPansSelectsAndSearches() {
        TraceFeed feed;
        TimelineView view(&feed);
        QVERIFY(showFollowing(view, feed, {900, 300}));
        // 1 ms = 1e6 ns: times in the view are ms since the origin (0).
        std::vector<ts::TraceEvent> events = {span("decode", "run", 0, 0, 100'000'000),
                                              span("conv", "op", 0, 10'000'000, 20'000'000),
                                              span("conv", "op", 0, 60'000'000, 20'000'000)};
        events[1].args = {{"shape", "[1,96,4,32,32]"}};
        feed.inject(events);
        QCustomPlot* plot = view.plot();
        QVERIFY(plot->xAxis->range().upper >= 100.0);  // follows the whole run

        QCOMPARE(view.spans()->toKey(20'000'000), 20.0);

        // Hover text names the span, its duration and args.
        QVERIFY(view.describeRecord(1).contains(QStringLiteral("conv")));
        QVERIFY(view.describeRecord(1).contains(QStringLiteral("20.00 ms")));
        QVERIFY(view.describeRecord(1).contains(QStringLiteral("[1,96,4,32,32]")));

        // Click on the first conv (row 1, t = 20 ms) selects it.
        QSignalSpy selected(&view, &TimelineView::recordSelected);
        const QPoint onConv(static_cast<int>(plot->xAxis->coordToPixel(20.0)), static_cast<int>(plot->yAxis->coordToPixel(1.5)));
        QTest::mouseClick(plot, Qt::LeftButton, Qt::NoModifier, onConv);
        QCOMPARE(selected.count(), 1);
        QCOMPARE(view.selectedRecord(), 1);

        // Shift+drag from 0 to 50 ms: statistics of that range.
        QSignalSpy ranged(&view, &TimelineView::rangeSelected);
        const int y = static_cast<int>(plot->yAxis->coordToPixel(0.5));
        const QPoint from(static_cast<int>(plot->xAxis->coordToPixel(0.0)) + 1, y);
        const QPoint to(static_cast<int>(plot->xAxis->coordToPixel(50.0)), y);
        QTest::mousePress(plot, Qt::LeftButton, Qt::ShiftModifier, from);
        QMouseEvent move(QEvent::MouseMove, to, plot->mapToGlobal(to), Qt::NoButton, Qt::LeftButton, Qt::ShiftModifier);
        QApplication::sendEvent(plot, &move);
        QTest::mouseRelease(plot, Qt::LeftButton, Qt::ShiftModifier, to);
        QCOMPARE(ranged.count(), 1);
        const auto& stats = view.statsModel()->stats();
        QCOMPARE(stats.size(), std::size_t(2));
        QCOMPARE(stats[1].name, std::string("conv"));
        QVERIFY(qAbs(stats[1].totalNs - 20'000'000) < 300'000);  // one pixel of slack each side
        QCOMPARE(plot->xAxis->range().upper >= 100.0, true);    // the range drag did not pan

        // Wheel zooms in around the cursor; Reset shows everything again.
        const double before = plot->xAxis->range().size();
        QWheelEvent wheel(QPointF(onConv), plot->mapToGlobal(QPointF(onConv)), QPoint(), QPoint(0, 120), Qt::NoButton,
                          Qt::NoModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(plot, &wheel);
        QVERIFY2(plot->xAxis->range().size() < before * 0.95, qPrintable(QString::number(plot->xAxis->range().size())));
        view.resetView();
        QVERIFY(qAbs(plot->xAxis->range().size() - before) < 1e-6);

        // W/S zoom by a fifth, A/D pan by a tenth (Perfetto's keys), on the focused plot.
        plot->setFocus();
        QTest::keyClick(plot, Qt::Key_W);
        QVERIFY2(qAbs(plot->xAxis->range().size() - before * 0.8) < 1e-6, qPrintable(QString::number(plot->xAxis->range().size())));
        const double lower = plot->xAxis->range().lower, size = plot->xAxis->range().size();
        QTest::keyClick(plot, Qt::Key_D);
        QVERIFY(qAbs(plot->xAxis->range().lower - (lower + size / 10)) < 1e-6);
        QTest::keyClick(plot, Qt::Key_A);
        QVERIFY(qAbs(plot->xAxis->range().lower - lower) < 1e-6);
        QTest::keyClick(plot, Qt::Key_S);
        QVERIFY(qAbs(plot->xAxis->range().size() - before) < 1e-6);
        QTest::keyClick(plot, Qt::Key_X);  // other keys leave the view alone
        QVERIFY(qAbs(plot->xAxis->range().size() - before) < 1e-6);
        // F (Perfetto's focus): the selected range, 0-50 ms within a pixel, a tenth to spare...
        QTest::keyClick(plot, Qt::Key_F);
        QVERIFY2(qAbs(plot->xAxis->range().lower + 5) < 0.5 && qAbs(plot->xAxis->range().upper - 55) < 0.5,
                 qPrintable(QStringLiteral("%1 %2").arg(plot->xAxis->range().lower).arg(plot->xAxis->range().upper)));
        // ...and without a range, the selected span: the conv at 10-30 ms.
        view.clearRange();
        QTest::keyClick(plot, Qt::Key_F);
        QVERIFY(qAbs(plot->xAxis->range().lower - 8) < 1e-6 && qAbs(plot->xAxis->range().upper - 32) < 1e-6);
        view.resetView();

        // Search: two convs match; the plottable dims the rest.
        view.setSearchText(QStringLiteral("CONV"));
        QCOMPARE(view.matchCount(), 2);
        view.setSearchText(QString());
        QCOMPARE(view.matchCount(), 0);

        // The plottable draws one block per span here (all wider than a pixel).
        plot->replot(QCustomPlot::rpImmediateRefresh);
        QCOMPARE(view.spans()->lastBlockCount(), 3);
    }
};

QTEST_MAIN(TestTimeline)
#include "test_timeline.moc"
