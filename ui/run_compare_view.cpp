#include "run_compare_view.h"

#include "axis_link.h"
#include "frame_compare.h"
#include "frame_view.h"
#include "profiler_table.h"
#include "qcp.h"
#include "run_archive.h"
#include "run_diff_model.h"
#include "seam_heatmap.h"
#include "timeline_plottable.h"
#include "timeline_view.h"
#include "trace_feed.h"

#include <QComboBox>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace tsui {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

QString runTitle(const char* which, const RunRecord& r) {
    return QStringLiteral("<b>%1</b>: %2, %3").arg(QLatin1String(which), r.settingsText().toHtmlEscaped(),
                                                   r.finishedAt.toLocalTime().toString(QStringLiteral("HH:mm:ss")));
}

// One run's numbers, for Reopen (compareRuns says the same of two).
QString runSummary(const RunRecord& r) {
    return RunCompareView::tr("%1 · %2 frames in %3 s · peak %4 MiB · %5 GFLOP/s · %6")
        .arg(r.settingsText()).arg(r.frames).arg(r.wallSeconds, 0, 'f', 2)
        .arg(static_cast<double>(r.peakBytes) / (1 << 20), 0, 'f', 0).arg(r.gflops(), 0, 'f', 1).arg(r.status);
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
    message_ = new QLabel(this);
    message_->setObjectName(QStringLiteral("compareMessage"));
    message_->setWordWrap(true);
    message_->setForegroundRole(QPalette::BrightText);
    message_->setBackgroundRole(QPalette::Dark);
    message_->setAutoFillBackground(true);
    message_->setMargin(4);
    message_->hide();
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
    timesLayout->addWidget(titleA_);
    timesLayout->addWidget(timelineA_, 1);
    timesLayout->addWidget(titleB_);
    timesLayout->addWidget(timelineB_, 1);

    left->addTab(times, tr("Timelines"));
    auto* frames = new QWidget(split);
    auto* framesLayout = new QVBoxLayout(frames);
    framesLayout->setContentsMargins(0, 0, 0, 0);
    auto* bar = new QHBoxLayout;
    showCombo_ = new QComboBox(frames);
    showCombo_->setObjectName(QStringLiteral("compareShowCombo"));
    showCombo_->addItem(tr("|A − B|"), static_cast<int>(Show::Diff));
    showCombo_->addItem(tr("A"), static_cast<int>(Show::A));
    showCombo_->addItem(tr("B"), static_cast<int>(Show::B));
    showCombo_->setToolTip(tr("|A − B|: where the two runs' frames differ, amplified by the gain "
                              "(black = identical); A or B: that run's frame"));
    gainCombo_ = new QComboBox(frames);
    gainCombo_->setObjectName(QStringLiteral("compareGainCombo"));
    gainCombo_->addItem(tr("Auto"), 0.0);
    for (int g : {10, 100, 1000, 10000}) gainCombo_->addItem(QStringLiteral("×%1").arg(g), static_cast<double>(g));
    gainCombo_->setToolTip(tr("Heatmap gain: |A − B| (on the [-1,1] scale) times the gain is the colour, black → red "
                              "→ yellow → white at 1. Auto maps the largest difference of the clip to white"));
    bar->addWidget(new QLabel(tr("Frames:"), frames));
    bar->addWidget(showCombo_);
    bar->addWidget(gainCombo_);
    bar->addStretch(1);
    framesLayout->addLayout(bar);
    view_ = new FrameView(frames);
    view_->setObjectName(QStringLiteral("compareFrameView"));
    view_->setPlaceholderText(tr("No frames to compare"));
    framesLayout->addWidget(view_, 1);
    auto* sliderBar = new QHBoxLayout;
    slider_ = new QSlider(Qt::Horizontal, frames);
    slider_->setObjectName(QStringLiteral("compareFrameSlider"));
    slider_->setRange(0, 0);
    slider_->setEnabled(false);
    slider_->setToolTip(tr("The frame of both runs to compare"));
    frameLabel_ = new QLabel(tr("Frame – / –"), frames);
    sliderBar->addWidget(slider_, 1);
    sliderBar->addWidget(frameLabel_);
    framesLayout->addLayout(sliderBar);
    statsLabel_ = new QLabel(frames);
    statsLabel_->setObjectName(QStringLiteral("compareStats"));
    statsLabel_->setWordWrap(true);
    statsLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    framesLayout->addWidget(statsLabel_);

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
    connect(slider_, &QSlider::valueChanged, this, &RunCompareView::showFrame);
    connect(showCombo_, &QComboBox::currentIndexChanged, this, [this] { refresh(); });
    connect(gainCombo_, &QComboBox::currentIndexChanged, this, [this] { refresh(); });
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
    const bool wasSingle = single_;
    // A previous pair's statistics and diff: stop them, their results are not wanted.
    for (QFutureWatcherBase** job : {&statsJob_, &diffJob_}) {
        if (!*job) continue;
        (*job)->cancel();
        (*job)->deleteLater();
        *job = nullptr;
    }
    diffModel_->setRows({});
    feedA_->clear();
    feedB_->clear();
    framesA_.clear();
    framesB_.clear();
    stats_.clear();
    compared_ = 0;
    single_ = false;
    titleA_->setText(tr("<b>A</b>: –"));
    titleB_->setText(tr("<b>B</b>: –"));
    titleB_->show();
    timelineB_->show();
    showCombo_->setEnabled(true);
    message_->clear();
    message_->hide();
    slider_->setRange(0, 0);
    slider_->setEnabled(false);
    if (wasSingle) {  // Reopen showed A only; a pair starts on the diff again
        setShow(Show::Diff);
        view_->setPlaceholderText(tr("No frames to compare"));
    }
    refresh();
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
    single_ = true;
    summary_->setText(runSummary(r));
    titleA_->setText(runTitle("Run", r));
    titleB_->hide();
    timelineB_->hide();
    setShow(Show::A);
    showCombo_->setEnabled(false);
    view_->setPlaceholderText(tr("No frames kept of this run"));
    const QStringList problems = showTrace("Run", kept, missing, feedA_);
    if (kept) framesA_ = kept->frames;
    compared_ = framesA_.size();
    timelineA_->plot()->xAxis->setRange(0, std::max(traceEndMs(feedA_), 1e-3) * 1.02);
    alignPlotAreas();
    finishSetup(problems);
}

