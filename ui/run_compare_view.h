#pragma once
// Two runs from the history side by side in time and in pixels: both runs' timelines one
// above the other (each on its own run's clock, so the x-axes align at each run's start;
// zooming or panning one moves the other), and the frame diff |A − B| as a heatmap with
// the frame's and the whole clip's PSNR and max |Δ|, one frame slider for both. Built
// from what RunArchive kept or the RunStore read back from disk; a run whose trace or
// frames are gone (never written, or pruned) is named in message() instead. The clip's
// statistics are computed on a pool thread (statsReady() when done); the shown frame's
// heatmap is diffed when it is shown. Reopen shows a single run the same way (setRun).
#include "frame_compare.h"
#include "run_history_model.h"

#include <QImage>
#include <QVector>
#include <QWidget>

#include <memory>

namespace ts {
class TraceStore;
}

class QComboBox;
class QFutureWatcherBase;
class QTabWidget;
class QTableView;
class QLabel;
class QSlider;

namespace tsui {

struct ArchivedRun;
class FrameView;
class RunDiffModel;
class TimelineView;
class TraceFeed;

class RunCompareView : public QWidget {
    Q_OBJECT
public:
    enum class Show { Diff, A, B };

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
    bool isSingle() const { return single_; }
    // The clip's frame statistics are still being computed (framePsnrDb etc. are NaN).
    bool statsPending() const { return statsJob_ != nullptr; }

    TimelineView* timelineA() const { return timelineA_; }
    TimelineView* timelineB() const { return timelineB_; }
    TraceFeed* feedA() const { return feedA_; }
    TraceFeed* feedB() const { return feedB_; }
    FrameView* frameView() const { return view_; }
    RunDiffModel* diffModel() const { return diffModel_; }
    bool diffPending() const { return diffJob_ != nullptr; }
    void showStagesTab(bool stages);  // the per-stage diff table instead of the timelines

    QString summary() const;   // the runs' time and memory differences
    QString message() const;   // what cannot be shown and why; "" when everything is there
    // Frames compared (both runs have them, of one size); a single run's frames.
    int frameCount() const { return compared_; }
    int currentFrame() const;
    double framePsnrDb(int index) const;  // NaN outside [0, frameCount)
    double frameMaxAbs(int index) const;
    double runPsnrDb() const;             // NaN without frames
    double runMaxAbs() const;
    QString statsText() const;
    QImage displayedImage() const;
    void setShow(Show show);
    void setGain(double gain);  // 0 = auto

public Q_SLOTS:
    void showFrame(int index);

Q_SIGNALS:
    void statsReady();  // the clip's statistics are in (after setRuns)
    void diffReady();   // the per-stage/op/memory table is filled (after setRuns with both traces)

private:
    void startStats();
    void startDiff(std::shared_ptr<const ts::TraceStore> a, std::shared_ptr<const ts::TraceStore> b);
    void finishSetup(const QStringList& problems);
    void refresh();
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
    FrameView* view_ = nullptr;
    QComboBox* showCombo_ = nullptr;
    QComboBox* gainCombo_ = nullptr;
    QSlider* slider_ = nullptr;
    QLabel* frameLabel_ = nullptr;
    QLabel* statsLabel_ = nullptr;
    QVector<QImage> framesA_, framesB_;
    int compared_ = 0;
    bool single_ = false;
    QVector<FrameDiffStats> stats_;
    QFutureWatcherBase* statsJob_ = nullptr;  // the statistics in progress
    RunDiffModel* diffModel_ = nullptr;
    QTableView* diffTable_ = nullptr;
    QTabWidget* timeTabs_ = nullptr;  // the timelines, or the diff table
    QFutureWatcherBase* diffJob_ = nullptr;  // the diff in progress
};

}  // namespace tsui
