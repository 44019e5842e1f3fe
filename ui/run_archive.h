#pragma once
// What this session keeps of its most recent runs beyond their history row: the trace
// (for the compare view's timelines) and the decoded frames (for its frame diff). Only
// the newest few runs are kept, and only up to a byte budget of frames, so a long session
// does not grow without bound (the 20-runs-in-a-row bar). It is the fast cache in
// front of the RunStore (run_store.h), which keeps runs on disk across sessions: older
// runs, and runs of earlier sessions, are read back from there.
#include "profile/trace_store.h"

#include <QImage>
#include <QString>
#include <QVector>

#include <cstdint>
#include <deque>
#include <memory>

namespace tsui {

struct ArchivedRun {
    QString id;                                    // RunRecord::id
    std::shared_ptr<const ts::TraceStore> trace;   // may be null (no trace recorded)
    std::int64_t originNs = 0;                     // the run's start: timelines align here
    QVector<QImage> frames;                        // implicitly shared with the preview's
    qint64 frameBytes() const;
};

class RunArchive {
public:
    static constexpr int kDefaultRuns = 4;
    static constexpr qint64 kDefaultFrameBytes = qint64(512) << 20;

    explicit RunArchive(int maxRuns = kDefaultRuns, qint64 maxFrameBytes = kDefaultFrameBytes);

    // Keeps `run` as the newest; drops the oldest runs beyond maxRuns, then the oldest
    // runs' frames (not their traces) until the frames fit maxFrameBytes. A run with an
    // empty id is not kept.
    void keep(ArchivedRun run);
    void remove(const QString& id);
    // nullptr when the run was never kept or has been dropped.
    const ArchivedRun* find(const QString& id) const;

    int size() const { return static_cast<int>(runs_.size()); }
    int maxRuns() const { return maxRuns_; }
    qint64 frameBytes() const;

private:
    int maxRuns_;
    qint64 maxFrameBytes_;
    std::deque<ArchivedRun> runs_;  // oldest first
};

}  // namespace tsui
