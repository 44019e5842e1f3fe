#pragma once
// File > Export after a run: one action per format of export_job.h (Chrome/Perfetto
// trace, HTML report, span CSV, summary JSON, PNG folder, MP4), a file dialog with the
// run's default name, and the result in the status bar (a message box when it fails).
//
// The controller keeps only the finished run's value data: its settings and outcome,
// the shared trace store the timeline already holds, and the preview's QImages
// (implicitly shared, so no second copy); setRun() replaces it and clear(), at the next
// run's start, drops it, which keeps memory bounded over many runs. Exports run on a
// background thread, one at a time, so a long MP4 never blocks the GUI; the result comes
// back as a value (ExportResult) through exported(), on the GUI thread.
#include "export_job.h"

#include <QObject>
#include <QString>
#include <QVector>

#include <atomic>
#include <thread>

class QAction;
class QMenu;
class QMenuBar;
class QStatusBar;
class QWidget;

namespace tsui {

class ExportController : public QObject {
    Q_OBJECT
public:
    // dialogParent: parent of the file and message dialogs (null: none are shown).
    explicit ExportController(QWidget* dialogParent = nullptr, QObject* parent = nullptr);
    ~ExportController() override;  // cancels and joins a running export

    // Adds File > Export (created when the bar has no "fileMenu" yet) with one action
    // per format; status messages go to statusBar when given.
    QMenu* installMenu(QMenuBar* bar, QStatusBar* statusBar = nullptr);

    void setRun(ExportRun run);  // a run finished: actions enabled as its data allows
    void clear();                // a run starts: drop the last one, actions disabled
    bool hasRun() const { return hasRun_; }
    const ExportRun& run() const { return run_; }
    QString stem() const;
    bool canExport(ExportFormat format) const;
    bool isBusy() const { return busy_.load(); }
    QAction* action(ExportFormat format) const;
    QString lastDirectory() const { return lastDir_; }
    void setLastDirectory(const QString& dir) { lastDir_ = dir; }

public Q_SLOTS:
    // Asks for a path (file dialog, default name in the last folder), then exports.
    void exportInteractively(tsui::ExportFormat format);
    // Starts writing `format` to `path` on the export thread; false (with an exported()
    // failure) when there is no run, the format has no data, or an export is running.
    bool exportTo(tsui::ExportFormat format, const QString& path);

Q_SIGNALS:
    void exported(const tsui::ExportResult& result);

private:
    void refreshActions();
    void report(const ExportResult& result);
    void join();

    QWidget* dialogParent_;
    QStatusBar* statusBar_ = nullptr;
    ExportRun run_;
    bool hasRun_ = false;
    QString lastDir_;
    QVector<QAction*> actions_;  // indexed by ExportFormat
    std::thread thread_;
    std::atomic<bool> busy_{false};
    std::atomic<bool> cancel_{false};
};

}  // namespace tsui