void RunCompareView::setRuns(const RunRecord& a, const ArchivedRun* keptA, const RunRecord& b, const ArchivedRun* keptB,
                             const QString& missingA, const QString& missingB) {
    clear();
    summary_->setText(compareRuns(a, b));
    titleA_->setText(runTitle("A", a));
    titleB_->setText(runTitle("B", b));
    QStringList problems = showTrace("A", keptA, missingA, feedA_);
    problems << showTrace("B", keptB, missingB, feedB_);
    if (keptA && keptB) {
        framesA_ = keptA->frames;
        framesB_ = keptB->frames;
    }
    // Both timelines on one range: from the start to the end of the longer run.
    const double end = std::max({traceEndMs(feedA_), traceEndMs(feedB_), 1e-3});
    timelineA_->plot()->xAxis->setRange(0, end * 1.02);
    alignPlotAreas();

    const int n = std::min(framesA_.size(), framesB_.size());
    if (n > 0 && framesA_.first().size() != framesB_.first().size()) {
        problems << tr("The frames differ in size (A %1×%2, B %3×%4): no frame diff")
                        .arg(framesA_.first().width()).arg(framesA_.first().height())
                        .arg(framesB_.first().width()).arg(framesB_.first().height());
    } else {
        compared_ = n;
        if (framesA_.size() != framesB_.size() && n > 0)
            problems << tr("A has %1 frames, B %2: the first %3 are compared").arg(framesA_.size()).arg(framesB_.size()).arg(n);
    }
    finishSetup(problems);
    startStats();
    if (keptA && keptB && keptA->trace && keptB->trace) startDiff(keptA->trace, keptB->trace);
}

void RunCompareView::finishSetup(const QStringList& problems) {
    message_->setText(problems.join(QLatin1Char('\n')));
    message_->setVisible(!problems.isEmpty());
    slider_->setRange(0, std::max(0, frameCount() - 1));
    slider_->setEnabled(frameCount() > 0);
    slider_->setValue(0);
    refresh();
}

