#pragma once
// The decoding workbench's main window. Left: the SettingsPanel (inputs, settings,
// presets, the engine's prediction), Run/Cancel, progress and the last result. Right:
// the PreviewPanel (frames as they arrive, with the predicted tile grid) above a tab
// widget holding the live timeline with the memory graph under it, the statistics of a
// selected time range, and the run history. Decodes run on a DecodeWorker thread; the
// window only reacts to its queued signals and polls the run's TraceStore on a timer, so
// the event loop keeps running during a decode. History > Reopen brings a kept run back
// into these views (RunReopener).
#include "decode_worker.h"

#include "decode/decode_settings.h"
#include "model/demo.h"

#include <ATen/core/Tensor.h>

#include <QImage>
#include <QMainWindow>
#include <QString>

#include <cstdint>
#include <memory>

class QLabel;
class QProgressBar;
class QPushButton;
class QSettings;
class QTabWidget;

namespace tsui {

class ExportController;
class HistoryController;
class TraceImporter;
class MemoryView;
class PreviewPanel;
class RangeStatsPanel;
class RunHistoryModel;
class RunReopener;
class SettingsPanel;
class TimelineView;
class TraceFeed;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    // historyFile: where runs are kept ("" = the app data folder).
    explicit MainWindow(QWidget* parent = nullptr, const QString& historyFile = QString());
    ~MainWindow() override;

    // Inputs. setLatents keeps an in-memory clip (the demo); setLatentsPath reads a file.
    void setVaeSource(const QString& source);
    QString vaeSource() const;
    void setLatents(const at::Tensor& latents, const QString& label);
    void setLatentsPath(const QString& path);
    void setTitle(const QString& title);
    // While the views show something else than the inputs' decode (a reopened run, a trace
    // file), the heading above the preview names that; "" gives it back to the inputs.
    void setViewTitle(const QString& title);
    QString titleText() const;
    // A built-in demo (model/demo.h) as the inputs, its title above the preview.
    void openDemo(const ts::DemoAssets& demo);

    // The settings as the widgets show them, and why the engine refuses them ("" if not).
    ts::DecodeSettings settings() const;
    QString settingsProblem() const;

    bool isRunning() const;
    int frameCount() const;             // frames received from the current/last run
    QImage frame(int index) const;
    QImage currentFrame() const;        // the one the preview shows
    QString statusText() const;         // the status bar's current message

    SettingsPanel* settingsPanel() const { return settings_; }
    PreviewPanel* preview() const { return preview_; }
    TimelineView* timeline() const { return timeline_; }
    MemoryView* memory() const { return memory_; }
    TraceFeed* traceFeed() const { return feed_; }
    RunHistoryModel* history() const { return history_; }
    HistoryController* historyController() const { return historyCtl_; }  // history + compare tabs
    QTabWidget* tabs() const { return tabs_; }
    ExportController* exporter() const { return exporter_; }  // File > Export
    RunReopener* reopener() const { return reopener_; }        // History > Reopen into these views
    TraceImporter* traceImporter() const { return importer_; } // File > Open Trace
    QLabel* resultLabel() const { return resultLabel_; }       // the last run's numbers
    RangeStatsPanel* rangeStats() const { return rangeStats_; }
    QProgressBar* progressBar() const { return progressBar_; }

public Q_SLOTS:
    bool startRun();   // false (with a status message) when refused
    void cancelRun();
    // File > Open Trace: reads a Chrome trace off the GUI thread and shows it as the run
    // reopener shows a run; false (with a status message) while a decode runs.
    bool openTrace(const QString& path);

Q_SIGNALS:
    void runStarted();
    void runFinished(const tsui::RunOutcome& outcome);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void buildUi();
    void onSettingsChanged();
    void onProgress(const tsui::ProgressInfo& info);
    void onFrames(const tsui::FrameBatch& batch);
    void onFinished(const tsui::RunOutcome& outcome);
    void setRunningUi(bool running);
    void showStatus(const QString& text);
    void recordRun(const RunOutcome& outcome);

    DecodeWorker* worker_ = nullptr;
    QSettings* store_ = nullptr;
    TraceFeed* feed_ = nullptr;
    RunHistoryModel* history_ = nullptr;
    HistoryController* historyCtl_ = nullptr;
    // What the run in flight decodes: the inputs may be edited meanwhile, so the history
    // and the exports take these, not the input box's current text.
    ts::DecodeSettings runSettings_;
    QString runVaeSource_;
    QString runLatentsLabel_;
    QString runMemoryText_;
    bool runInFlight_ = false;  // from startRun until onFinished

    SettingsPanel* settings_ = nullptr;
    PreviewPanel* preview_ = nullptr;
    TimelineView* timeline_ = nullptr;
    MemoryView* memory_ = nullptr;
    QTabWidget* tabs_ = nullptr;
    RangeStatsPanel* rangeStats_ = nullptr;
    QLabel* compareLabel_ = nullptr;
    QPushButton* runButton_ = nullptr;
    QPushButton* cancelButton_ = nullptr;
    QProgressBar* progressBar_ = nullptr;
    QLabel* resultLabel_ = nullptr;
    QLabel* titleLabel_ = nullptr;
    QString inputsTitle_, viewTitle_;
    QString problem_;
    // A finished run's result is in the status bar: "Ready" (e.g. when the model probe
    // finishes late) must not replace it; a settings problem or the next run does.
    bool resultShown_ = false;
    ExportController* exporter_ = nullptr;
    RunReopener* reopener_ = nullptr;
    TraceImporter* importer_ = nullptr;
};

}  // namespace tsui
