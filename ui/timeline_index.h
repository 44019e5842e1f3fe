#pragma once
// The timeline's data, kept apart from any painting so it can be tested and benchmarked
// on its own: spans from a trace, grouped into rows (one per track and nesting depth),
// each row sorted by start, plus the queries the view needs per repaint (level-of-detail
// blocks for a pixel width, hit tests, name search, range statistics).
//
// Spans arrive when they end (children before their parents), so nesting depth is not
// known at append time: appends go to a per-track pending list and a track's rows are
// rebuilt (merge of the sorted pending batch, then one stack sweep) the next time a
// query needs them.
#include "profile/trace_store.h"
#include "timeline_flows.h"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace tsui {

struct TimelineSpan {
    std::int64_t start = 0;
    std::int64_t end = 0;
    std::uint32_t record = 0;  // index into TimelineIndex::record()
};

// A span as stored: names, categories and argument lists interned, args only when present.
struct TimelineRecord {
    std::int64_t start = 0;
    std::int64_t duration = 0;
    std::uint32_t name = 0;      // TimelineIndex::name()
    std::uint16_t category = 0;  // TimelineIndex::categoryName()
    std::int32_t args = -1;      // TimelineIndex::args(), -1 = none
    std::int32_t track = 0;
};

// What one row draws in one pixel column or more: a single span, or several spans
// narrower than a pixel merged together (count > 1).
struct TimelineBlock {
    std::int64_t start = 0;
    std::int64_t end = 0;
    std::uint32_t record = 0;  // the first span of the block
    std::uint32_t count = 1;
};

struct TimelineRow {
    int track = 0;   // index into tracks()
    int depth = 0;   // nesting depth within the track
    std::vector<TimelineSpan> spans;  // sorted by start, disjoint when spans nest properly
};

struct TimelineTrack {
    int pid = 0;
    std::int64_t tid = 0;
    std::string name;
};

// Per span name within a time range (Perfetto's area selection): time is clipped to
// the range; share is that time over the range's length (PyTorch's "CPU total %"): a span
// covering the range is 1, and names on parallel tracks (tile workers, streams) or nested in
// each other can add up to more than 1.
struct TimelineNameStats {
    std::string name;
    std::string category;
    std::int64_t count = 0;
    std::int64_t totalNs = 0;
    double meanNs = 0;
    double share = 0;
};

struct CounterSample {
    std::int64_t timeNs = 0;
    double value = 0;
};

struct CounterSeries {
    int pid = 0;
    std::string name;  // "rss_bytes", "device_used_bytes", ...
    std::vector<CounterSample> samples;  // in arrival order (sources append in time order)
};

class TimelineIndex {
public:
    void clear();
    // Spans go to rows, counters to counter series, instants to instants(), flow ends to
    // flows().
    void append(const std::vector<ts::TraceEvent>& events);
    void appendSpan(int pid, std::int64_t tid, const std::string& name, const std::string& category,
                    std::int64_t startNs, std::int64_t durationNs);
    void setTrackNames(const std::vector<ts::TraceStore::TrackName>& names);

    // Rows ordered by pid, tid, depth. Rebuilds dirty tracks first.
    int rowCount() const;
    const TimelineRow& row(int index) const;
    const std::vector<TimelineTrack>& tracks() const { return tracks_; }
    std::string rowLabel(int index) const;  // the track's name on its first row, "" below

    std::size_t spanCount() const { return records_.size(); }
    const TimelineRecord& record(std::uint32_t index) const { return records_[index]; }
    const std::string& name(std::uint32_t id) const { return names_[id]; }
    const std::string& categoryName(std::uint16_t id) const { return categories_[id]; }
    const std::vector<std::pair<std::string, std::string>>& args(std::int32_t id) const;
    const std::vector<CounterSeries>& counters() const { return counters_; }
    const std::vector<ts::TraceEvent>& instants() const { return instants_; }
    const TimelineFlows& flows() const { return flows_; }

    // Earliest start and latest end of anything appended (spans, counters, instants);
    // both 0 when empty.
    std::int64_t minTime() const { return hasTime_ ? minTime_ : 0; }
    std::int64_t maxTime() const { return hasTime_ ? maxTime_ : 0; }

    // The blocks of `row` intersecting [t0, t1] when one pixel spans `nsPerPixel`: spans at
    // least a pixel wide come one by one; runs of narrower spans with gaps under a pixel
    // merge into one block. Cost grows with the pixels drawn, not the spans in view.
    std::vector<TimelineBlock> blocks(int row, std::int64_t t0, std::int64_t t1, double nsPerPixel) const;
    // The span of `row` covering time t (within `slackNs`), or -1.
    std::int64_t spanAt(int row, std::int64_t t, std::int64_t slackNs = 0) const;
    // The row holding a record, or -1.
    int rowOf(std::uint32_t record) const;

    // Names containing `text` (case-insensitive): one flag per name id.
    std::vector<bool> matchNames(const std::string& text) const;
    std::int64_t countMatches(const std::vector<bool>& nameFlags) const;

    // Statistics of every span intersecting [t0, t1] on rows [firstRow, lastRow] (all
    // rows when lastRow < 0), sorted by total time, largest first.
    std::vector<TimelineNameStats> statsInRange(std::int64_t t0, std::int64_t t1, int firstRow = 0,
                                                int lastRow = -1) const;

private:
    struct TrackData {
        std::vector<std::uint32_t> sorted;   // by start asc, duration desc
        std::vector<std::uint32_t> pending;  // appended since the last rebuild
    };
    int trackFor(int pid, std::int64_t tid);
    std::uint32_t intern(const std::string& s);
    std::uint16_t internCategory(const std::string& s);
    std::int32_t internArgs(const std::vector<std::pair<std::string, std::string>>& args);
    void touch(std::int64_t t0, std::int64_t t1);
    void rebuild() const;

    std::vector<TimelineRecord> records_;
    std::vector<std::string> names_;
    std::unordered_map<std::string, std::uint32_t> nameIds_;
    std::vector<std::string> categories_;
    std::vector<std::vector<std::pair<std::string, std::string>>> args_;  // distinct lists
    std::unordered_map<std::string, std::int32_t> argIds_;
    std::vector<TimelineTrack> tracks_;
    mutable std::vector<TrackData> trackData_;
    std::vector<CounterSeries> counters_;
    std::vector<ts::TraceEvent> instants_;
    TimelineFlows flows_;
    mutable std::vector<std::vector<TimelineRow>> lanes_;  // per track, by depth
    mutable std::vector<std::pair<int, int>> rowOrder_;     // row -> (track, depth)
    mutable std::vector<std::int32_t> recordRow_;           // record -> row
    mutable bool dirty_ = false;
    std::int64_t minTime_ = 0, maxTime_ = 0;
    bool hasTime_ = false;
};

}  // namespace tsui
