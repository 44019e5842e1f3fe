// File > Export after a demo run: every format written through the engine's writers
// into a temporary folder and read back (trace JSON with spans, CSV rows matching the
// trace's spans, summary JSON, the HTML report with frames, a PNG folder equal to the
// preview, an MP4 the engine's reader decodes to the right frames); actions disabled
// until a run has finished; a path that cannot be written gives an error naming it and
// leaves nothing behind; a new run releases the last one's trace.
#include "export_controller.h"
#include "main_window.h"
#include "run_history_model.h"
#include "settings_panel.h"

#include "core/process_memory.h"
#include "io/video_reader.h"
#include "model/demo.h"
#include "test_support.h"
#include "ui_test_support.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <climits>
#include <cmath>
#include <fstream>
#include <memory>
#include <vector>

using namespace tsui;

class TestExport : public QObject {
    Q_OBJECT
private:
    ts::DemoAssets demo_;
    QTemporaryDir dir_;
    std::unique_ptr<MainWindow> w_;

    // A corner of the demo clip (2 latent frames of 8x8 -> 5 frames of 64x64), in blend
    // tiles of 32 px so the trace holds tile spans.
    void runDemo(MainWindow& w) {
        QVERIFY(test::openDemoAndProbe(w, demo_, ts::test::latentCorner(demo_.latents, 2, 8), QStringLiteral("(demo latents)")));
        test::setTiling(w, QStringLiteral("blend"), 32, 8);
        QVERIFY2(w.settingsProblem().isEmpty(), qPrintable(w.settingsProblem()));
        const RunOutcome out = test::runToEnd(w, 120000);
        QVERIFY2(out.status == RunOutcome::Status::Done, qPrintable(out.message));
    }

    // Exports and waits for the result.
    ExportResult exportTo(ExportFormat format, const QString& path) {
        QSignalSpy spy(w_->exporter(), &ExportController::exported);
        if (w_->exporter()->exportTo(format, path)) spy.wait(120000);
        if (spy.isEmpty()) return {};
        return spy.last().at(0).value<ExportResult>();
    }

    static nlohmann::json readJson(const QString& path) {
        std::ifstream f(path.toStdString());
        return nlohmann::json::parse(f, nullptr, false);
    }

