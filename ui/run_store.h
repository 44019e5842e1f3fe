#pragma once
// Runs kept on disk beyond the session: each finished run's trace and decoded frames in
// a folder named by its RunRecord::id under the store's root (by default the app data
// folder's "runs", next to run-history.json), so History can reopen and compare runs of
// earlier sessions with their timelines and frames, not just their numbers.
//
// A run's folder holds trace.bin (trace_codec.h), frame_0000.png … and run.json (what
// the folder holds), and appears only complete: it is written under a temporary name and
// renamed into place (ts::AtomicOutput), so a crash mid-write leaves a temporary that
// no load reads as a run (prune() clears stale ones). The store is bounded: at most
// maxRuns folders and maxBytes in all, the oldest go first (the newest always stays).
//
// Plain synchronous file I/O with no state but the root and the limits: the GUI calls it
// through AsyncRunStore, off its thread; tests call it directly.
#include "run_archive.h"

#include <QMetaType>
#include <QString>
#include <QStringList>

namespace tsui {

// What reading a run back gave: the run, or why not.
struct LoadedRun {
    enum class Status { Ok, Missing, Damaged };
    Status status = Status::Missing;
    ArchivedRun run;  // with Ok
    QString error;    // otherwise: a sentence saying what is missing or which file is damaged how
    bool ok() const { return status == Status::Ok; }
};

class RunStore {
public:
    static constexpr int kDefaultRuns = 20;
    static constexpr qint64 kDefaultBytes = qint64(2) << 30;

    // root: the folder holding the runs' folders (created on the first save).
    explicit RunStore(QString root, int maxRuns = kDefaultRuns, qint64 maxBytes = kDefaultBytes);
    // QStandardPaths::AppDataLocation + "/runs".
    static QString defaultRoot();

    const QString& root() const { return root_; }
    int maxRuns() const { return maxRuns_; }
    qint64 maxBytes() const { return maxBytes_; }
    // root/<id>; "" for an id that cannot name a folder (empty, or anything but letters,
    // digits, '-' and '_': ids come from a JSON file a user can edit).
    QString folder(const QString& id) const;

    // Writes the run's trace and frames as root/<run.id>, replacing an earlier copy, then
    // prunes. "" when done, else the error (naming the path).
    QString save(const ArchivedRun& run) const;
    LoadedRun load(const QString& id) const;
    // Deletes the run's folder; true when it is gone (or never was there).
    bool remove(const QString& id) const;
    // The complete runs on disk, newest first.
    QStringList ids() const;
    // Drops the oldest runs beyond the limits and temporaries of interrupted writes;
    // returns the ids removed.
    QStringList prune() const;
    // The temporaries of interrupted writes: at once when the process that wrote them is
    // gone (a killed session), else once an hour old. AsyncRunStore runs it at start-up.
    void removeOrphanedTemporaries() const;

private:
    QString root_;
    int maxRuns_;
    qint64 maxBytes_;
};

}  // namespace tsui

Q_DECLARE_METATYPE(tsui::LoadedRun)
