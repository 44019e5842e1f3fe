#include "run_compare_view.h"

#include "axis_link.h"
#include "frame_compare_panel.h"
#include "problem_label.h"
#include "profiler_table.h"
#include "qcp.h"
#include "run_archive.h"
#include "run_diff_model.h"
#include "timeline_plottable.h"
#include "timeline_view.h"
#include "trace_feed.h"

#include <QFutureWatcher>
#include <QLabel>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

namespace tsui {

namespace {

QString runTitle(const char* which, const RunRecord& r) {
    return QStringLiteral("<b>%1</b>: %2, %3").arg(QLatin1String(which), r.settingsText().toHtmlEscaped(),
                                                   r.finishedAt.toLocalTime().toString(QStringLiteral("HH:mm:ss")));
}

// One run's numbers, for Reopen (compareRuns says the same of two).
QString runSummary(const RunRecord& r) {
    return RunCompareView::tr("%1 · %2 frames in %3 s · peak %4 · %5 GFLOP/s · %6")
        .arg(r.settingsText()).arg(r.frames).arg(r.wallSeconds, 0, 'f', 2)
        .arg(r.peakText(), r.gflopsText(), r.status);
}

// The end of a finished trace on its own run's clock (ms), 0 when empty.
double traceEndMs(const TraceFeed* feed) {
    const TimelineIndex& idx = feed->index();
    if (idx.spanCount() == 0 && idx.maxTime() <= idx.minTime()) return 0;
    return static_cast<double>(idx.maxTime() - feed->origin()) / 1e6;
}

}  // namespace

RunCompareView::RunCompareView(QWidget* parent) : QWidget(parent) {
    feedA_ = new TraceFeed(this);
    feedB_ = new TraceFeed(this);
    auto* layout = new QVBoxLayout(this);
    summary_ = new QLabel(tr("Select two runs in Run history and press Compare."), this);
    summary_->setObjectName(QStringLiteral("compareSummary"));
    summary_->setWordWrap(true);
    summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    message_ = makeProblemLabel(QStringLiteral("compareMessage"), this);
    layout->addWidget(summary_);
    layout->addWidget(message_);

    auto* split = new QSplitter(Qt::Horizontal, this);
    split->setChildrenCollapsible(false);
    // Left, time: the two timelines, or the table of what changed per stage, op and
    // memory counter. Right, pixels: the frames.
    auto* left = new QTabWidget(split);
    left->setObjectName(QStringLiteral("compareTimeTabs"));
    timeTabs_ = left;
    auto* times = new QWidget;
    auto* timesLayout = new QVBoxLayout(times);
    timesLayout->setContentsMargins(0, 0, 0, 0);
    titleA_ = new QLabel(times);
    timelineA_ = new TimelineView(feedA_, times);
    timelineA_->setObjectName(QStringLiteral("compareTimelineA"));
    titleB_ = new QLabel(times);
    timelineB_ = new TimelineView(feedB_, times);
    timelineB_->setObjectName(QStringLiteral("compareTimelineB"));
    timelineB_->setLegendVisible(false);  // A's, just above, holds for both
    for (TimelineView* t : {timelineA_, timelineB_}) t->setEmptyNote(tr("No trace of this run to show"));
    timesLayout->addWidget(titleA_);
    timesLayout->addWidget(timelineA_, 1);
    timesLayout->addWidget(titleB_);
    timesLayout->addWidget(timelineB_, 1);

    left->addTab(times, tr("Timelines"));
    frames_ = new FrameComparePanel(split);
    connect(frames_, &FrameComparePanel::statsReady, this, &RunCompareView::statsReady);

    // Per stage, op and memory counter: what changed between the runs, largest first.
    diffModel_ = new RunDiffModel(this);
    diffTable_ = makeProfilerTable(diffModel_, RunDiffModel::Name, -1, Qt::AscendingOrder);  // the engine's order
    diffTable_->setObjectName(QStringLiteral("compareDiffTable"));
    diffTable_->setToolTip(tr("Stages by total time, ops by self time, memory counters by peak: B − A, largest change "
                              "first (as tilescope-cli diff prints it); click a header to sort; Ctrl+C copies rows"));
    left->addTab(diffTable_, tr("Stages, ops, memory"));
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    // Three fifths to the timelines from the start: the frame view's size hint alone left
    // them a third of the width, their controls and legend cut and wrapped.
    split->setSizes({600, 400});
    layout->addWidget(split, 1);

    linkAxes();
    clear();
}

void RunCompareView::linkAxes() {
    linkAxisRanges(timelineA_->plot()->xAxis, timelineB_->plot()->xAxis, this);
}

void RunCompareView::alignPlotAreas() {
    // The row labels ("main", "worker 0", …) differ between the runs and so would the
    // left edges of the plot areas: give both the wider margin, so that equal times sit
    // at equal x on screen too.
    QCustomPlot* plots[] = {timelineA_->plot(), timelineB_->plot()};
    int left = 0;
    for (QCustomPlot* p : plots) {
        p->axisRect()->setMinimumMargins(QMargins());
        p->replot(QCustomPlot::rpImmediateRefresh);  // lays the margins out for the new labels
        left = std::max(left, p->axisRect()->margins().left());
    }
    for (QCustomPlot* p : plots) {
        p->axisRect()->setMinimumMargins(QMargins(left, 0, 0, 0));
        p->replot(QCustomPlot::rpQueuedReplot);
    }
}

void RunCompareView::clear() {
    if (diffJob_) {  // a previous pair's diff: its result is not wanted any more
        diffJob_->cancel();
        diffJob_->deleteLater();
        diffJob_ = nullptr;
    }
    frames_->clear();
    diffModel_->setRows({});
    feedA_->clear();
    feedB_->clear();
    titleA_->setText(tr("<b>A</b>: –"));
    titleB_->setText(tr("<b>B</b>: –"));
    titleB_->show();
    timelineB_->show();
    message_->clear();
    message_->hide();
}

void RunCompareView::clearBecause(const QString& why) {
    clear();
    summary_->setText(why);
}

bool RunCompareView::isSingle() const {
    return frames_->isSingle();
}

void RunCompareView::showLoading(const RunRecord& a, const RunRecord* b) {
    clear();
    summary_->setText(b ? compareRuns(a, *b) : runSummary(a));
    titleA_->setText(runTitle(b ? "A" : "Run", a));
    if (b) titleB_->setText(runTitle("B", *b));
    message_->setText(tr("Reading the trace and frames from disk…"));
    message_->show();
}

namespace {

// Follows a finished run's trace; the problem when there is none.
QStringList showTrace(const char* which, const ArchivedRun* kept, const QString& missing, TraceFeed* feed) {
    if (!kept) {
        return {RunCompareView::tr("%1: %2").arg(QLatin1String(which),
            missing.isEmpty() ? RunCompareView::tr("this run's trace and frames are no longer kept (older runs keep them on "
                                            "disk up to the store's limit)") : missing)};
    }
    QStringList problems;
    if (kept->trace) {
        feed->follow(kept->trace, kept->originNs);
        feed->stop();  // finished: one poll reads the whole trace
    } else {
        problems << RunCompareView::tr("%1: no trace was recorded for this run").arg(QLatin1String(which));
    }
    if (kept->frames.isEmpty())
        problems << RunCompareView::tr("%1: no frames kept (the run produced none, or they were released to stay within the memory budget)").arg(QLatin1String(which));
    return problems;
}

}  // namespace

void RunCompareView::setRun(const RunRecord& r, const ArchivedRun* kept, const QString& missing) {
    clear();
    summary_->setText(runSummary(r));
    titleA_->setText(runTitle("Run", r));
    titleB_->hide();
    timelineB_->hide();
    const QStringList problems = showTrace("Run", kept, missing, feedA_);
    frames_->setSingle(kept ? kept->frames : QVector<QImage>());
    timelineA_->plot()->xAxis->setRange(0, std::max(traceEndMs(feedA_), 1e-3) * 1.02);
    alignPlotAreas();
    showProblems(problems);
}

void RunCompareView::setRuns(const RunRecord& a, const ArchivedRun* keptA, const RunRecord& b, const ArchivedRun* keptB,
                             const QString& missingA, const QString& missingB) {
    clear();
    summary_->setText(compareRuns(a, b));
    titleA_->setText(runTitle("A", a));
    titleB_->setText(runTitle("B", b));
    QStringList problems = showTrace("A", keptA, missingA, feedA_);
    problems << showTrace("B", keptB, missingB, feedB_);
    // Both timelines on one range: from the start to the end of the longer run.
    const double end = std::max({traceEndMs(feedA_), traceEndMs(feedB_), 1e-3});
    timelineA_->plot()->xAxis->setRange(0, end * 1.02);
    alignPlotAreas();
    if (keptA && keptB) problems << frames_->setPair(keptA->frames, keptB->frames);
    showProblems(problems);
    if (keptA && keptB && keptA->trace && keptB->trace) startDiff(keptA->trace, keptB->trace);
}

void RunCompareView::showProblems(const QStringList& problems) {
    message_->setText(problems.join(QLatin1Char('\n')));
    message_->setVisible(!problems.isEmpty());
}

void RunCompareView::showStagesTab(bool stages) {
    timeTabs_->setCurrentWidget(stages ? static_cast<QWidget*>(diffTable_) : timeTabs_->widget(0));
}

void RunCompareView::startDiff(std::shared_ptr<const ts::TraceStore> a, std::shared_ptr<const ts::TraceStore> b) {
    auto* watcher = new QFutureWatcher<std::vector<RunDiffRow>>(this);
    diffJob_ = watcher;
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher] {
        if (diffJob_ != watcher) return;  // superseded (clear() cancelled it)
        const QFuture<std::vector<RunDiffRow>> f = watcher->future();
        diffModel_->setRows(f.resultCount() > 0 ? f.result() : std::vector<RunDiffRow>());
        diffJob_ = nullptr;
        watcher->deleteLater();
        Q_EMIT diffReady();
    });
    watcher->setFuture(diffTracesInBackground(std::move(a), std::move(b)));
}

QString RunCompareView::summary() const {
    return summary_->text();
}

QString RunCompareView::message() const {
    return message_->text();
}

}  // namespace tsui
