#pragma once
// What the timeline and memory graph suites share: a shown widget following an empty
// feed, span and memory-counter events, and the main window's column of the two views.
#include "memory_view.h"
#include "timeline_view.h"
#include "trace_feed.h"

#include "test_support.h"

#include <QTest>
#include <QVBoxLayout>

#include <cstdint>

namespace ts::test {

using tsui::MemoryView;
using tsui::TimelineView;
using tsui::TraceFeed;

// What every view test does first: the widget shown at `size`, the feed following an
// empty store. False if the window never got exposed.
inline bool showFollowing(QWidget& widget, TraceFeed& feed, QSize size) {
    widget.resize(size);
    widget.show();
    const bool exposed = QTest::qWaitForWindowExposed(&widget);
    feed.follow(nullptr, 0);
    return exposed;
}

inline ts::TraceEvent span(const char* name, const char* cat, std::int64_t tid, std::int64_t start, std::int64_t dur) {
    return ts::test::traceEvent(ts::TraceEvent::Kind::Span, name, cat, 0, tid, start, dur);
}

inline ts::TraceEvent counter(const char* name, int pid, std::int64_t t, double value) {
    ts::TraceEvent e;
    e.kind = ts::TraceEvent::Kind::Counter;
    e.name = name;
    e.category = "memory";
    e.pid = pid;
    e.startNs = t;
    e.value = value;
    return e;
}

// One column, as in the main window: the timeline above the memory graph locked to it.
struct TimelineAndMemory : QWidget {
    TimelineView* timeline;
    MemoryView* memory;
    explicit TimelineAndMemory(TraceFeed& feed) : timeline(new TimelineView(&feed)), memory(new MemoryView(&feed)) {
        auto* layout = new QVBoxLayout(this);
        layout->addWidget(timeline);
        layout->addWidget(memory);
        memory->lockTo(timeline->plot());
    }
    // Lays both out a few times: each side's layout tells the other its margins.
    void settle() {
        for (int i = 0; i < 3; ++i) {
            timeline->plot()->replot(QCustomPlot::rpImmediateRefresh);
            memory->plot()->replot(QCustomPlot::rpImmediateRefresh);
        }
    }
};

}  // namespace ts::test
