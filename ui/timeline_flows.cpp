#include "timeline_flows.h"

#include "timeline_index.h"

#include <algorithm>

namespace tsui {

namespace {

// The innermost span of `track` containing timeNs (the latest start; the shorter of two
// that start together), and its row; -1 when none does. Rows are not nesting depths (ATen
// ops take rows under the engine's spans and the CUDA runtime calls inside them), so this
// compares the spans themselves.
std::int64_t innermostSpanAt(const TimelineIndex& index, int track, std::int64_t timeNs, int* row) {
    std::int64_t best = -1;
    for (int r = 0; r < index.rowCount(); ++r) {
        if (index.row(r).track != track) continue;
        const std::int64_t record = index.spanAt(r, timeNs);
        if (record < 0) continue;
        const TimelineRecord& c = index.record(static_cast<std::uint32_t>(record));
        if (best >= 0) {
            const TimelineRecord& b = index.record(static_cast<std::uint32_t>(best));
            if (c.start < b.start || (c.start == b.start && c.duration >= b.duration)) continue;
        }
        best = record;
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
    const std::int64_t start = span.start, end = span.start + span.duration;
    const auto& list = byTrack_[static_cast<std::size_t>(span.track)];
    const auto first = std::lower_bound(list.begin(), list.end(), std::make_pair(start, std::uint64_t{0}));
    const auto last = std::upper_bound(first, list.end(), std::make_pair(end, ~std::uint64_t{0}));
    if (first == last) return out;
    // An end inside this span belongs to it unless a span inside it contains the end too.
    // One pass over each row's spans within this one (sorted and disjoint per row), beside
    // the sorted ends: a parent of thousands of launches costs a linear merge, not a search
    // per launch (this runs on every hover).
    std::vector<bool> inner(static_cast<std::size_t>(last - first), false);
    for (int r = 0; r < index.rowCount(); ++r) {
        const TimelineRow& candidates = index.row(r);
        if (candidates.track != span.track) continue;
        auto c = std::partition_point(candidates.spans.begin(), candidates.spans.end(),
                                      [start](const TimelineSpan& x) { return x.end < start; });
        auto e = first;
        for (; c != candidates.spans.end() && c->start <= end; ++c) {
            if (c->start < start || c->end > end || (c->start == start && c->end == end)) continue;
            while (e != last && e->first < c->start) ++e;
            for (auto k = e; k != last && k->first <= c->end; ++k) inner[static_cast<std::size_t>(k - first)] = true;
        }
    }
    for (auto it = first; it != last; ++it) {
        if (inner[static_cast<std::size_t>(it - first)]) continue;
        const auto ends = byId_.find(it->second);
        if (ends == byId_.end() || ends->second.start.track < 0 || ends->second.end.track < 0) continue;
        TimelineFlow f;
        f.id = it->second;
        f.fromNs = ends->second.start.timeNs;
        f.toNs = ends->second.end.timeNs;
        f.fromRecord = innermostSpanAt(index, ends->second.start.track, f.fromNs, &f.fromRow);
        f.toRecord = innermostSpanAt(index, ends->second.end.track, f.toNs, &f.toRow);
        // One arrow per flow even when both of its ends lie in this span.
        if (std::none_of(out.begin(), out.end(), [&f](const TimelineFlow& g) { return g.id == f.id; })) out.push_back(f);
    }
    return out;
}

}  // namespace tsui