    static QStringList leftovers(const QString& folder) {
        return QDir(folder).entryList({QStringLiteral("*.tmp-*")}, QDir::AllEntries | QDir::Hidden);
    }

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QVERIFY(dir_.isValid());
        demo_ = ts::loadDemo(ts::DemoKind::TinyRandom);
        w_ = std::make_unique<MainWindow>(nullptr, dir_.filePath(QStringLiteral("history.json")));
    }

    void defaultNamesComeFromTheSettings() {
        ts::DecodeSettings s;
        s.tiling = ts::TilingMode::Blend;
        s.tilePx = 128;
        s.overlapPx = 32;
        const QString stem = exportStem(s, QStringLiteral("builtin:tiny"), QStringLiteral("(demo latents)"));
        QCOMPARE(stem, QStringLiteral("tilescope_demo_blend_t128_o32_fp32"));
        QCOMPARE(defaultExportName(ExportFormat::ChromeTrace, stem), stem + ".json");
        QCOMPARE(defaultExportName(ExportFormat::HtmlReport, stem), stem + ".html");
        QCOMPARE(defaultExportName(ExportFormat::SpanCsv, stem), stem + ".csv");
        QCOMPARE(defaultExportName(ExportFormat::Summary, stem), stem + "_summary.json");
        QCOMPARE(defaultExportName(ExportFormat::PngFrames, stem), stem + "_frames");
        QCOMPARE(defaultExportName(ExportFormat::Mp4, stem), stem + ".mp4");
        s.device = "cuda:0";
        s.precision = ts::Precision::BF16;
        s.tiling = ts::TilingMode::Exact;
        s.tilePx = 256;
        QCOMPARE(exportStem(s, QStringLiteral("/models/Wan2.1_VAE.pth"), QStringLiteral("/data/cat clip_latents.safetensors")),
                 QStringLiteral("tilescope_cat_clip_exact_t256_o32_cuda0_bf16"));
        // No latents label: the model's name.
        QCOMPARE(exportStem(ts::DecodeSettings{}, QStringLiteral("/models/Wan2.1_VAE.pth"), QString()),
                 QStringLiteral("tilescope_Wan2.1_VAE_off_fp32"));
    }

    void actionsWaitForAFinishedRun() {
        QMenu* menu = w_->menuBar()->findChild<QMenu*>(QStringLiteral("exportMenu"));
        QVERIFY(menu);
        QAction* trace = menu->findChild<QAction*>(QStringLiteral("exportTrace"));
        QAction* mp4 = menu->findChild<QAction*>(QStringLiteral("exportMp4"));
        QVERIFY(trace && mp4);
        QCOMPARE(trace->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_E));
        QCOMPARE(menu->actions().size(), 7);  // six formats and a separator
        for (QAction* a : menu->actions()) QVERIFY2(a->isSeparator() || !a->isEnabled(), qPrintable(a->text()));
        // Nothing to export: refused with a message, nothing written.
        const QString early = dir_.filePath(QStringLiteral("early.json"));
        const ExportResult refused = exportTo(ExportFormat::ChromeTrace, early);
        QVERIFY(!refused.ok);
        QVERIFY2(refused.message.contains(QStringLiteral("run a decode first")), qPrintable(refused.message));
        QVERIFY(!QFile::exists(early));

        runDemo(*w_);
        QCOMPARE(w_->frameCount(), 5);
        for (QAction* a : menu->actions()) QVERIFY2(a->isSeparator() || a->isEnabled(), qPrintable(a->text()));
        QCOMPARE(w_->exporter()->stem(), QStringLiteral("tilescope_demo_blend_t32_o8_fp32"));
        // The run history keeps the run's --opt switches.
        QCOMPARE(w_->history()->record(0).graphOptions, QString::fromStdString(ts::toString(w_->settings().graph)));
    }

    void traceCsvSummaryAndReport() {
        const QString stem = w_->exporter()->stem();
        const QString tracePath = dir_.filePath(defaultExportName(ExportFormat::ChromeTrace, stem));
        const ExportResult t = exportTo(ExportFormat::ChromeTrace, tracePath);
        QVERIFY2(t.ok, qPrintable(t.message));
        QVERIFY(t.message.contains(tracePath));
        const nlohmann::json trace = readJson(tracePath);
        QVERIFY(trace.is_object() && trace.contains("traceEvents"));
        int spans = 0, tiles = 0;
        for (const auto& e : trace["traceEvents"]) {
            if (e.value("ph", "") != "X") continue;
            ++spans;
            if (e.value("cat", "") == "tile") ++tiles;
        }
        QVERIFY2(spans >= 5, qPrintable(QString::number(spans)));
        QVERIFY2(tiles >= 4, qPrintable(QString::number(tiles)));  // 64 px frames in 32 px blend tiles
        const nlohmann::json run = trace["metadata"]["run"];
        QCOMPARE(QString::fromStdString(run.value("tiling", "")), QStringLiteral("blend"));
        QCOMPARE(run["settings"].value("tile", 0), 32);
        QCOMPARE(QString::fromStdString(run["settings"].value("opt", "")),
                 QString::fromStdString(ts::toString(w_->settings().graph)));

        const QString csvPath = dir_.filePath(defaultExportName(ExportFormat::SpanCsv, stem));
        const ExportResult c = exportTo(ExportFormat::SpanCsv, csvPath);
        QVERIFY2(c.ok, qPrintable(c.message));
        QFile csv(csvPath);
        QVERIFY(csv.open(QIODevice::ReadOnly));
        const QStringList lines = QString::fromUtf8(csv.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.value(0), QStringLiteral("name,category,pid,tid,start_us,dur_us,args"));
        QCOMPARE(lines.size() - 1, spans);  // one row per span of the same trace

        const QString summaryPath = dir_.filePath(defaultExportName(ExportFormat::Summary, stem));
        const ExportResult s = exportTo(ExportFormat::Summary, summaryPath);
        QVERIFY2(s.ok, qPrintable(s.message));
        QVERIFY(summaryPath.endsWith(QStringLiteral("_summary.json")));
        const nlohmann::json summary = readJson(summaryPath);
        QVERIFY(summary.is_object());
        QVERIFY(summary.value("total_s", 0.0) > 0);
        QVERIFY(summary["categories"].contains("tile"));
        QCOMPARE(summary["categories"]["tile"].value("count", 0), tiles);
        QCOMPARE(QString::fromStdString(summary["run"].value("tool", "")), QStringLiteral("tilescope"));

        const QString reportPath = dir_.filePath(defaultExportName(ExportFormat::HtmlReport, stem));
        const ExportResult r = exportTo(ExportFormat::HtmlReport, reportPath);
        QVERIFY2(r.ok, qPrintable(r.message));
        QFile html(reportPath);
        QVERIFY(html.open(QIODevice::ReadOnly));
        const QByteArray page = html.readAll();
        QVERIFY(page.contains("<html"));
        QVERIFY(page.count("data:image/png;base64") >= 4);  // the first, two between, the last frame
        QVERIFY(leftovers(dir_.path()).isEmpty());
    }

    void framesAsPngFolderEqualThePreview() {
        const QString folder = dir_.filePath(defaultExportName(ExportFormat::PngFrames, w_->exporter()->stem()));
        const ExportResult r = exportTo(ExportFormat::PngFrames, folder);
        QVERIFY2(r.ok, qPrintable(r.message));
        const QStringList files = QDir(folder).entryList({QStringLiteral("frame_*.png")}, QDir::Files, QDir::Name);
        QCOMPARE(files.size(), w_->frameCount());
        for (int i = 0; i < files.size(); ++i) {
            const QImage png(QDir(folder).filePath(files[i]));
            QCOMPARE(png.size(), QSize(64, 64));
            // Byte for byte what the preview shows: the [-1,1] round trip is exact.
            QCOMPARE(png.convertToFormat(QImage::Format_RGB888), w_->frame(i).convertToFormat(QImage::Format_RGB888));
        }
        QVERIFY(leftovers(dir_.path()).isEmpty());
    }

    void videoAsMp4ReadsBack() {
        if (!ts::videoFilesSupported()) QSKIP("built without FFmpeg: no MP4 export");
        const QString path = dir_.filePath(defaultExportName(ExportFormat::Mp4, w_->exporter()->stem()));
        const ExportResult r = exportTo(ExportFormat::Mp4, path);
        QVERIFY2(r.ok, qPrintable(r.message));
        const at::Tensor video = ts::readVideo(path.toStdString());
        QCOMPARE(video.dim(), 4);
        QCOMPARE(video.size(0), 3);
        QCOMPARE(static_cast<int>(video.size(1)), w_->frameCount());
        QCOMPARE(video.size(2), 64);
        QCOMPARE(video.size(3), 64);
        // H.264 at crf 18 over yuv420p: close to the preview, not equal (the demo's
        // random-weight model decodes to coloured noise, which 4:2:0 chroma blurs: 25-30 dB
        // measured). Each video frame must also match its own preview frame far better
        // than the others (10-14 dB measured), so order and count are right, not just the look.
        auto psnr = [](const at::Tensor& a, const at::Tensor& b) {
            const double mse = (a - b).pow(2).mean().item<double>();
            return 10.0 * std::log10(4.0 / mse);
        };
        const int n = w_->frameCount();
        for (int i = 0; i < n; ++i) {
            const at::Tensor got = video.narrow(1, i, 1);
            const double own = psnr(got, imageToFrame(w_->frame(i)));
            double other = 0;
            for (int j = 0; j < n; ++j)
                if (j != i) other = std::max(other, psnr(got, imageToFrame(w_->frame(j))));
            qInfo("MP4 frame %d vs preview: %.1f dB (best other frame %.1f dB)", i, own, other);
            QVERIFY2(own > 22.0, qPrintable(QString::number(own)));
            QVERIFY2(own > other + 6.0, qPrintable(QStringLiteral("%1 vs %2").arg(own).arg(other)));
        }
        QVERIFY(leftovers(dir_.path()).isEmpty());
    }

    void unwritablePathsFailAndLeaveNothing() {
        // A folder that does not exist.
        const QString missing = dir_.filePath(QStringLiteral("no/such/folder/trace.json"));
        const ExportResult t = exportTo(ExportFormat::ChromeTrace, missing);
        QVERIFY(!t.ok);
        QVERIFY2(t.message.contains(missing) && t.message.contains(QStringLiteral("cannot write")), qPrintable(t.message));
        QVERIFY(!QFile::exists(missing));
        QVERIFY(w_->statusText().contains(missing));
        // The window says so in a message box naming the path.
        bool named = false;
        for (QMessageBox* box : w_->findChildren<QMessageBox*>(QStringLiteral("exportErrorBox")))
            named = named || (box->isVisible() && box->informativeText().contains(missing));
        QVERIFY(named);

        // A "folder" that is a file (root can write anywhere, so not a permission test).
        QTemporaryDir scratch;
        QFile blocker(scratch.filePath(QStringLiteral("not-a-folder")));
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        for (ExportFormat f : {ExportFormat::PngFrames, ExportFormat::Mp4, ExportFormat::HtmlReport}) {
            const QString path = blocker.fileName() + QStringLiteral("/out") + (f == ExportFormat::Mp4 ? ".mp4" : "");
            const ExportResult r = exportTo(f, path);
            QVERIFY2(!r.ok, qPrintable(path));
            QVERIFY2(r.message.contains(path), qPrintable(r.message));
        }
        QCOMPARE(QDir(scratch.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden),
                 QStringList{QStringLiteral("not-a-folder")});
        // A video path that is no video container is refused before anything is written.
        const QString noVideo = scratch.filePath(QStringLiteral("clip.avi"));
        const ExportResult v = exportTo(ExportFormat::Mp4, noVideo);
        QVERIFY(!v.ok);
        QVERIFY2(v.message.contains(QStringLiteral(".mp4")), qPrintable(v.message));
        QVERIFY(!QFile::exists(noVideo));
        for (QWidget* top : QApplication::topLevelWidgets())
            if (auto* b = qobject_cast<QMessageBox*>(top)) b->close();
    }

    void aNewRunReleasesTheLastOne() {
        // Bounded memory over many runs: the exporter holds the last run only, and drops
        // it as soon as the next starts.
        const std::weak_ptr<const ts::TraceStore> old = w_->exporter()->run().trace;
        QVERIFY(!old.expired());
        QSignalSpy finished(w_.get(), &MainWindow::runFinished);
        QVERIFY(w_->startRun());
        QVERIFY(!w_->exporter()->hasRun());
        QVERIFY(!w_->exporter()->action(ExportFormat::ChromeTrace)->isEnabled());
        QVERIFY(old.expired());  // neither the timeline nor the exporter keeps it
        QVERIFY(finished.wait(120000));
        QVERIFY(w_->exporter()->hasRun());
        QCOMPARE(w_->exporter()->run().frames.size(), w_->frameCount());
        QVERIFY(w_->exporter()->action(ExportFormat::ChromeTrace)->isEnabled());
    }

    void twentyRunsWithExportsKeepMemoryBounded() {
        // The bar: memory stays bounded over 20 runs, each exported. A run here holds
        // a few MiB (5 frames of 64x64, a few thousand trace events including ATen ops and
        // allocations); what must not happen is that every run's trace and frames stay.
        // Measured as the bytes malloc has handed out and not had back (heapInUseBytes): RSS
        // swings by up to ~100 MiB from run to run here (the allocator's kept free memory,
        // per-thread arenas, the kernel's reclaim), which hid a leak of that size and failed
        // the test on a busy machine without one. The run archive keeps the last 4 runs for
        // Compare, so the early window starts once it is full; the highest of five early
        // runs is compared with the median of the last five, seven runs apart.
        if (const std::string why = ts::test::heapStatisticsProblem(); !why.empty()) QSKIP(why.c_str());
        QTemporaryDir out;
        QSignalSpy finished(w_.get(), &MainWindow::runFinished);
        std::vector<std::int64_t> earlyHeap, lateHeap;
        for (int run = 1; run <= 20; ++run) {
            QVERIFY(w_->startRun());
            QVERIFY(finished.wait(120000));
            QVERIFY(exportTo(ExportFormat::ChromeTrace, out.filePath(QStringLiteral("t%1.json").arg(run))).ok);
            QVERIFY(exportTo(ExportFormat::PngFrames, out.filePath(QStringLiteral("f%1").arg(run))).ok);
            const std::int64_t heap = ts::heapInUseBytes();
            if (run >= 5 && run <= 9) earlyHeap.push_back(heap);
            if (run >= 16) lateHeap.push_back(heap);
        }
        auto median = [](std::vector<std::int64_t> v) {
            std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
            return v[v.size() / 2];
        };
        const std::int64_t early = *std::max_element(earlyHeap.begin(), earlyHeap.end()), late = median(lateHeap);
        qInfo("heap in use: highest of runs 5-9 %.1f MiB (median %.1f), median of runs 16-20 %.1f MiB; RSS now %.1f MiB",
              early / 1048576.0, median(earlyHeap) / 1048576.0, late / 1048576.0, ts::currentRssBytes() / 1048576.0);
        QVERIFY2(late - early < (std::int64_t(2) << 20),
                 qPrintable(QString::number((late - early) / 1048576.0, 'f', 1) + " MiB more"));
        QCOMPARE(QDir(out.path()).entryList({QStringLiteral("f*")}, QDir::Dirs).size(), 20);
        QCOMPARE(QDir(out.path()).entryList({QStringLiteral("*.tmp-*")}, QDir::AllEntries).size(), 0);
    }

    void cleanupTestCase() { w_.reset(); }
};

QTEST_MAIN(TestExport)
#include "test_export.moc"
