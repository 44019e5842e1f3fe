// The Range statistics tab: a hint while no range is selected, the range named and its
// names listed once one is, shares of the range's length, sorting by any column on the
// raw numbers, and the hint back when the range is cleared.
#include "range_stats_panel.h"
#include "span_stats_model.h"
#include "profiler_table.h"
#include "timeline_view.h"
#include "trace_feed.h"

#include "test_support.h"

#include <QAction>
#include <QClipboard>
#include <QGuiApplication>
#include <QItemSelectionModel>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTest>

using namespace tsui;

namespace {

ts::TraceEvent span(const char* name, std::int64_t tid, std::int64_t startMs, std::int64_t durMs) {
    return ts::test::traceEvent(ts::TraceEvent::Kind::Span, name, "op", 0, tid, startMs * 1'000'000, durMs * 1'000'000);
}

QString cell(const QTableView* table, int row, int column) {
    return table->model()->index(row, column).data().toString();
}

}  // namespace

class TestRangeStats : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void hintThenRangeThenSortedThenHintAgain() {
        TraceFeed feed;
        TimelineView timeline(&feed);
        RangeStatsPanel panel(&timeline);
        feed.follow(nullptr, 0);
        QVERIFY2(panel.headline().startsWith(QStringLiteral("No range selected. Shift+drag")), qPrintable(panel.headline()));

        // decode covers [0, 100) ms; nine short "conv" spans of 2 ms and one long "norm"
        // of 30 ms under it: by total norm (30) > conv (18), by count conv (9) > norm (1).
        std::vector<ts::TraceEvent> events{span("decode", 0, 0, 100), span("norm", 0, 60, 30)};
        for (int i = 0; i < 9; ++i) events.push_back(span("conv", 0, 2 + 5 * i, 2));
        feed.inject(events);
        timeline.selectRange(0, 100);
        QCOMPARE(panel.nameCount(), 3);
        QVERIFY2(panel.headline().startsWith(QStringLiteral("Range 0.00 – 100.00 ms (100.00 ms): 3 span names")),
                 qPrintable(panel.headline()));
        QVERIFY(!panel.headline().contains(QStringLiteral("%%")));

        const QTableView* table = panel.table();
        // Largest total first, shares of the 100 ms range: decode 100 %, norm 30 %, conv 18 %.
        QCOMPARE(cell(table, 0, SpanStatsModel::Name), QStringLiteral("decode"));
        QCOMPARE(cell(table, 0, SpanStatsModel::Share), QStringLiteral("100.0 %"));
        QCOMPARE(cell(table, 1, SpanStatsModel::Name), QStringLiteral("norm"));
        QCOMPARE(cell(table, 1, SpanStatsModel::Share), QStringLiteral("30.0 %"));
        QCOMPARE(cell(table, 2, SpanStatsModel::Share), QStringLiteral("18.0 %"));

        // Sorting by count goes by the number, not its text.
        const_cast<QTableView*>(table)->sortByColumn(SpanStatsModel::Count, Qt::DescendingOrder);
        QCOMPARE(cell(table, 0, SpanStatsModel::Name), QStringLiteral("conv"));
        QCOMPARE(cell(table, 0, SpanStatsModel::Count), QStringLiteral("9"));
        // Mean, ascending: conv's 2 ms < norm's 30 ms < decode's 100 ms ("100.000" < "2.000" as text).
        const_cast<QTableView*>(table)->sortByColumn(SpanStatsModel::Mean, Qt::AscendingOrder);
        QCOMPARE(cell(table, 0, SpanStatsModel::Name), QStringLiteral("conv"));
        QCOMPARE(cell(table, 2, SpanStatsModel::Name), QStringLiteral("decode"));

        // Ctrl+C: the selected rows as TSV, header first, in the view's (sorted) order.
        auto* view = const_cast<QTableView*>(table);
        view->selectRow(2);
        view->selectionModel()->select(view->model()->index(0, 0), QItemSelectionModel::Select | QItemSelectionModel::Rows);
        auto* copy = view->findChild<QAction*>(QStringLiteral("copyTable"));
        QVERIFY(copy);
        QCOMPARE(copy->shortcut(), QKeySequence(QKeySequence::Copy));
        copy->trigger();
        QCOMPARE(QGuiApplication::clipboard()->text(),
                 QStringLiteral("Name\tCategory\tCount\tTotal in range (ms)\tMean in range (ms)\t% of range\n"
                                "conv\top\t9\t18.000\t2.000\t18.0 %\n"
                                "decode\top\t1\t100.000\t100.000\t100.0 %\n"));
        view->clearSelection();
        QCOMPARE(tableAsTsv(view).count(QLatin1Char('\n')), 4);  // nothing selected: every row

        // A narrower range clips the spans to it: [50, 70) holds 10 ms of norm, 20 of decode.
        timeline.selectRange(70, 50);
        QVERIFY2(panel.headline().startsWith(QStringLiteral("Range 50.00 – 70.00 ms (20.00 ms): 2 span names")),
                 qPrintable(panel.headline()));

        // A range past the trace's end is cut to it: decode stays 100 % of it, not 100/140.
        timeline.selectRange(0, 140);
        QVERIFY2(panel.headline().startsWith(QStringLiteral("Range 0.00 – 100.00 ms (100.00 ms)")), qPrintable(panel.headline()));
        const_cast<QTableView*>(table)->sortByColumn(SpanStatsModel::Share, Qt::DescendingOrder);
        QCOMPARE(cell(table, 0, SpanStatsModel::Name), QStringLiteral("decode"));
        QCOMPARE(cell(table, 0, SpanStatsModel::Share), QStringLiteral("100.0 %"));

        timeline.clearRange();
        QCOMPARE(panel.nameCount(), 0);
        QCOMPARE(table->model()->rowCount(), 0);
        QVERIFY2(panel.headline().startsWith(QStringLiteral("No range selected")), qPrintable(panel.headline()));
    }
};

QTEST_MAIN(TestRangeStats)
#include "test_range_stats.moc"
