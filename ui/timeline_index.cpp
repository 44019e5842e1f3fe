#include "timeline_index.h"

#include <algorithm>
#include <cctype>
#include <numeric>

namespace tsui {

namespace {

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

const std::vector<std::pair<std::string, std::string>> kNoArgs;

}  // namespace

void TimelineIndex::clear() {
    *this = TimelineIndex();
}

int TimelineIndex::trackFor(int pid, std::int64_t tid) {
    for (std::size_t i = 0; i < tracks_.size(); ++i)
        if (tracks_[i].pid == pid && tracks_[i].tid == tid) return static_cast<int>(i);
    TimelineTrack t;
    t.pid = pid;
    t.tid = tid;
    t.name = (pid == 0 ? "CPU thread " : "GPU " + std::to_string(pid - 1) + " stream ") + std::to_string(tid);
    tracks_.push_back(std::move(t));
    trackData_.emplace_back();
    dirty_ = true;
    return static_cast<int>(tracks_.size() - 1);
}

// An op's argument list (shapes, dtype, FLOPs) repeats in every chunk and tile: each
// distinct list is kept once, keyed by its fields, each preceded by its length (so no
// content of a key or value can make two lists collide).
std::int32_t TimelineIndex::internArgs(const std::vector<std::pair<std::string, std::string>>& args) {
    std::string key;
    for (const auto& [k, v] : args) {
        for (const std::string* field : {&k, &v}) {
            key += std::to_string(field->size());
            key += ':';
            key += *field;
        }
    }
    const auto it = argIds_.find(key);
    if (it != argIds_.end()) return it->second;
    const auto id = static_cast<std::int32_t>(args_.size());
    args_.push_back(args);
    argIds_.emplace(std::move(key), id);
    return id;
}

std::uint32_t TimelineIndex::intern(const std::string& s) {
    auto it = nameIds_.find(s);
    if (it != nameIds_.end()) return it->second;
    const auto id = static_cast<std::uint32_t>(names_.size());
    names_.push_back(s);
    nameIds_.emplace(s, id);
    return id;
}

std::uint16_t TimelineIndex::internCategory(const std::string& s) {
    for (std::size_t i = 0; i < categories_.size(); ++i)
        if (categories_[i] == s) return static_cast<std::uint16_t>(i);
    categories_.push_back(s);
    return static_cast<std::uint16_t>(categories_.size() - 1);
}

void TimelineIndex::touch(std::int64_t t0, std::int64_t t1) {
    if (!hasTime_) {
        minTime_ = t0;
        maxTime_ = t1;
        hasTime_ = true;
        return;
    }
    minTime_ = std::min(minTime_, t0);
    maxTime_ = std::max(maxTime_, t1);
}

void TimelineIndex::appendSpan(int pid, std::int64_t tid, const std::string& name, const std::string& category,
                               std::int64_t startNs, std::int64_t durationNs) {
    TimelineRecord r;
    r.start = startNs;
    r.duration = std::max<std::int64_t>(0, durationNs);
    r.name = intern(name);
    r.category = internCategory(category);
    r.track = trackFor(pid, tid);
    trackData_[static_cast<std::size_t>(r.track)].pending.push_back(static_cast<std::uint32_t>(records_.size()));
    records_.push_back(r);
    touch(r.start, r.start + r.duration);
    dirty_ = true;
}

void TimelineIndex::append(const std::vector<ts::TraceEvent>& events) {
    for (const ts::TraceEvent& e : events) {
        switch (e.kind) {
        case ts::TraceEvent::Kind::Span:
            appendSpan(e.pid, e.tid, e.name, e.category, e.startNs, e.durationNs);
            if (!e.args.empty()) records_.back().args = internArgs(e.args);
            break;
        case ts::TraceEvent::Kind::Counter: {
            auto it = std::find_if(counters_.begin(), counters_.end(),
                                   [&](const CounterSeries& c) { return c.pid == e.pid && c.name == e.name; });
            if (it == counters_.end()) {
                counters_.push_back(CounterSeries{e.pid, e.name, {}});
                it = counters_.end() - 1;
            }
            it->samples.push_back({e.startNs, e.value});
            touch(e.startNs, e.startNs);
            break;
        }
        case ts::TraceEvent::Kind::Instant:
            instants_.push_back(e);
            touch(e.startNs, e.startNs);
            break;
        case ts::TraceEvent::Kind::FlowStart:
        case ts::TraceEvent::Kind::FlowEnd:
            flows_.add(e.flowId, trackFor(e.pid, e.tid), e.startNs, e.kind == ts::TraceEvent::Kind::FlowStart);
            break;
        }
    }
}

void TimelineIndex::setTrackNames(const std::vector<ts::TraceStore::TrackName>& names) {
    for (const auto& n : names) tracks_[static_cast<std::size_t>(trackFor(n.pid, n.tid))].name = n.name;
}

const std::vector<std::pair<std::string, std::string>>& TimelineIndex::args(std::int32_t id) const {
    return id >= 0 && static_cast<std::size_t>(id) < args_.size() ? args_[static_cast<std::size_t>(id)] : kNoArgs;
}

void TimelineIndex::rebuild() const {
    if (!dirty_) return;
    dirty_ = false;
    lanes_.resize(tracks_.size());
    recordRow_.resize(records_.size(), -1);
    auto before = [this](std::uint32_t a, std::uint32_t b) {
        const TimelineRecord& x = records_[a];
        const TimelineRecord& y = records_[b];
        if (x.start != y.start) return x.start < y.start;
        if (x.duration != y.duration) return x.duration > y.duration;  // parents before children
        return a < b;
    };
    // The "op" category's id, or one no record has.
    std::uint16_t opCategory = 0xffff;
    for (std::size_t i = 0; i < categories_.size(); ++i)
        if (categories_[i] == "op") opCategory = static_cast<std::uint16_t>(i);
    for (std::size_t t = 0; t < tracks_.size(); ++t) {
        TrackData& d = trackData_[t];
        if (d.pending.empty()) continue;
        // Merge the sorted new batch into the sorted list: O(n) per rebuild, not a re-sort.
        std::sort(d.pending.begin(), d.pending.end(), before);
        const auto mid = static_cast<std::ptrdiff_t>(d.sorted.size());
        d.sorted.insert(d.sorted.end(), d.pending.begin(), d.pending.end());
        d.pending.clear();
        std::inplace_merge(d.sorted.begin(), d.sorted.begin() + mid, d.sorted.end(), before);
        // Depth = spans still open when this one starts (a stack of end times). The engine's
        // own spans (run, chunk, stage, tile) take the first rows and ATen ops the rows
        // under them, as Nsight Systems keeps NVTX ranges apart from API calls: ops between
        // two stages would otherwise share the stages' rows, and a sub-pixel op merged with
        // the stage next to it would paint that stage in the op's colour.
        std::vector<TimelineRow>& lanes = lanes_[t];
        lanes.clear();
        for (const bool opsPass : {false, true}) {
            const std::size_t firstLane = lanes.size();
            std::vector<std::int64_t> open;
            for (std::uint32_t id : d.sorted) {
                const TimelineRecord& r = records_[id];
                if ((r.category == opCategory) != opsPass) continue;
                while (!open.empty() && open.back() <= r.start) open.pop_back();
                const std::size_t depth = firstLane + open.size();
                if (lanes.size() <= depth) {
                    lanes.emplace_back();
                    lanes.back().track = static_cast<int>(t);
                    lanes.back().depth = static_cast<int>(depth);
                }
                lanes[depth].spans.push_back({r.start, r.start + r.duration, id});
                open.push_back(r.start + r.duration);
            }
        }
    }
    std::vector<int> order(tracks_.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [this](int a, int b) {
        const TimelineTrack& x = tracks_[static_cast<std::size_t>(a)];
        const TimelineTrack& y = tracks_[static_cast<std::size_t>(b)];
        return x.pid != y.pid ? x.pid < y.pid : x.tid < y.tid;
    });
    rowOrder_.clear();
    for (int t : order)
        for (std::size_t d = 0; d < lanes_[static_cast<std::size_t>(t)].size(); ++d) {
            const int rowIndex = static_cast<int>(rowOrder_.size());
            rowOrder_.emplace_back(t, static_cast<int>(d));
            for (const TimelineSpan& s : lanes_[static_cast<std::size_t>(t)][d].spans) recordRow_[s.record] = rowIndex;
        }
}

int TimelineIndex::rowCount() const {
    rebuild();
    return static_cast<int>(rowOrder_.size());
}

const TimelineRow& TimelineIndex::row(int index) const {
    rebuild();
    const auto& [t, d] = rowOrder_.at(static_cast<std::size_t>(index));
    return lanes_[static_cast<std::size_t>(t)][static_cast<std::size_t>(d)];
}

std::string TimelineIndex::rowLabel(int index) const {
    const TimelineRow& r = row(index);
    return r.depth == 0 ? tracks_[static_cast<std::size_t>(r.track)].name : std::string();
}

int TimelineIndex::rowOf(std::uint32_t record) const {
    rebuild();
    return record < recordRow_.size() ? recordRow_[record] : -1;
}

std::vector<TimelineBlock> TimelineIndex::blocks(int rowIndex, std::int64_t t0, std::int64_t t1,
                                                 double nsPerPixel) const {
    std::vector<TimelineBlock> out;
    if (rowIndex < 0 || rowIndex >= rowCount() || t1 < t0) return out;
    const std::vector<TimelineSpan>& spans = row(rowIndex).spans;
    const auto px = std::max<std::int64_t>(1, static_cast<std::int64_t>(nsPerPixel));
    // Spans in a row are disjoint and sorted, so their ends are sorted too.
    auto it = std::partition_point(spans.begin(), spans.end(), [t0](const TimelineSpan& s) { return s.end < t0; });
    while (it != spans.end() && it->start <= t1) {
        TimelineBlock b{it->start, it->end, it->record, 1};
        if (it->end - it->start >= px) {
            out.push_back(b);
            ++it;
            continue;
        }
        // Merge the narrow spans starting less than a pixel after the block's end; jump there
        // by binary search so a dense region costs one search per pixel, not one step per
        // span. A span a pixel wide or more is drawn on its own: merged, a 0.5 ms span
        // between two 600 ms chunks painted the whole row in its colour. Spans are disjoint,
        // so such a span can only be the last one in the window (it reaches past it).
        auto last = it;
        for (;;) {
            const std::int64_t limit = b.end + px;
            auto next = std::partition_point(last + 1, spans.end(),
                                             [limit](const TimelineSpan& s) { return s.start < limit; });
            const bool endsWide = next != last + 1 && (next - 1)->end - (next - 1)->start >= px;
            if (endsWide) --next;
            if (next == last + 1) break;
            b.count += static_cast<std::uint32_t>(next - (last + 1));
            last = next - 1;
            b.end = std::max(b.end, last->end);
            if (endsWide) break;
        }
        out.push_back(b);
        it = last + 1;
    }
    return out;
}

std::int64_t TimelineIndex::spanAt(int rowIndex, std::int64_t t, std::int64_t slackNs) const {
    if (rowIndex < 0 || rowIndex >= rowCount()) return -1;
    const std::vector<TimelineSpan>& spans = row(rowIndex).spans;
    auto it = std::partition_point(spans.begin(), spans.end(),
                                   [t, slackNs](const TimelineSpan& s) { return s.end + slackNs < t; });
    if (it == spans.end() || it->start - slackNs > t) return -1;
    // Prefer an exact hit over one within the slack of a neighbour.
    if (it->end < t && it + 1 != spans.end() && (it + 1)->start <= t) ++it;
    return it->record;
}

std::vector<bool> TimelineIndex::matchNames(const std::string& text) const {
    std::vector<bool> flags(names_.size(), false);
    if (text.empty()) return flags;
    const std::string needle = lower(text);
    for (std::size_t i = 0; i < names_.size(); ++i) flags[i] = lower(names_[i]).find(needle) != std::string::npos;
    return flags;
}

std::int64_t TimelineIndex::countMatches(const std::vector<bool>& nameFlags) const {
    std::int64_t n = 0;
    for (const TimelineRecord& r : records_) n += r.name < nameFlags.size() && nameFlags[r.name];
    return n;
}

std::vector<TimelineNameStats> TimelineIndex::statsInRange(std::int64_t t0, std::int64_t t1, int firstRow,
                                                           int lastRow) const {
    std::vector<TimelineNameStats> out;
    if (t1 < t0) std::swap(t0, t1);
    const int rows = rowCount();
    if (lastRow < 0 || lastRow >= rows) lastRow = rows - 1;
    std::vector<std::int64_t> slot(names_.size(), -1);
    for (int r = std::max(0, firstRow); r <= lastRow; ++r) {
        const std::vector<TimelineSpan>& spans = row(r).spans;
        auto it = std::partition_point(spans.begin(), spans.end(), [t0](const TimelineSpan& s) { return s.end < t0; });
        for (; it != spans.end() && it->start <= t1; ++it) {
            const TimelineRecord& rec = records_[it->record];
            const std::int64_t clipped = std::min(it->end, t1) - std::max(it->start, t0);
            // A span that only touches the range (ends where it starts, or starts where it
            // ends) is not in it; an instant (zero length) inside it is.
            const bool instantInside = it->start == it->end && it->start >= t0 && it->start <= t1;
            if (clipped <= 0 && !instantInside) continue;
            std::int64_t& k = slot[rec.name];
            if (k < 0) {
                k = static_cast<std::int64_t>(out.size());
                TimelineNameStats s;
                s.name = names_[rec.name];
                s.category = categories_[rec.category];
                out.push_back(s);
            }
            TimelineNameStats& s = out[static_cast<std::size_t>(k)];
            ++s.count;
            s.totalNs += std::max<std::int64_t>(0, clipped);
        }
    }
    for (TimelineNameStats& s : out) {
        s.meanNs = s.count ? static_cast<double>(s.totalNs) / static_cast<double>(s.count) : 0;
        s.share = t1 > t0 ? static_cast<double>(s.totalNs) / static_cast<double>(t1 - t0) : 0;
    }
    std::sort(out.begin(), out.end(), [](const TimelineNameStats& a, const TimelineNameStats& b) {
        return a.totalNs != b.totalNs ? a.totalNs > b.totalNs : a.name < b.name;
    });
    return out;
}

}  // namespace tsui
