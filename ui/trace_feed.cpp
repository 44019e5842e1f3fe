#include "trace_feed.h"

namespace tsui {

TraceFeed::TraceFeed(QObject* parent) : QObject(parent) {
    timer_.setInterval(100);  // batches appends: ten small merges a second, not one per event
    connect(&timer_, &QTimer::timeout, this, [this] { poll(); });
}

void TraceFeed::follow(std::shared_ptr<const ts::TraceStore> store, std::int64_t originNs) {
    store_ = std::move(store);
    index_.clear();
    consumed_ = 0;
    knownTracks_ = 0;
    originNs_ = originNs;
    Q_EMIT reset();
    if (store_) timer_.start();
}

void TraceFeed::stop() {
    timer_.stop();
    poll();
    // Track names may have changed without new tracks appearing: read them once more.
    if (store_) index_.setTrackNames(store_->tracks());
    Q_EMIT updated();
}

void TraceFeed::clear() {
    timer_.stop();
    store_.reset();
    index_.clear();
    consumed_ = 0;
    knownTracks_ = 0;
    Q_EMIT reset();
}

void TraceFeed::inject(const std::vector<ts::TraceEvent>& events) {
    index_.append(events);
    Q_EMIT updated();
}

int TraceFeed::poll() {
    if (!store_) return 0;
    const std::vector<ts::TraceEvent> fresh = store_->eventsFrom(consumed_);
    if (fresh.empty()) return 0;
    consumed_ += fresh.size();
    index_.append(fresh);
    // Names come with the store's track list; a new track is rare (one per worker).
    if (index_.tracks().size() != knownTracks_) {
        index_.setTrackNames(store_->tracks());
        knownTracks_ = index_.tracks().size();
    }
    Q_EMIT updated();
    return static_cast<int>(fresh.size());
}

}  // namespace tsui
