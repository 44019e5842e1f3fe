#pragma once
// History > Reopen (or a double-click on a history row) into the main window's own views,
// replacing what they show, as if the run had just finished: its frames in the preview
// under the tile grid it ran (read from its trace), its trace in the timeline and the
// memory graph, its numbers in the result line and the status bar, and File > Export on
// its settings, trace and frames. The run comes from HistoryController::reopen (the
// in-memory archive, or the disk store read off the GUI thread) through a queued signal.
//
// The run's settings are shown read-only, in a banner above the preview that stays until
// the next run: the settings panel keeps the user's own, which Run decodes with (a
// reopened run of another model or clip could not be re-run from them anyway). While the
// banner is up the preview keeps the run's own grid, not the prediction for the panel's
// settings. A run in progress is never replaced: Reopen is off while one runs, and a
// reopen asked for then (a double-click) is refused with a message, as is one still being
// read from disk when a run starts.
#include "reopened_run.h"

#include <QObject>
#include <QSize>
#include <QVector>

#include <cstdint>

class QLabel;

namespace tsui {

class MainWindow;

class RunReopener : public QObject {
    Q_OBJECT
public:
    // Connects to the window's history panel, its runs and its settings, and puts the
    // banner right above the preview. Call once the window's views and exporter exist.
    explicit RunReopener(MainWindow* window);

    bool isShowing() const { return showing_; }          // the main views show a reopened run
    bool isLoading() const { return loading_; }          // a reopen waits for the disk
    const RunRecord& record() const { return record_; }  // the run shown (or loading)
    QLabel* banner() const { return banner_; }
    QString bannerText() const;                          // the banner's text, without markup

public Q_SLOTS:
    // Replaces what the main views show with the run of history row `row`; false (with
    // a status message and refused()) while a decode runs or for a row that does not exist.
    bool reopen(int row);
    // Shows a trace file's run (TraceImporter) the same way; false (with a status message
    // and refused()) while a decode runs.
    bool showImported(const tsui::ReopenedRun& run);
    // A trace file is being read: the progress bar runs busy (the status line gives way to
    // the next message) until showImported, or importFailed puts it back and says why in a
    // box that stays until read, as a failed export does.
    void importStarted();
    void importFailed(const QString& path, const QString& error);

Q_SIGNALS:
    // The main views show `record`'s run; `missing` says why its trace or frames are not
    // there ("" when they are).
    void reopened(const tsui::RunRecord& record, const QString& missing);
    void refused(const QString& why);

private:
    void onFetched(const tsui::ReopenedRun& run);
    void show(const ReopenedRun& run);
    void keepGrid();  // the run's grid and budget back over the prediction's
    void onRunStarted();
    void refuse(const QString& why);
    bool runInProgress() const;
    void showStatus(const QString& text);

    MainWindow* window_;
    QLabel* banner_ = nullptr;
    bool showing_ = false;
    bool loading_ = false;
    bool runInProgress_ = false;
    RunRecord record_;
    QVector<TileOverlay> tiles_;
    QSize frameSize_;
    std::int64_t budgetBytes_ = 0;
    struct BarState {
        int min = 0, max = 1, value = 0;
        QString format;
    } barBeforeImport_;  // what importFailed puts back
};

}  // namespace tsui
