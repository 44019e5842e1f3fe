#include "run_archive.h"

#include <algorithm>

namespace tsui {

qint64 ArchivedRun::frameBytes() const {
    qint64 total = 0;
    for (const QImage& f : frames) total += f.sizeInBytes();
    return total;
}

RunArchive::RunArchive(int maxRuns, qint64 maxFrameBytes)
    : maxRuns_(std::max(1, maxRuns)), maxFrameBytes_(std::max<qint64>(0, maxFrameBytes)) {}

void RunArchive::keep(ArchivedRun run) {
    if (run.id.isEmpty()) return;
    remove(run.id);
    runs_.push_back(std::move(run));
    while (static_cast<int>(runs_.size()) > maxRuns_) runs_.pop_front();
    // Frames are what is large; traces of a few runs are small next to them. The newest
    // run keeps its frames even alone over the budget: it is what the preview shows anyway.
    for (std::size_t i = 0; i + 1 < runs_.size() && frameBytes() > maxFrameBytes_; ++i) runs_[i].frames.clear();
}

void RunArchive::remove(const QString& id) {
    runs_.erase(std::remove_if(runs_.begin(), runs_.end(), [&](const ArchivedRun& r) { return r.id == id; }), runs_.end());
}

const ArchivedRun* RunArchive::find(const QString& id) const {
    if (id.isEmpty()) return nullptr;
    for (const ArchivedRun& r : runs_)
        if (r.id == id) return &r;
    return nullptr;
}

qint64 RunArchive::frameBytes() const {
    qint64 total = 0;
    for (const ArchivedRun& r : runs_) total += r.frameBytes();
    return total;
}

}  // namespace tsui
