#include "timeline_bench.h"

#include "timeline_plottable.h"
#include "timeline_view.h"
#include "trace_feed.h"

#include <QElapsedTimer>

#include <functional>
#include <random>

namespace tsui {

QString TimelineBenchResult::describe() const {
    return QStringLiteral("%1 spans: build %2 ms; replot whole run %3 ms (%4 blocks drawn); zoomed 1/1000 %5 ms; "
                          "pan %6 ms")
        .arg(spans)
        .arg(buildMs, 0, 'f', 1)
        .arg(replotAllMs, 0, 'f', 2)
        .arg(blocksAll)
        .arg(replotZoomedMs, 0, 'f', 2)
        .arg(replotPanMs, 0, 'f', 2);
}

TimelineBenchResult runTimelineBenchmark(long long spans, int repeats) {
    TimelineBenchResult result;
    result.spans = spans;
    TraceFeed feed;
    TimelineView view(&feed);
    view.resize(1600, 500);
    view.show();

    // Each track: tiles (depth 0) of 64 stages (depth 1) of 16 ops (depth 2), ops of
    // 2-20 us with small gaps: most are far below a pixel when the whole run is in view.
    const int tracks = 8;
    const long long perTrack = spans / tracks;
    std::mt19937 rng(1);
    std::uniform_int_distribution<int> opNs(2000, 20000), gapNs(100, 2000);
    std::vector<ts::TraceEvent> events;
    events.reserve(static_cast<std::size_t>(spans));
    auto span = [&](int track, std::int64_t start, std::int64_t dur, const char* name, const char* cat) {
        ts::TraceEvent e;
        e.name = name;
        e.category = cat;
        e.tid = 1 + track;
        e.startNs = start;
        e.durationNs = dur;
        events.push_back(std::move(e));
    };
    static const char* opNames[] = {"aten::conv3d", "aten::silu", "aten::add", "aten::cat", "aten::upsample", "aten::mul"};
    for (int t = 0; t < tracks; ++t) {
        std::int64_t now = 0;
        long long made = 0;
        while (made < perTrack) {
            const std::int64_t tileStart = now;
            for (int s = 0; s < 64 && made < perTrack; ++s) {
                const std::int64_t stageStart = now;
                for (int o = 0; o < 16 && made < perTrack; ++o, ++made) {
                    const int d = opNs(rng);
                    span(t, now, d, opNames[(o + s) % 6], "op");
                    now += d + gapNs(rng);
                }
                span(t, stageStart, now - stageStart, "stage", "stage");
                ++made;
                now += gapNs(rng);
            }
            span(t, tileStart, now - tileStart, "tile", "tile");
            ++made;
            now += 5 * gapNs(rng);
        }
    }
    result.spans = static_cast<long long>(events.size());

    QElapsedTimer clock;
    clock.start();
    feed.inject(events);  // appends, builds the rows for the view's first update
    result.buildMs = static_cast<double>(clock.nsecsElapsed()) / 1e6;

    QCustomPlot* plot = view.plot();
    plot->xAxis->setRange(view.spans()->toKey(feed.index().minTime()), view.spans()->toKey(feed.index().maxTime()));
    auto time = [&](int n, const std::function<void(int)>& before) {
        plot->replot(QCustomPlot::rpImmediateRefresh);  // warm-up
        double total = 0;
        for (int i = 0; i < n; ++i) {
            before(i);
            clock.restart();
            plot->replot(QCustomPlot::rpImmediateRefresh);
            total += static_cast<double>(clock.nsecsElapsed()) / 1e6;
        }
        return total / n;
    };
    const QCPRange all = plot->xAxis->range();
    result.replotAllMs = time(repeats, [&](int) { plot->xAxis->setRange(all); });
    result.blocksAll = view.spans()->lastBlockCount();
    const double w = all.size() / 1000.0;
    result.replotZoomedMs = time(repeats, [&](int i) { plot->xAxis->setRange(all.center() + i * w, all.center() + (i + 1) * w); });
    const double m = all.size() / 20.0;
    result.replotPanMs = time(repeats, [&](int i) { plot->xAxis->setRange(all.lower + i * m / 4, all.lower + i * m / 4 + m); });
    return result;
}

}  // namespace tsui
