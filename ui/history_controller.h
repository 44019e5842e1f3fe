#pragma once
// The run history's side of the main window: each finished run becomes a row of the
// RunHistoryModel and, while it is among the newest few, a RunArchive entry (trace and
// frames); the "Run history" tab lists the rows and the "Compare runs" tab shows two of
// them (timelines and frame diff) when the history asks for it.
#include "decode_worker.h"
#include "run_archive.h"
#include "run_history_model.h"

#include "decode/decode_settings.h"
#include "profile/trace_event.h"

#include <QImage>
#include <QObject>
#include <QVector>

#include <cstdint>
#include <memory>

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
    // Adds the "Run history" and "Compare runs" tabs to `tabs`.
    HistoryController(RunHistoryModel* model, QTabWidget* tabs, QObject* parent = nullptr);

    // Adds `record` as the newest row and keeps the run's trace and frames for comparing.
    void record(const RunRecord& record, std::shared_ptr<const ts::TraceStore> trace, std::int64_t originNs,
                const QVector<QImage>& frames);
    // Shows rows `olderRow` (A) and `newerRow` (B) in the Compare runs tab and switches
    // to it; false for a row that does not exist.
    bool compare(int olderRow, int newerRow);

    HistoryPanel* panel() const { return panel_; }
    RunCompareView* compareView() const { return compareView_; }
    const RunArchive& archive() const { return archive_; }

private:
    RunHistoryModel* model_;
    QTabWidget* tabs_;
    HistoryPanel* panel_ = nullptr;
    RunCompareView* compareView_ = nullptr;
    RunArchive archive_;
};

}  // namespace tsui
