#include "launch_script.h"

#include "decode_worker.h"
#include "frame_compare_panel.h"
#include "history_controller.h"
#include "main_window.h"
#include "preview_panel.h"
#include "run_compare_view.h"
#include "run_history_model.h"
#include "run_reopener.h"
#include "settings_panel.h"
#include "timeline_index.h"
#include "timeline_view.h"
#include "trace_feed.h"
#include "trace_importer.h"

#include "io/latents_reader.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QSpinBox>
#include <QTabWidget>
#include <QTimer>

#include <cstdio>
#include <exception>
#include <utility>

namespace tsui {

bool saveScreenshot(QWidget& window, const QString& file) {
    const QFileInfo info(file);
    if (!info.absoluteDir().exists()) QDir().mkpath(info.absolutePath());
    // Text that arrived since the last layout pass (a checkpoint's error, say) is laid out
    // first: a grab does not run pending layout requests, and showed it cut off.
    QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
    QCoreApplication::processEvents();
    const QPixmap shot = window.grab();
    if (shot.isNull() || !shot.save(file, "PNG")) {
        std::fprintf(stderr, "tilescope: --screenshot: cannot write '%s'\n", qPrintable(file));
        return false;
    }
    std::fprintf(stderr, "tilescope: screenshot saved to %s\n", qPrintable(file));
    return true;
}

LaunchScript::LaunchScript(MainWindow& window, LaunchOptions options, QObject* parent)
    : QObject(parent), window_(window), options_(std::move(options)) {}

QString LaunchScript::openInputs() {
    if (options_.useDemo) {
        try {
            window_.openDemo(ts::loadDemo(options_.demoKind));
        } catch (const std::exception& e) {
            return QStringLiteral("Cannot open the demo: ") + QString::fromUtf8(e.what());
        }
        return {};
    }
    QString problem;
    if (!options_.vae.isEmpty()) window_.setVaeSource(options_.vae);
    if (!options_.latents.isEmpty()) {
        try {
            window_.setLatents(ts::readLatents(options_.latents.toStdString()), options_.latents);
        } catch (const std::exception& e) {
            window_.setLatentsPath(options_.latents);
            problem = QString::fromUtf8(e.what());
        }
    }
    window_.setTitle(QFileInfo(options_.latents).fileName());
    return problem;
}

QString LaunchScript::applySettings() {
    if (!options_.tiling.isEmpty())
        window_.findChild<QComboBox*>(QStringLiteral("tilingCombo"))->setCurrentText(options_.tiling);
    struct PixelSetting {
        const std::optional<int>& value;
        const char* option;
        const char* spinName;
    };
    for (const PixelSetting& s : {PixelSetting{options_.tilePx, "tile", "tileSpin"},
                                  PixelSetting{options_.overlapPx, "overlap", "overlapSpin"}}) {
        if (!s.value) continue;
        auto* spin = window_.findChild<QSpinBox*>(QLatin1String(s.spinName));
        if (*s.value < spin->minimum() || *s.value > spin->maximum())
            return QStringLiteral("--%1: '%2' is not a pixel count from %3 to %4")
                .arg(QLatin1String(s.option))
                .arg(*s.value)
                .arg(spin->minimum())
                .arg(spin->maximum());
        spin->setValue(*s.value);
    }
    if (options_.seamCheck) window_.preview()->setSeamCheckEnabled(true);
    if (options_.view) window_.preview()->setViewMode(*options_.view);
    if (options_.heatmapGain) {
        window_.preview()->setHeatmapGain(*options_.heatmapGain);
        if (window_.preview()->heatmapGain() != *options_.heatmapGain)
            return QStringLiteral("--gain: '%1' is not auto, 10, 100, 1000 or 10000").arg(options_.heatmapGainText);
    }
    return {};
}

void LaunchScript::start(const QString& startupError) {
    if (options_.run) {
        connect(&window_, &MainWindow::runFinished, this, &LaunchScript::onRunFinished);
        QTimer::singleShot(0, this, [this] {
            if (!window_.startRun()) {
                std::fprintf(stderr, "tilescope: --run: %s\n", qPrintable(window_.statusText()));
                finish(false);
            }
        });
    } else if (!options_.openTrace.isEmpty()) {
        connect(window_.reopener(), &RunReopener::reopened, this, [this, startupError] {
            QTimer::singleShot(200, this, [this, startupError] { finish(startupError.isEmpty()); });  // let it paint
        });
        connect(window_.traceImporter(), &TraceImporter::failed, this, [this](const QString&, const QString& error) {
            std::fprintf(stderr, "tilescope: --open-trace: %s\n", qPrintable(error));
            finish(false);
        });
        QTimer::singleShot(0, this, [this] {
            if (!window_.openTrace(options_.openTrace)) {
                std::fprintf(stderr, "tilescope: --open-trace: %s\n", qPrintable(window_.statusText()));
                finish(false);
            }
        });
    } else if (options_.reopenLast) {
        connect(window_.reopener(), &RunReopener::reopened, this, [this, startupError] {
            QTimer::singleShot(200, this, [this, startupError] { finish(startupError.isEmpty()); });  // let it paint
        });
        QTimer::singleShot(0, this, [this] {
            const bool empty = window_.history()->rowCount() == 0;
            if (empty || !window_.reopener()->reopen(0)) {
                std::fprintf(stderr, "tilescope: --reopen-last: %s\n",
                             empty ? "the run history is empty" : qPrintable(window_.statusText()));
                finish(false);
            }
        });
    } else if (!options_.screenshot.isEmpty() || options_.quit) {
        // Once the checkpoint's probe is in (a real one takes seconds): a screenshot shows
        // what it is or why it cannot be read, and --quit reports an unreadable checkpoint
        // as it reports unreadable latents.
        auto* poll = new QTimer(this);
        poll->setInterval(50);
        connect(poll, &QTimer::timeout, this, [this, poll, startupError] {
            if (window_.settingsPanel()->modelPending()) return;
            poll->deleteLater();
            const ModelInfo& model = window_.settingsPanel()->modelInfo();
            if (!model.ok) std::fprintf(stderr, "tilescope: --vae: %s\n", qPrintable(model.error));
            QTimer::singleShot(200, this, [this, ok = startupError.isEmpty() && model.ok] { finish(ok); });  // let it paint
        });
        poll->start();
    } else if (options_.plain && startupError.isEmpty() && window_.history()->rowCount() == 0) {
        // The very first launch (no options, nothing in the history) decodes the demo at
        // once, so that the window opens on decoded video filling in, a live timeline and a
        // memory graph rather than empty views; Esc cancels it. Later launches wait for Run.
        QTimer::singleShot(300, this, [this] {
            if (!window_.isRunning()) window_.startRun();
        });
    }
}

void LaunchScript::onRunFinished(const RunOutcome& outcome) {
    const bool ok = outcome.status == RunOutcome::Status::Done;
    if (!ok) std::fprintf(stderr, "tilescope: run ended: %s\n", qPrintable(outcome.message));
    const bool comparing = ok && !options_.compareTiling.isEmpty();
    // --compare-tiling: the first run done, decode again with the other tiling.
    if (comparing && !comparedOnce_ && window_.history()->rowCount() > 0) {
        comparedOnce_ = true;
        window_.findChild<QComboBox*>(QStringLiteral("tilingCombo"))->setCurrentText(options_.compareTiling);
        QTimer::singleShot(0, this, [this] { startSecondRun(); });
        return;
    }
    if (comparing) {
        window_.historyController()->compare(1, 0);
        auto* view = window_.historyController()->compareView();
        view->showStagesTab(options_.compareStages);
        // The clip's statistics and the per-stage diff come from pool threads: grab once
        // both are in.
        if (view->frames()->statsPending() || view->diffPending()) {
            const auto grabWhenDone = [this, view, ok] {
                if (view->frames()->statsPending() || view->diffPending() || finishing_) return;
                finishing_ = true;
                QTimer::singleShot(100, this, [this, ok] { finish(ok); });
            };
            connect(view, &RunCompareView::statsReady, this, grabWhenDone);
            connect(view, &RunCompareView::diffReady, this, grabWhenDone);
            return;
        }
    }
    // Let the last frame paint before grabbing.
    QTimer::singleShot(100, this, [this, ok] { finish(ok); });
}

void LaunchScript::startSecondRun() {
    if (!window_.startRun()) {
        std::fprintf(stderr, "tilescope: --compare-tiling: %s\n", qPrintable(window_.statusText()));
        finish(false);
    }
}

bool LaunchScript::selectSpan(const QString& text) {
    const TimelineIndex& index = window_.traceFeed()->index();
    const std::string needle = text.toStdString();
    std::int64_t best = -1;
    for (std::uint32_t i = 0; i < index.spanCount(); ++i) {
        const TimelineRecord& r = index.record(i);
        if (index.name(r.name).find(needle) == std::string::npos) continue;
        if (best < 0 || r.start < index.record(static_cast<std::uint32_t>(best)).start) best = i;
    }
    if (best < 0) return false;
    window_.tabs()->setCurrentIndex(0);
    window_.timeline()->selectRecord(best);
    QCoreApplication::processEvents();
    return true;
}

void LaunchScript::finish(bool ok) {
    if (options_.rangeFromMs && options_.rangeToMs) {
        window_.timeline()->selectRange(*options_.rangeFromMs, *options_.rangeToMs);
        window_.tabs()->setCurrentIndex(1);
        QCoreApplication::processEvents();  // lay the table out before the grab
    }
    if (!options_.selectSpan.isEmpty() && !selectSpan(options_.selectSpan)) {
        std::fprintf(stderr, "tilescope: --select-span: no timeline span's name contains '%s'\n",
                     qPrintable(options_.selectSpan));
        ok = false;
    }
    if (!options_.screenshot.isEmpty() && !saveScreenshot(window_, options_.screenshot)) ok = false;
    if (!ok) exitCode_ = 1;
    if (options_.quit) QTimer::singleShot(0, this, [this] { Q_EMIT quitRequested(exitCode_); });
}

}  // namespace tsui
