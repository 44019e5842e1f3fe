#include "main_window.h"

#include "export_controller.h"
#include "export_job.h"
#include "history_controller.h"
#include "memory_view.h"
#include "prediction.h"
#include "preview_panel.h"
#include "range_stats_panel.h"
#include "run_history_model.h"
#include "run_reopener.h"
#include "run_text.h"
#include "settings_panel.h"
#include "span_stats_model.h"
#include "timeline_plottable.h"
#include "timeline_view.h"
#include "trace_feed.h"
#include "trace_importer.h"
#include "window_menus.h"

#include "core/format_bytes.h"

#include <QCloseEvent>
#include <QKeySequence>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSplitter>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace tsui {

MainWindow::MainWindow(QWidget* parent, const QString& historyFile) : QMainWindow(parent) {
    store_ = new QSettings(QStandardPaths::writableLocation(QStandardPaths::AppConfigLocation) +
                              QStringLiteral("/tilescope.ini"),
                          QSettings::IniFormat, this);
    worker_ = new DecodeWorker(this);
    feed_ = new TraceFeed(this);
    history_ = new RunHistoryModel(historyFile, this);
    connect(worker_, &DecodeWorker::progress, this, &MainWindow::onProgress, Qt::QueuedConnection);
    connect(worker_, &DecodeWorker::framesReady, this, &MainWindow::onFrames, Qt::QueuedConnection);
    connect(worker_, &DecodeWorker::finished, this, &MainWindow::onFinished, Qt::QueuedConnection);
    buildUi();
    connect(worker_, &DecodeWorker::seamReady, preview_, &PreviewPanel::addSeams, Qt::QueuedConnection);
    exporter_ = new ExportController(this, this);
    exporter_->installMenu(menuBar(), statusBar());
    connect(this, &MainWindow::runStarted, exporter_, &ExportController::clear);
    reopener_ = new RunReopener(this);  // after the views and the exporter it fills
    importer_ = new TraceImporter(this);
    connect(importer_, &TraceImporter::opened, reopener_, &RunReopener::showImported);
    connect(importer_, &TraceImporter::failed, reopener_, &RunReopener::importFailed);
    new WindowMenus(this);  // around File > Export
    setWindowTitle(QStringLiteral("TileScope"));
    onSettingsChanged();
    if (!history_->lastError().isEmpty()) showStatus(history_->lastError());
}

MainWindow::~MainWindow() {
    // The worker is a child: its destructor cancels and joins. Disconnect first so no
    // slot of a half-destroyed window runs.
    worker_->disconnect(this);
    worker_->cancel();
}

