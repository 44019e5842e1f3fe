#pragma once
// Two runs from the history side by side in time and in pixels: both runs' timelines one
// above the other (each on its own run's clock, so the x-axes align at each run's start;
// zooming or panning one moves the other) or, in the tab beside them, what changed per
// stage, op and memory counter; and their frames (FrameComparePanel). Built from what
// RunArchive kept or the RunStore read back from disk; a run whose trace or frames are
// gone (never written, or pruned) is named in message() instead. The diff table is
// computed on a pool thread (diffReady() when done). Reopen shows a single run the same
// way (setRun).
#include "run_history_model.h"

#include <QStringList>
#include <QWidget>

#include <memory>

namespace ts {
class TraceStore;
}

class QFutureWatcherBase;
class QTabWidget;
class QTableView;
class QLabel;

namespace tsui {

struct ArchivedRun;
class FrameComparePanel;
class RunDiffModel;
class TimelineView;
class TraceFeed;

class RunCompareView : public QWidget {
    Q_OBJECT
public:
    explicit RunCompareView(QWidget* parent = nullptr);

    // a: the older run. keptA/keptB: what the archive still holds of each, or nullptr,
    // then missingA/missingB say why ("" for the generic reason).
    void setRuns(const RunRecord& a, const ArchivedRun* keptA, const RunRecord& b, const ArchivedRun* keptB,
                 const QString& missingA = QString(), const QString& missingB = QString());
    // One run alone (History > Reopen): its timeline and frames, no diff.
    void setRun(const RunRecord& r, const ArchivedRun* kept, const QString& missing = QString());
    // The runs' numbers and "reading … from disk" until setRuns/setRun; b null for Reopen.
    void showLoading(const RunRecord& a, const RunRecord* b);
    void clear();
    // Empties the view and says why in place of the runs' numbers (a run shown here was
    // deleted from the history).
    void clearBecause(const QString& why);
    bool isSingle() const;

    TimelineView* timelineA() const { return timelineA_; }
    TimelineView* timelineB() const { return timelineB_; }
    TraceFeed* feedA() const { return feedA_; }
    TraceFeed* feedB() const { return feedB_; }
    FrameComparePanel* frames() const { return frames_; }
    RunDiffModel* diffModel() const { return diffModel_; }
    bool diffPending() const { return diffJob_ != nullptr; }
    void showStagesTab(bool stages);  // the per-stage diff table instead of the timelines

    QString summary() const;   // the runs' time and memory differences
    QString message() const;   // what cannot be shown and why; "" when everything is there

Q_SIGNALS:
    void statsReady();  // the clip's frame statistics are in (after setRuns; FrameComparePanel's)
    void diffReady();   // the per-stage/op/memory table is filled (after setRuns with both traces)

private:
    void startDiff(std::shared_ptr<const ts::TraceStore> a, std::shared_ptr<const ts::TraceStore> b);
    void showProblems(const QStringList& problems);
    void linkAxes();
    void alignPlotAreas();

    TraceFeed* feedA_ = nullptr;
    TraceFeed* feedB_ = nullptr;
    TimelineView* timelineA_ = nullptr;
    TimelineView* timelineB_ = nullptr;
    QLabel* summary_ = nullptr;
    QLabel* message_ = nullptr;
    QLabel* titleA_ = nullptr;
    QLabel* titleB_ = nullptr;
    FrameComparePanel* frames_ = nullptr;
    RunDiffModel* diffModel_ = nullptr;
    QTableView* diffTable_ = nullptr;
    QTabWidget* timeTabs_ = nullptr;  // the timelines, or the diff table
    QFutureWatcherBase* diffJob_ = nullptr;  // the diff in progress
};

}  // namespace tsui