void RunCompareView::startStats() {
    if (compared_ <= 0) return;
    auto* watcher = new QFutureWatcher<QVector<FrameDiffStats>>(this);
    statsJob_ = watcher;
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher] {
        if (statsJob_ != watcher) return;  // superseded (clear() cancelled it)
        const QFuture<QVector<FrameDiffStats>> f = watcher->future();
        if (f.resultCount() > 0) stats_ = f.result();
        statsJob_ = nullptr;
        watcher->deleteLater();
        // A pair that could not be diffed stops the statistics there; compare that many.
        compared_ = std::min(compared_, static_cast<int>(stats_.size()));
        slider_->setRange(0, std::max(0, compared_ - 1));
        slider_->setEnabled(compared_ > 0);
        refresh();
        Q_EMIT statsReady();
    });
    watcher->setFuture(diffClipInBackground(framesA_.mid(0, compared_), framesB_.mid(0, compared_)));
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

int RunCompareView::currentFrame() const {
    return frameCount() > 0 ? slider_->value() : -1;
}

double RunCompareView::framePsnrDb(int index) const {
    return index >= 0 && index < stats_.size() ? psnrFromMse(stats_[index].mse) : kNaN;
}

double RunCompareView::frameMaxAbs(int index) const {
    return index >= 0 && index < stats_.size() ? stats_[index].maxAbs : kNaN;
}

double RunCompareView::runPsnrDb() const {
    if (stats_.isEmpty()) return kNaN;
    double sum = 0;  // same-size frames: the clip's MSE is the mean of the frames'
    for (const FrameDiffStats& s : stats_) sum += s.mse;
    return psnrFromMse(sum / stats_.size());
}

double RunCompareView::runMaxAbs() const {
    if (stats_.isEmpty()) return kNaN;
    double worst = 0;
    for (const FrameDiffStats& s : stats_) worst = std::max(worst, s.maxAbs);
    return worst;
}

QString RunCompareView::statsText() const {
    const int i = currentFrame();
    if (i < 0) return single_ ? tr("No frames kept of this run.") : tr("No frames of both runs to compare.");
    if (single_) return tr("Frame %1 of %2").arg(i + 1).arg(frameCount());
    if (statsPending()) return tr("B vs A, frame %1: computing the differences of the clip's %2 frames…").arg(i + 1).arg(frameCount());
    const double gain = gainCombo_->currentData().toDouble() > 0 ? gainCombo_->currentData().toDouble() : autoGain(runMaxAbs());
    return tr("B vs A, frame %1: %2, max |Δ| %3 · clip (%4 frames): %5, max |Δ| %6 · gain ×%7")
        .arg(i + 1)
        .arg(psnrText(framePsnrDb(i)))
        .arg(frameMaxAbs(i), 0, 'g', 3)
        .arg(frameCount())
        .arg(psnrText(runPsnrDb()))
        .arg(runMaxAbs(), 0, 'g', 3)
        .arg(gain, 0, 'g', 3);
}

QImage RunCompareView::displayedImage() const {
    return view_->image();
}

void RunCompareView::setShow(Show show) {
    showCombo_->setCurrentIndex(showCombo_->findData(static_cast<int>(show)));
}

void RunCompareView::setGain(double gain) {
    const int i = gainCombo_->findData(gain);
    if (i >= 0) gainCombo_->setCurrentIndex(i);
}

void RunCompareView::showFrame(int index) {
    if (index < 0 || index >= frameCount()) return;
    if (slider_->value() != index) {
        slider_->setValue(index);  // comes back here through valueChanged
        return;
    }
    refresh();
}

void RunCompareView::refresh() {
    const int i = currentFrame();
    frameLabel_->setText(i < 0 ? tr("Frame – / –") : tr("Frame %1 / %2").arg(i + 1).arg(frameCount()));
    statsLabel_->setText(statsText());
    gainCombo_->setEnabled(!single_ && static_cast<Show>(showCombo_->currentData().toInt()) == Show::Diff);
    if (i < 0) {
        view_->setImage(QImage());
        return;
    }
    switch (static_cast<Show>(showCombo_->currentData().toInt())) {
    case Show::A: view_->setImage(framesA_[i]); break;
    case Show::B: view_->setImage(single_ ? framesA_[i] : framesB_[i]); break;
    case Show::Diff: {
        // Only the shown frame is diffed here (one frame: milliseconds); until the clip's
        // statistics are in, Auto scales by this frame's largest difference.
        const DiffMap d = diffImages(framesA_[i], framesB_[i]);
        const double g = gainCombo_->currentData().toDouble();
        view_->setImage(heatmapImage(d, g > 0 ? g : autoGain(statsPending() ? d.maxAbs : runMaxAbs())));
        break;
    }
    }
}

}  // namespace tsui