void MainWindow::buildUi() {
    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->setChildrenCollapsible(false);

    // ---------------------------------------------------------------- left: settings
    auto* left = new QWidget;
    auto* leftLayout = new QVBoxLayout(left);
    settings_ = new SettingsPanel(store_, left);
    leftLayout->addWidget(settings_);

    auto* buttons = new QHBoxLayout;
    runButton_ = new QPushButton(tr("Run"), left);
    runButton_->setObjectName(QStringLiteral("runButton"));
    runButton_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    runButton_->setDefault(true);
    cancelButton_ = new QPushButton(tr("Cancel"), left);
    cancelButton_->setObjectName(QStringLiteral("cancelButton"));
    cancelButton_->setShortcut(QKeySequence(Qt::Key_Escape));
    cancelButton_->setToolTip(tr("Stop the running decode at the next layer (Esc)"));
    cancelButton_->setEnabled(false);
    connect(runButton_, &QPushButton::clicked, this, &MainWindow::startRun);
    connect(cancelButton_, &QPushButton::clicked, this, &MainWindow::cancelRun);
    buttons->addWidget(runButton_);
    buttons->addWidget(cancelButton_);
    leftLayout->addLayout(buttons);

    progressBar_ = new QProgressBar(left);
    progressBar_->setObjectName(QStringLiteral("progressBar"));
    progressBar_->setRange(0, 1);
    progressBar_->setValue(0);
    progressBar_->setFormat(tr("Idle"));
    leftLayout->addWidget(progressBar_);
    resultLabel_ = new QLabel(left);
    resultLabel_->setObjectName(QStringLiteral("resultLabel"));
    resultLabel_->setWordWrap(true);
    resultLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    leftLayout->addWidget(resultLabel_);
    leftLayout->addStretch(1);
    auto* leftScroll = new QScrollArea(splitter);
    leftScroll->setWidget(left);
    leftScroll->setWidgetResizable(true);
    leftScroll->setFrameShape(QFrame::NoFrame);
    leftScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    // As wide as the settings need (row buttons, the longest form row), so nothing is cut
    // off at the right edge: the horizontal scroll bar is off.
    const int leftWidth = std::max(440, left->minimumSizeHint().width() + leftScroll->verticalScrollBar()->sizeHint().width());
    leftScroll->setMinimumWidth(leftWidth);
    leftScroll->setMaximumWidth(std::max(560, leftWidth));

    // ---------------------------------------------------------------- right
    auto* right = new QSplitter(Qt::Vertical, splitter);
    right->setChildrenCollapsible(false);
    auto* top = new QWidget(right);
    auto* topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    titleLabel_ = new QLabel(top);
    titleLabel_->setObjectName(QStringLiteral("titleLabel"));
    QFont titleFont = titleLabel_->font();
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.2);
    titleLabel_->setFont(titleFont);
    topLayout->addWidget(titleLabel_);
    preview_ = new PreviewPanel(top);
    topLayout->addWidget(preview_, 1);

    tabs_ = new QTabWidget(right);
    tabs_->setObjectName(QStringLiteral("viewTabs"));
    auto* traceSplit = new QSplitter(Qt::Vertical);
    timeline_ = new TimelineView(feed_, traceSplit);
    timeline_->setObjectName(QStringLiteral("timelineView"));
    memory_ = new MemoryView(feed_, traceSplit);
    memory_->setObjectName(QStringLiteral("memoryView"));
    memory_->lockTo(timeline_->plot());
    traceSplit->setStretchFactor(0, 3);
    traceSplit->setStretchFactor(1, 2);
    traceSplit->setSizes({300, 200});
    tabs_->addTab(traceSplit, tr("Timeline && memory"));
    rangeStats_ = new RangeStatsPanel(timeline_);
    tabs_->addTab(rangeStats_, tr("Range statistics"));
    historyCtl_ = new HistoryController(history_, tabs_, this);
    connect(timeline_, &TimelineView::rangeSelected, this, [this] { tabs_->setTabText(1, tr("Range statistics (%1)").arg(timeline_->statsModel()->rowCount())); });
    // A click on the memory graph selects what ran then (the deepest span on the main track).
    connect(memory_, &MemoryView::timeClicked, this, [this](double ms) {
        const TimelineIndex& idx = feed_->index();
        const std::int64_t t = timeline_->spans()->origin() + static_cast<std::int64_t>(ms * 1e6);
        for (int r = idx.rowCount() - 1; r >= 0; --r)
            if (const std::int64_t rec = idx.spanAt(r, t); rec >= 0) {
                timeline_->selectRecord(rec);
                return;
            }
    });
    right->addWidget(top);
    right->addWidget(tabs_);
    right->setStretchFactor(0, 1);
    right->setStretchFactor(1, 1);

    splitter->addWidget(leftScroll);
    splitter->addWidget(right);
    splitter->setStretchFactor(0, 0);
    splitter->setStretchFactor(1, 1);
    setCentralWidget(splitter);
    resize(1400, 900);

    connect(settings_, &SettingsPanel::settingsChanged, this, &MainWindow::onSettingsChanged);
}

// ------------------------------------------------------------------------ inputs

void MainWindow::setVaeSource(const QString& source) {
    settings_->setVaeSource(source);
}

QString MainWindow::vaeSource() const {
    return settings_->vaeSource();
}

void MainWindow::setLatents(const at::Tensor& latents, const QString& label) {
    settings_->setLatents(latents, label);
}

void MainWindow::setLatentsPath(const QString& path) {
    settings_->setLatentsPath(path);
}

void MainWindow::setTitle(const QString& title) {
    inputsTitle_ = title;
    setWindowTitle(title.isEmpty() ? QStringLiteral("TileScope") : title + QStringLiteral(" — TileScope"));
    if (viewTitle_.isEmpty()) titleLabel_->setText(title);
}

void MainWindow::setViewTitle(const QString& title) {
    viewTitle_ = title;
    titleLabel_->setText(title.isEmpty() ? inputsTitle_ : title);
}

QString MainWindow::titleText() const {
    return titleLabel_->text();
}

void MainWindow::openDemo(const ts::DemoAssets& demo) {
    setVaeSource(QString::fromStdString(demo.vaeSource));
    setLatents(demo.latents, QStringLiteral("(demo latents)"));
    setTitle(QString::fromStdString(demo.title));
}

ts::DecodeSettings MainWindow::settings() const {
    return settings_->settings();
}

QString MainWindow::settingsProblem() const {
    return settings_->settingsProblem();
}

