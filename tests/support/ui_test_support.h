#pragma once
// What the UI suites share to drive a MainWindow: open the demo on it, set the tiling,
// run to the end (or fail with a message the suite's QVERIFY2 prints), read a run's
// outcome off a QSignalSpy; make trace spans by hand. Functions that wait return what
// they saw rather than asserting, so each suite keeps its own assertions (Qt Test's macros return from the
// function they are in: only a test function can use them to stop the test).
#include "main_window.h"
#include "settings_panel.h"

#include "model/demo.h"
#include "profile/trace_event.h"
#include "test_support.h"

#include <ATen/core/Tensor.h>

#include <QComboBox>
#include <QSignalSpy>
#include <QSpinBox>
#include <QString>
#include <QTest>

namespace tsui::test {

// A span on the host's main track (pid 0, tid 0), for feeding timelines by hand.
inline ts::TraceEvent span(const char* name, const char* cat, std::int64_t start, std::int64_t dur) {
    return ts::test::traceEvent(ts::TraceEvent::Kind::Span, name, cat, 0, 0, start, dur);
}

// The demo's model and `latents` (the demo's own clip, or a corner of it) on the window,
// with the demo's title.
inline void openDemo(MainWindow& w, const ts::DemoAssets& demo, const at::Tensor& latents,
                     const QString& label = QStringLiteral("(demo)")) {
    w.setVaeSource(QString::fromStdString(demo.vaeSource));
    w.setLatents(latents, label);
    w.setTitle(QString::fromStdString(demo.title));
}

// The same, and the demo's title; then waits (up to timeoutMs) for the model probe to
// have read the checkpoint. True when it did.
inline bool openDemoAndProbe(MainWindow& w, const ts::DemoAssets& demo, const at::Tensor& latents,
                             const QString& label = QStringLiteral("(demo)"), int timeoutMs = 30000) {
    openDemo(w, demo, latents, label);
    return QTest::qWaitFor([&] { return w.settingsPanel()->modelInfo().ok; }, timeoutMs);
}

// Tiling, tile and overlap through the settings widgets, as a user would set them.
inline void setTiling(MainWindow& w, const QString& mode, int tile, int overlap) {
    w.findChild<QComboBox*>(QStringLiteral("tilingCombo"))->setCurrentText(mode);
    w.findChild<QSpinBox*>(QStringLiteral("tileSpin"))->setValue(tile);
    w.findChild<QSpinBox*>(QStringLiteral("overlapSpin"))->setValue(overlap);
}

// The outcome the spy's last runFinished carried.
inline RunOutcome outcomeOf(const QSignalSpy& spy) {
    return spy.last().at(0).value<RunOutcome>();
}

// Starts a run and waits for it to finish. A run that does not start or does not finish
// within timeoutMs comes back Failed, with the status bar's text or "timed out" as its
// message, so QVERIFY2(out.status == Done, out.message) says what went wrong.
inline RunOutcome runToEnd(MainWindow& w, int timeoutMs = 300000) {
    QSignalSpy finished(&w, &MainWindow::runFinished);
    RunOutcome failed;
    if (!w.startRun()) {
        failed.message = QStringLiteral("not started: ") + w.statusText();
        return failed;
    }
    if (!finished.wait(timeoutMs) && finished.isEmpty()) {
        failed.message = QStringLiteral("timed out after %1 ms").arg(timeoutMs);
        return failed;
    }
    return outcomeOf(finished);
}

// Two runs for the history and compare suites: untiled, then blend tiles of 32/8 px (so
// the second trace holds tile spans). Empty when both finished, else what went wrong.
inline QString runUntiledThenBlend(MainWindow& w) {
    setTiling(w, QStringLiteral("off"), 256, 32);
    const RunOutcome first = runToEnd(w);
    if (first.status != RunOutcome::Status::Done) return QStringLiteral("untiled run: ") + first.message;
    setTiling(w, QStringLiteral("blend"), 32, 8);
    const RunOutcome second = runToEnd(w);
    if (second.status != RunOutcome::Status::Done) return QStringLiteral("blend run: ") + second.message;
    return {};
}

}  // namespace tsui::test
