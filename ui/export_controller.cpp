#include "export_controller.h"

#include <QAction>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QStandardPaths>
#include <QStatusBar>

namespace tsui {

namespace {

struct MetaTypeRegistration {
    MetaTypeRegistration() {
        qRegisterMetaType<tsui::ExportFormat>("tsui::ExportFormat");
        qRegisterMetaType<tsui::ExportResult>("tsui::ExportResult");
    }
};

constexpr ExportFormat kFormats[] = {ExportFormat::ChromeTrace, ExportFormat::HtmlReport, ExportFormat::SpanCsv,
                                     ExportFormat::Summary,     ExportFormat::PngFrames,  ExportFormat::Mp4};

}  // namespace

// ------------------------------------------------------------------------ controller

ExportController::ExportController(QWidget* dialogParent, QObject* parent) : QObject(parent), dialogParent_(dialogParent) {
    static MetaTypeRegistration registration;
    lastDir_ = QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation);
    if (lastDir_.isEmpty()) lastDir_ = QDir::homePath();
}

ExportController::~ExportController() {
    cancel_.store(true);
    join();
}

void ExportController::join() {
    if (thread_.joinable()) thread_.join();
}

QMenu* ExportController::installMenu(QMenuBar* bar, QStatusBar* statusBar) {
    statusBar_ = statusBar;
    QMenu* file = bar->findChild<QMenu*>(QStringLiteral("fileMenu"));
    if (!file) {
        file = bar->addMenu(tr("&File"));
        file->setObjectName(QStringLiteral("fileMenu"));
    }
    QMenu* menu = file->addMenu(tr("&Export"));
    menu->setObjectName(QStringLiteral("exportMenu"));
    menu->setToolTipsVisible(true);  // says why an action is disabled
    const struct {
        ExportFormat format;
        QString text;
        QKeySequence keys;
        const char* name;
    } items[] = {
        {ExportFormat::ChromeTrace, tr("Chrome/Perfetto &trace (.json)…"), QKeySequence(Qt::CTRL | Qt::Key_E), "exportTrace"},
        {ExportFormat::HtmlReport, tr("HTML &report…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E), "exportReport"},
        {ExportFormat::SpanCsv, tr("Span &CSV…"), QKeySequence(), "exportCsv"},
        {ExportFormat::Summary, tr("&Summary JSON…"), QKeySequence(), "exportSummary"},
        {ExportFormat::PngFrames, tr("Frames as &PNG folder…"), QKeySequence(), "exportPng"},
        {ExportFormat::Mp4, tr("Video as &MP4…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_M), "exportMp4"},
    };
    actions_.clear();
    for (const auto& item : items) {
        if (item.format == ExportFormat::PngFrames) menu->addSeparator();
        QAction* a = menu->addAction(item.text);
        a->setObjectName(QLatin1String(item.name));
        if (!item.keys.isEmpty()) a->setShortcut(item.keys);
        const ExportFormat format = item.format;
        connect(a, &QAction::triggered, this, [this, format] { exportInteractively(format); });
        actions_ << a;
    }
    refreshActions();
    return menu;
}

QAction* ExportController::action(ExportFormat format) const {
    const int i = static_cast<int>(format);
    return i < actions_.size() ? actions_[i] : nullptr;
}

void ExportController::setRun(ExportRun run) {
    run_ = std::move(run);
    hasRun_ = true;
    refreshActions();
}

void ExportController::clear() {
    run_ = ExportRun();  // releases the trace store and the frames
    hasRun_ = false;
    refreshActions();
}

QString ExportController::stem() const {
    return exportStem(run_.settings, run_.vaeSource, run_.latentsLabel);
}

bool ExportController::canExport(ExportFormat format) const {
    if (!hasRun_) return false;
    return exportNeedsFrames(format) ? !run_.frames.isEmpty() : static_cast<bool>(run_.trace);
}

void ExportController::refreshActions() {
    const bool busy = busy_.load();
    for (ExportFormat f : kFormats) {
        QAction* a = action(f);
        if (!a) continue;
        a->setEnabled(!busy && canExport(f));
        a->setToolTip(!hasRun_ ? tr("Available after a run has finished")
                      : canExport(f) ? tr("Write the last run's %1").arg(exportFormatName(f))
                                     : tr("The last run has no %1 to export").arg(exportNeedsFrames(f) ? tr("frames") : tr("trace")));
    }
}

void ExportController::exportInteractively(ExportFormat format) {
    if (!canExport(format) || busy_.load()) return;
    const QString suggested = QDir(lastDir_).filePath(defaultExportName(format, stem()));
    QString filter;
    switch (format) {
    case ExportFormat::ChromeTrace:
    case ExportFormat::Summary: filter = tr("JSON (*.json)"); break;
    case ExportFormat::HtmlReport: filter = tr("HTML (*.html)"); break;
    case ExportFormat::SpanCsv: filter = tr("CSV (*.csv)"); break;
    case ExportFormat::PngFrames: filter = tr("New folder (*)"); break;
    case ExportFormat::Mp4: filter = tr("Video (*.mp4 *.mkv)"); break;
    }
    QString path = QFileDialog::getSaveFileName(dialogParent_, tr("Export %1").arg(exportFormatName(format)), suggested, filter);
    if (path.isEmpty()) return;
    if (format == ExportFormat::Mp4 && QFileInfo(path).suffix().isEmpty()) path += QStringLiteral(".mp4");
    lastDir_ = QFileInfo(path).absolutePath();
    exportTo(format, path);
}

bool ExportController::exportTo(ExportFormat format, const QString& path) {
    if (busy_.load() || !canExport(format)) {
        ExportResult r;
        r.format = format;
        r.path = path;
        r.message = busy_.load() ? tr("%1: another export is still running").arg(path)
                    : !hasRun_  ? tr("%1: nothing to export yet: run a decode first").arg(path)
                                : tr("%1: the last run has no data for the %2").arg(path, exportFormatName(format));
        report(r);
        return false;
    }
    join();  // the previous export has reported; reap its thread
    busy_.store(true);
    cancel_.store(false);
    refreshActions();
    if (statusBar_) statusBar_->showMessage(tr("Exporting the %1 to %2…").arg(exportFormatName(format), path));
    // The thread gets its own copy of the run: shared trace store, shallow QImages.
    thread_ = std::thread([this, run = run_, format, path] {
        const ExportResult r = writeExport(run, format, path, &cancel_);
        // Back on the GUI thread; dropped if the controller is gone by then.
        QMetaObject::invokeMethod(this, [this, r] {
            busy_.store(false);
            refreshActions();
            report(r);
        }, Qt::QueuedConnection);
    });
    return true;
}

void ExportController::report(const ExportResult& result) {
    if (statusBar_) statusBar_->showMessage(result.ok ? result.message : tr("Export failed: %1").arg(result.message));
    if (!result.ok && dialogParent_) {
        // Non-blocking: the event loop (and a test driving it) keeps running.
        auto* box = new QMessageBox(QMessageBox::Warning, tr("Export failed"),
                                    tr("Could not export the %1.").arg(exportFormatName(result.format)), QMessageBox::Ok,
                                    dialogParent_);
        box->setObjectName(QStringLiteral("exportErrorBox"));
        box->setInformativeText(result.message);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    }
    Q_EMIT exported(result);
}

}  // namespace tsui