void MainWindow::onSettingsChanged() {
    problem_ = settingsProblem();
    if (!problem_.isEmpty())
        showStatus(problem_);
    else if (!isRunning() && !resultShown_)
        showStatus(tr("Ready: Run (Ctrl+R) decodes with these settings"));
    runButton_->setEnabled(problem_.isEmpty() && !isRunning());
    runButton_->setToolTip(problem_.isEmpty() ? tr("Decode the latents with these settings (Ctrl+R)") : problem_);
    // The predicted grid, before anything runs; a finished run's frames stay under it.
    const Prediction& p = settings_->prediction();
    if (p.ok)
        preview_->setTiles(planOverlay(p.plan), QSize(static_cast<int>(p.plan.frameWidth), static_cast<int>(p.plan.frameHeight)));
    else
        preview_->setTiles({}, QSize());
    memory_->setBudgetBytes(p.ok ? p.budgetBytes : 0);
}

// ------------------------------------------------------------------------ running

bool MainWindow::isRunning() const {
    // Until onFinished has run: the worker's thread is done a moment before its queued
    // finished() arrives, and a run started in between would take the old run's result.
    return runInFlight_ || worker_->isRunning();
}

bool MainWindow::startRun() {
    if (isRunning()) {
        showStatus(tr("A decode is already running"));
        return false;
    }
    problem_ = settingsProblem();
    if (!problem_.isEmpty()) {
        showStatus(problem_);
        return false;
    }
    DecodeRequest request;
    request.vaeSource = vaeSource();
    request.settings = settings();
    request.latents = settings_->latents();
    request.latentsPath = settings_->latentsPath();
    if (request.vaeSource.isEmpty()) {
        showStatus(tr("Choose a VAE checkpoint first"));
        return false;
    }
    if (!request.latents.defined() && request.latentsPath.isEmpty()) {
        showStatus(tr("Choose a latents file first"));
        return false;
    }
    // A fresh trace per run: the previous run's store is released with the old feed data.
    request.trace = std::make_shared<ts::TraceStore>();
    request.seamCheck = preview_->seamCheckEnabled();
    feed_->follow(request.trace, ts::traceNowNs());
    runSettings_ = request.settings;
    runVaeSource_ = request.vaeSource;
    runLatentsLabel_ = settings_->latentsLabel();
    runMemoryText_ = settings_->memoryText();

    preview_->clearFrames();
    progressBar_->setFormat(tr("Loading…"));
    progressBar_->setRange(0, 0);  // busy until the first progress report
    resultLabel_->clear();
    if (!worker_->start(std::move(request))) {
        showStatus(tr("A decode is already running"));
        return false;
    }
    runInFlight_ = true;
    setRunningUi(true);
    resultShown_ = false;
    showStatus(tr("Loading %1…").arg(vaeSource()));
    Q_EMIT runStarted();
    return true;
}

bool MainWindow::openTrace(const QString& path) {
    if (isRunning()) {
        showStatus(tr("A decode is running: Open Trace would replace its views. Wait for it to finish or Cancel it (Esc) first"));
        return false;
    }
    if (!importer_->open(path)) {
        showStatus(tr("Open Trace: still reading the last trace; try again when it is shown"));
        return false;
    }
    showStatus(tr("Reading trace %1…").arg(path));
    reopener_->importStarted();
    return true;
}

void MainWindow::cancelRun() {
    if (!isRunning()) return;
    worker_->cancel();
    cancelButton_->setEnabled(false);
    showStatus(tr("Cancelling…"));
}

void MainWindow::setRunningUi(bool running) {
    runButton_->setEnabled(!running && problem_.isEmpty());
    cancelButton_->setEnabled(running);
    settings_->setRunning(running);
}

void MainWindow::onProgress(const ProgressInfo& info) {
    if (info.framesTotal > 0) {
        preview_->setExpectedFrames(info.framesTotal);
        progressBar_->setRange(0, info.framesTotal);
        progressBar_->setValue(info.framesDone);
        // The Seam check's reference decode counts its frames again from 1: says so.
        QString format = info.seamReference ? tr("Seam check: %v / %m frames") : tr("%v / %m frames");
        if (info.tilesTotal > 1) format += tr(", tile %1 / %2").arg(info.tilesDone).arg(info.tilesTotal);
        if (info.etaSeconds >= 0) format += tr(", ETA %1").arg(secondsText(info.etaSeconds));
        progressBar_->setFormat(format);
    }
    QString text = info.stage.isEmpty() ? tr("Decoding") : info.stage;
    text += tr(" — %1 / %2 frames, %3 elapsed").arg(info.framesDone).arg(info.framesTotal).arg(secondsText(info.elapsedSeconds));
    if (info.tilesTotal > 1) text += tr(", tile %1 / %2").arg(info.tilesDone).arg(info.tilesTotal);
    if (info.etaSeconds >= 0) text += tr(", about %1 left").arg(secondsText(info.etaSeconds));
    if (!worker_->cancelRequested()) showStatus(text);
}

