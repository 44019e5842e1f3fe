#pragma once
// The run history's side of the main window: each finished run becomes a row of the
// RunHistoryModel, a RunArchive entry while it is among the newest few (trace and
// frames in memory, the fast path) and a folder of the RunStore on disk (written off the
// GUI thread, kept across sessions up to the store's limits). The "Run history" tab
// lists the rows; its Compare and Reopen show runs in the "Compare runs" tab, from the
// archive when it still holds them, else read back from disk (off the GUI thread; the
// tab says so meanwhile). Deleting a row deletes the run's folder too.
#include "async_run_store.h"
#include "decode_worker.h"
#include "run_archive.h"
#include "run_history_model.h"

#include "decode/decode_settings.h"
#include "profile/trace_event.h"

#include <QHash>
#include <QImage>
#include <QObject>
#include <QVector>

#include <cstdint>
#include <memory>
#include <optional>

class QTabWidget;

namespace tsui {

class HistoryPanel;
class RunCompareView;

// The history row of a run that just ended.
RunRecord makeRunRecord(const ts::DecodeSettings& settings, const RunOutcome& outcome, const QString& vaeSource,
                        const QString& latents, const QString& memoryBudget, std::int64_t peakBytes);

class HistoryController : public QObject {
    Q_OBJECT
public:
    // Adds the "Run history" and "Compare runs" tabs to `tabs`. The runs' payloads live
    // in storeRoot; "" = a "runs" folder next to the model's file (so the app data
    // folder by default, and a test's temporary folder when its history is there).
    HistoryController(RunHistoryModel* model, QTabWidget* tabs, QObject* parent = nullptr,
                      const QString& storeRoot = QString());

    // Adds `record` as the newest row, keeps the run's trace and frames for comparing and
    // queues them for writing to disk.
    void record(const RunRecord& record, std::shared_ptr<const ts::TraceStore> trace, std::int64_t originNs,
                const QVector<QImage>& frames);
    // Shows rows `olderRow` (A) and `newerRow` (B) in the Compare runs tab and switches
    // to it; false for a row that does not exist. Runs the archive no longer holds are
    // read from disk first: shown() says when the tab has them.
    bool compare(int olderRow, int newerRow);
    // The same for one run (History > Reopen).
    bool reopen(int row);
    bool isLoading() const { return pending_.has_value(); }

    HistoryPanel* panel() const { return panel_; }
    RunCompareView* compareView() const { return compareView_; }
    const RunArchive& archive() const { return archive_; }
    AsyncRunStore* runStore() const { return store_; }

Q_SIGNALS:
    // The Compare runs tab shows what the last compare()/reopen() asked for.
    void shown();

private:
    struct Side {
        RunRecord record;
        std::optional<ArchivedRun> run;  // from the archive or the disk
        QString missing;                 // why not, when not
        bool loading = false;
    };
    struct Request {
        std::vector<Side> sides;  // A (and B)
    };
    void request(std::vector<RunRecord> records);
    void onLoaded(const QString& id, const LoadedRun& loaded);
    void show(const Request& r);

    RunHistoryModel* model_;
    QTabWidget* tabs_;
    HistoryPanel* panel_ = nullptr;
    RunCompareView* compareView_ = nullptr;
    RunArchive archive_;
    AsyncRunStore* store_ = nullptr;
    std::optional<Request> pending_;    // waiting for disk reads
    QHash<QString, QString> saveErrors_;  // runs whose payload could not be written, and why
};

}  // namespace tsui
