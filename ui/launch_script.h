#pragma once
// What the launch options ask the workbench to do by itself: open the inputs, set the
// widgets as if typed, then run (and a second run with --compare-tiling), reopen the last
// run, select a timeline range, save a screenshot and quit. This is how the README's demo
// command, the screenshots in docs/ and the GUI smoke tests drive the real window.
#include "launch_options.h"

#include <QObject>
#include <QString>

namespace tsui {

class MainWindow;
struct RunOutcome;

class LaunchScript : public QObject {
    Q_OBJECT

public:
    LaunchScript(MainWindow& window, LaunchOptions options, QObject* parent = nullptr);

    // Loads the demo or --vae/--latents into the window. A file that cannot be read is not
    // fatal (the window opens and says why): the message, or "".
    QString openInputs();

    // --tiling/--tile/--overlap/--seam-check/--view/--gain onto the widgets, each checked
    // as the widget checks typed input: "" or the message naming the bad option.
    QString applySettings();

    // Schedules what the options ask for on the event loop; call once the window is shown.
    // `startupError` (from openInputs) fails a screenshot-only launch.
    void start(const QString& startupError);

    // 0, or 1 when a run, the reopen or the screenshot failed.
    int exitCode() const { return exitCode_; }

Q_SIGNALS:
    // --quit: everything asked for is done (or failed); the application should exit.
    void quitRequested(int exitCode);

private:
    void onRunFinished(const RunOutcome& outcome);
    void startSecondRun();
    void finish(bool ok);
    bool selectSpan(const QString& text);  // --select-span: false when no span matches

    MainWindow& window_;
    LaunchOptions options_;
    bool comparedOnce_ = false;
    bool finishing_ = false;  // --compare-tiling: the grab is scheduled once
    int exitCode_ = 0;
};

// Grabs `window` into a PNG (creating its folder); false with a message on stderr when it
// cannot be written.
bool saveScreenshot(QWidget& window, const QString& file);

}  // namespace tsui