void MainWindow::onFrames(const FrameBatch& batch) {
    preview_->addFrames(batch);
}

void MainWindow::onFinished(const RunOutcome& outcome) {
    runInFlight_ = false;
    feed_->stop();
    setRunningUi(false);
    QString text;
    switch (outcome.status) {
    case RunOutcome::Status::Done: {
        const int n = outcome.frames > 0 ? outcome.frames : preview_->frameCount();
        progressBar_->setFormat(tr("%v / %m frames"));
        progressBar_->setRange(0, std::max(1, n));
        progressBar_->setValue(n);
        text = decodedText(n, outcome.wallSeconds, outcome.decodeSeconds) + frameSizeText(preview_->frame(0).size());
        if (outcome.seamSkipped)
            text += tr(". Seam check skipped: tiling is off, so the run is its own untiled reference (PSNR ∞, max |Δ| 0)");
        if (outcome.seamCancelled) text += tr(". Seam check cancelled (the run itself is complete)");
        break;
    }
    case RunOutcome::Status::Cancelled:
        progressBar_->setFormat(tr("Cancelled"));
        progressBar_->setRange(0, 1);
        progressBar_->setValue(0);
        text = tr("Cancelled after %1 (%2 decoded)").arg(secondsText(outcome.wallSeconds), framesText(outcome.frames));
        break;
    case RunOutcome::Status::Failed:
        progressBar_->setFormat(tr("Failed"));
        progressBar_->setRange(0, 1);
        progressBar_->setValue(0);
        text = tr("Failed: %1").arg(outcome.message);
        break;
    }
    resultLabel_->setText(text);
    // The result line above holds the numbers; the status bar says what the run left
    // behind and where it goes next, instead of repeating them.
    if (outcome.status == RunOutcome::Status::Done) {
        const std::size_t spans = feed_->index().spanCount();
        showStatus(spans > 0 ? tr("Run finished: %1 timeline spans recorded. File > Export writes its trace, report, CSV or video")
                                   .arg(spans)
                             : tr("Run finished; no trace was recorded. File > Export writes its video"));
    } else {
        showStatus(text);
    }
    resultShown_ = true;
    recordRun(outcome);
    exporter_->setRun({runSettings_, outcome, runVaeSource_, runLatentsLabel_, feed_->store(), previewFrames(*preview_)});
    Q_EMIT runFinished(outcome);
}

void MainWindow::recordRun(const RunOutcome& outcome) {
    // One quantity per device, so that runs compare: a CPU run's peak is the process's RSS
    // (the kernel's high-water mark of the decode), a CUDA run's the device memory in use
    // (the caching allocator's reserve where the card's own figure was not sampled). The
    // graph's marked peak is the highest of all its lines, host and device mixed.
    std::int64_t peak = outcome.peakRssBytes;
    if (runSettings_.device.rfind("cuda", 0) == 0) {
        const double device = memory_->peakOf("device_used_bytes");
        peak = static_cast<std::int64_t>(device > 0 ? device : memory_->peakOf("reserved_bytes"));
    } else if (peak <= 0) {
        peak = static_cast<std::int64_t>(memory_->peakOf("rss_bytes"));
    }
    const QString latents = runLatentsLabel_.isEmpty() ? tr("(in memory)") : runLatentsLabel_;  // a reopen names its exports after it
    historyCtl_->record(makeRunRecord(runSettings_, outcome, runVaeSource_, latents, runMemoryText_, peak), feed_->store(),
                        feed_->origin(), previewFrames(*preview_));
}

int MainWindow::frameCount() const {
    return preview_->frameCount();
}

QImage MainWindow::frame(int index) const {
    return preview_->frame(index);
}

QImage MainWindow::currentFrame() const {
    return preview_->currentFrame();
}

QString MainWindow::statusText() const {
    return statusBar()->currentMessage();
}

void MainWindow::showStatus(const QString& text) {
    statusBar()->showMessage(text);
}

void MainWindow::closeEvent(QCloseEvent* event) {
    worker_->cancel();  // the worker's destructor joins the thread
    QMainWindow::closeEvent(event);
}

}  // namespace tsui
