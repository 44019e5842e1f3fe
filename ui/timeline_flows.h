#pragma once
// Flows of a trace (CUPTI's correlation: the CPU-side launch of a kernel or copy -> the
// GPU activity it started), kept by id until both ends have arrived, and looked up for
// one span at a time: as in Perfetto, a flow's end belongs to the innermost span of its
// track that contains it (Chrome's binding point "e"), and the timeline draws the arrows
// of the selected span only (every launch of a run at once would be a solid mesh).
#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tsui {

class TimelineIndex;

// One flow as the timeline draws it: from the span that started it to the span it ends in.
struct TimelineFlow {
    std::uint64_t id = 0;
    std::int64_t fromNs = 0, toNs = 0;
    std::int64_t fromRecord = -1, toRecord = -1;  // the spans each end belongs to (-1: none)
    int fromRow = -1, toRow = -1;                 // their rows
};

class TimelineFlows {
public:
    void add(std::uint64_t id, int track, std::int64_t timeNs, bool start);
    // Flows with both ends recorded.
    std::size_t completeCount() const;
    // The flows with an end that belongs to `record` (none for a span that only encloses
    // the span an end belongs to).
    std::vector<TimelineFlow> of(const TimelineIndex& index, std::uint32_t record) const;

private:
    struct End {
        int track = -1;  // -1: not recorded yet
        std::int64_t timeNs = 0;
    };
    struct Ends {
        End start, end;
    };
    std::unordered_map<std::uint64_t, Ends> byId_;
    // Per track, (time, id) of every end there, sorted when a lookup needs it.
    mutable std::vector<std::vector<std::pair<std::int64_t, std::uint64_t>>> byTrack_;
    mutable bool sorted_ = true;
};

}  // namespace tsui
