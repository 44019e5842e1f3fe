#pragma once
// Feeds a run's trace into a TimelineIndex while the run goes on: a GUI-thread timer
// polls TraceStore::eventsFrom(n) (appends stay cheap for the engine's threads; nothing
// here blocks them longer than one copy of the new events) and the views repaint on
// updated(), as queued replots, at most once per tick.
#include "timeline_index.h"

#include "profile/trace_store.h"

#include <QObject>
#include <QTimer>

#include <cstdint>
#include <memory>

namespace tsui {

class TraceFeed : public QObject {
    Q_OBJECT
public:
    explicit TraceFeed(QObject* parent = nullptr);

    // Starts following `store` (the index is cleared); times are shown relative to
    // originNs, usually the run's start.
    void follow(std::shared_ptr<const ts::TraceStore> store, std::int64_t originNs);
    // A last poll, then no more until the next follow().
    void stop();
    // Pulls what arrived since the last poll; returns the number of new events.
    int poll();
    // Appends events that come from no store (synthetic traces: the benchmark, tests).
    void inject(const std::vector<ts::TraceEvent>& events);
    // Drops the index and the store (old runs must not pin their traces in memory).
    void clear();

    bool isLive() const { return timer_.isActive(); }
    void setInterval(int ms) { timer_.setInterval(ms); }
    const TimelineIndex& index() const { return index_; }
    std::int64_t origin() const { return originNs_; }
    std::shared_ptr<const ts::TraceStore> store() const { return store_; }

Q_SIGNALS:
    void reset();    // the index was cleared (a new run)
    void updated();  // new events are in the index

private:
    std::shared_ptr<const ts::TraceStore> store_;
    TimelineIndex index_;
    std::size_t consumed_ = 0;
    std::size_t knownTracks_ = 0;
    std::int64_t originNs_ = 0;
    QTimer timer_;
};

}  // namespace tsui
