#include "run_reopener.h"

#include "export_controller.h"
#include "history_controller.h"
#include "history_panel.h"
#include "main_window.h"
#include "memory_view.h"
#include "preview_panel.h"
#include "run_text.h"
#include "settings_panel.h"
#include "trace_feed.h"

#include "core/format_bytes.h"

#include <QBoxLayout>
#include <QFileInfo>
#include <QLabel>
#include <QMessageBox>
#include <QProgressBar>
#include <QStatusBar>
#include <QTabWidget>
#include <QTextDocumentFragment>

namespace tsui {

namespace {

// "cpu fp32 blend 32/8 px, 1 stream (--opt pad-in-place, frame-split)": the history's settings
// text and the --opt switches, spaced so that a long list wraps.
QString settingsLine(const RunRecord& r) {
    QString text = r.settingsText();
    if (!r.graphOptions.isEmpty()) text += QObject::tr(" (--opt %1)").arg(QString(r.graphOptions).replace(QLatin1Char(','), QStringLiteral(", ")));
    return text;
}

// The result line of a run that just finished, from its history row.
QString resultLine(const RunRecord& r, const QSize& frameSize) {
    QString text = r.status == QLatin1String("done") ? decodedText(r.frames, r.wallSeconds, r.decodeSeconds)
                                                     : QObject::tr("%1 after %2 (%3 decoded)")
                                                           .arg(r.status.isEmpty() ? QObject::tr("failed") : r.status,
                                                                secondsText(r.wallSeconds), framesText(r.frames));
    text += frameSizeText(frameSize);
    if (r.peakBytes > 0) text += QObject::tr(", peak %1").arg(r.peakText());
    if (r.hasRate()) text += QObject::tr(", %1 GFLOP/s").arg(r.gflopsText());
    return text;
}

}  // namespace

RunReopener::RunReopener(MainWindow* window) : QObject(window), window_(window) {
    banner_ = new QLabel(window);
    banner_->setObjectName(QStringLiteral("reopenBanner"));
    banner_->setWordWrap(true);
    banner_->setTextFormat(Qt::RichText);
    banner_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // Tooltip colours: a note that stands out from the window in light and dark schemes.
    banner_->setBackgroundRole(QPalette::ToolTipBase);
    banner_->setForegroundRole(QPalette::ToolTipText);
    banner_->setAutoFillBackground(true);
    banner_->setFrameShape(QFrame::StyledPanel);
    banner_->setMargin(4);
    banner_->hide();
    if (auto* column = qobject_cast<QBoxLayout*>(window->preview()->parentWidget()->layout()))
        column->insertWidget(column->indexOf(window->preview()), banner_);

    HistoryController* history = window->historyController();
    connect(history->panel(), &HistoryPanel::reopenRequested, this, &RunReopener::reopen);
    // Queued: a run from the archive comes back inside reopen(); the views change after it.
    connect(history, &HistoryController::reopened, this, &RunReopener::onFetched, Qt::QueuedConnection);
    connect(window, &MainWindow::runStarted, this, &RunReopener::onRunStarted);
    connect(window, &MainWindow::runFinished, this, [this] {
        runInProgress_ = false;
        window_->historyController()->panel()->setReopenAllowed(true);
    });
    // The window redraws the predicted grid on every settings change (connected before
    // this): a reopened run's frames keep the grid they were decoded with.
    connect(window->settingsPanel(), &SettingsPanel::settingsChanged, this, [this] {
        if (showing_) keepGrid();
    });
}

bool RunReopener::runInProgress() const {
    // From runStarted to runFinished as the window sees them: the worker says it is done
    // before the window has taken the run's frames for the history, which a reopen must
    // not replace either.
    return runInProgress_ || window_->isRunning();
}

bool RunReopener::reopen(int row) {
    if (runInProgress()) {
        refuse(tr("A decode is running: Reopen would replace its views. Wait for it to finish or Cancel it (Esc) first"));
        return false;
    }
    HistoryController* history = window_->historyController();
    if (row < 0 || row >= window_->history()->rowCount()) {
        refuse(tr("Reopen: there is no run in row %1 of the history").arg(row + 1));
        return false;
    }
    record_ = window_->history()->record(row);
    loading_ = true;
    showStatus(tr("Reopening the run of %1…").arg(finishedText(record_)));
    history->reopen(row);
    if (history->isReopening()) showStatus(tr("Reading the run of %1 from disk…").arg(finishedText(record_)));
    return true;
}

bool RunReopener::showImported(const ReopenedRun& run) {
    if (runInProgress()) {
        refuse(tr("A decode is running: the trace would replace its views. Wait for it to finish or Cancel it (Esc) first"));
        return false;
    }
    loading_ = false;  // a reopen still reading from disk is superseded
    record_ = run.record;
    show(run);
    return true;
}

void RunReopener::importStarted() {
    QProgressBar* bar = window_->progressBar();
    barBeforeImport_ = {bar->minimum(), bar->maximum(), bar->value(), bar->format()};
    bar->setRange(0, 0);
    bar->setFormat(tr("Reading trace…"));
}

void RunReopener::importFailed(const QString& path, const QString& error) {
    Q_UNUSED(path)  // the error names it
    QProgressBar* bar = window_->progressBar();
    bar->setRange(barBeforeImport_.min, barBeforeImport_.max);
    bar->setValue(barBeforeImport_.value);
    bar->setFormat(barBeforeImport_.format);
    showStatus(tr("Open Trace: %1").arg(error));
    // Non-blocking: the event loop (and a test driving it) keeps running.
    auto* box = new QMessageBox(QMessageBox::Warning, tr("Open Trace failed"), tr("Could not open the trace."),
                                QMessageBox::Ok, window_);
    box->setObjectName(QStringLiteral("openTraceErrorBox"));
    box->setInformativeText(error);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void RunReopener::onFetched(const ReopenedRun& run) {
    if (!loading_ || run.record.id != record_.id) return;  // a run started meanwhile, or a newer reopen
    loading_ = false;
    if (runInProgress()) {
        refuse(tr("A decode is running: the reopened run is not shown over it"));
        return;
    }
    show(run);
}

void RunReopener::show(const ReopenedRun& r) {
    record_ = r.record;
    const ts::DecodeSettings settings = settingsOfRecord(r.record);
    const QVector<QImage> frames = r.hasFrames() ? r.run->frames : QVector<QImage>();
    const std::shared_ptr<const ts::TraceStore> trace = r.hasTrace() ? r.run->trace : nullptr;

    PreviewPanel* preview = window_->preview();
    preview->clearFrames();
    frameSize_ = frames.isEmpty() ? QSize() : frames.front().size();
    if (!frames.isEmpty()) {
        preview->setExpectedFrames(frames.size());
        preview->addFrames(FrameBatch{0, frames});
    }
    TraceFeed* feed = window_->traceFeed();
    if (trace) {
        feed->follow(trace, r.run->originNs);
        feed->stop();  // reads it all at once: the run is over
    } else {
        feed->clear();
    }
    // The grid of the tiles that ran (a budget may have tiled an untiled request).
    tiles_ = trace && frameSize_.isValid() ? tilesOfTrace(*trace, frameSize_, tilingThatRan(r.record)) : QVector<TileOverlay>();
    budgetBytes_ = std::max<std::int64_t>(0, settings.maxMemoryBytes);
    showing_ = true;
    keepGrid();

    QString latents = r.record.latents;
    if (latents == QLatin1String("(in memory)")) latents.clear();  // an unnamed clip: the files take the model's name
    window_->exporter()->setRun({settings, outcomeOfRecord(r.record), r.record.vaeSource, latents, trace, frames});

    const QString result = resultLine(r.record, frameSize_);
    const bool traceFile = !r.importedFrom.isEmpty();
    window_->resultLabel()->setText((traceFile ? tr("Trace: %1") : tr("Reopened: %1")).arg(result));
    QProgressBar* bar = window_->progressBar();
    bar->setRange(0, std::max(1, r.record.frames));
    bar->setValue(frames.size());
    bar->setFormat(traceFile ? tr("Trace file: no frames") : tr("Reopened, %v / %m frames"));

    const QString when = finishedText(r.record);
    QString html;
    if (traceFile) {
        html = tr("<b>Trace file %1</b> (written %2) · its settings, read-only: <b>%3</b><br>The timeline, memory graph "
                  "and File > Export are this trace's; a trace has no frames. The settings panel keeps yours, which Run "
                  "decodes with.")
                   .arg(r.importedFrom.toHtmlEscaped(), when.toHtmlEscaped(), settingsLine(r.record).toHtmlEscaped());
        // What the reader left out (events of other phases, out-of-range times) and the
        // notes the recording tool wrote: said where the trace is shown, not only in its file.
        if (trace)
            for (const std::string& n : trace->notes())
                html += tr("<br>Note: %1").arg(QString::fromStdString(n).toHtmlEscaped());
    } else {
        html = tr("<b>Reopened run of %1</b> · %2 on %3 · its settings, read-only: <b>%4</b><br>The frames, tile grid, "
                  "timeline, memory graph and File > Export are this run's; the settings panel keeps yours, which "
                  "Run decodes with.")
                   .arg(when.toHtmlEscaped(), r.record.vaeSource.toHtmlEscaped(), r.record.latents.toHtmlEscaped(),
                        settingsLine(r.record).toHtmlEscaped());
        if (!r.missing.isEmpty()) html += tr("<br><b>Numbers only:</b> %1").arg(r.missing.toHtmlEscaped());
    }
    banner_->setText(html);
    banner_->show();
    // The heading above the preview named the inputs, not what the views now show.
    window_->setViewTitle(traceFile ? tr("Trace file: %1").arg(QFileInfo(r.importedFrom).fileName())
                                    : tr("Reopened run: %1 on %2").arg(r.record.modelText(), r.record.latents));
    window_->tabs()->setCurrentIndex(0);  // the timeline and memory graph it brought back

    QString status;
    if (traceFile)
        status = tr("Opened trace %1: %2 timeline spans").arg(r.importedFrom).arg(feed->index().spanCount());
    else if (r.missing.isEmpty())
        status = tr("Reopened run of %1, %2: %3 frames, %4 timeline spans")
                     .arg(when, settingsLine(r.record))
                     .arg(frames.size())
                     .arg(feed->index().spanCount());
    else
        status = tr("Reopened run of %1, %2, numbers only: %3").arg(when, settingsLine(r.record), r.missing);
    showStatus(status);
    Q_EMIT reopened(r.record, r.missing);
}

void RunReopener::keepGrid() {
    window_->preview()->setTiles(tiles_, frameSize_);
    window_->memory()->setBudgetBytes(budgetBytes_);
}

void RunReopener::onRunStarted() {
    // The run owns the views now: its frames, trace and prediction's grid replace ours.
    runInProgress_ = true;
    loading_ = false;
    showing_ = false;
    banner_->hide();
    window_->setViewTitle(QString());
    window_->historyController()->panel()->setReopenAllowed(
        false, tr("A decode is running: Reopen would replace its views (wait for it, or Cancel it)"));
}

QString RunReopener::bannerText() const {
    return banner_->isVisible() || showing_ ? QTextDocumentFragment::fromHtml(banner_->text()).toPlainText() : QString();
}

void RunReopener::refuse(const QString& why) {
    showStatus(why);
    Q_EMIT refused(why);
}

void RunReopener::showStatus(const QString& text) {
    window_->statusBar()->showMessage(text);
}

}  // namespace tsui
