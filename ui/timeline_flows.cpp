#include "timeline_flows.h"

#include "timeline_index.h"

#include <algorithm>

namespace tsui {

namespace {

// The deepest span of `track` that contains timeNs, and its row; -1 when none does.
std::int64_t deepestSpanAt(const TimelineIndex& index, int track, std::int64_t timeNs, int* row) {
    std::int64_t best = -1;
    int bestDepth = -1;
    for (int r = 0; r < index.rowCount(); ++r) {
        const TimelineRow& candidate = index.row(r);
        if (candidate.track != track || candidate.depth <= bestDepth) continue;
        const std::int64_t record = index.spanAt(r, timeNs);
        if (record < 0) continue;
        best = record;
        bestDepth = candidate.depth;
        *row = r;
    }
    return best;
}

}  // namespace

void TimelineFlows::add(std::uint64_t id, int track, std::int64_t timeNs, bool start) {
    Ends& ends = byId_[id];
    (start ? ends.start : ends.end) = End{track, timeNs};
    if (track < 0) return;
    if (byTrack_.size() <= static_cast<std::size_t>(track)) byTrack_.resize(static_cast<std::size_t>(track) + 1);
    auto& list = byTrack_[static_cast<std::size_t>(track)];
    if (!list.empty() && list.back().first > timeNs) sorted_ = false;
    list.emplace_back(timeNs, id);
}

std::size_t TimelineFlows::completeCount() const {
    std::size_t n = 0;
    for (const auto& [id, ends] : byId_) n += ends.start.track >= 0 && ends.end.track >= 0;
    return n;
}

std::vector<TimelineFlow> TimelineFlows::of(const TimelineIndex& index, std::uint32_t record) const {
    std::vector<TimelineFlow> out;
    if (record >= index.spanCount() || index.rowOf(record) < 0) return out;
    const TimelineRecord& span = index.record(record);
    if (static_cast<std::size_t>(span.track) >= byTrack_.size()) return out;
    if (!sorted_) {
        for (auto& list : byTrack_) std::sort(list.begin(), list.end());
        sorted_ = true;
    }
    const auto& list = byTrack_[static_cast<std::size_t>(span.track)];
    auto it = std::lower_bound(list.begin(), list.end(), std::make_pair(span.start, std::uint64_t{0}));
    for (; it != list.end() && it->first <= span.start + span.duration; ++it) {
        int row = -1;
        if (deepestSpanAt(index, span.track, it->first, &row) != static_cast<std::int64_t>(record)) continue;
        const auto ends = byId_.find(it->second);
        if (ends == byId_.end() || ends->second.start.track < 0 || ends->second.end.track < 0) continue;
        TimelineFlow f;
        f.id = it->second;
        f.fromNs = ends->second.start.timeNs;
        f.toNs = ends->second.end.timeNs;
        f.fromRecord = deepestSpanAt(index, ends->second.start.track, f.fromNs, &f.fromRow);
        f.toRecord = deepestSpanAt(index, ends->second.end.track, f.toNs, &f.toRow);
        // One arrow per flow even when both of its ends lie in this span.
        if (std::none_of(out.begin(), out.end(), [&f](const TimelineFlow& g) { return g.id == f.id; }))
            out.push_back(f);
    }
    return out;
}

}  // namespace tsui
