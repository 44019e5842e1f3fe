#include "window_menus.h"

#include "input_box.h"
#include "main_window.h"
#include "settings_panel.h"

#include "core/blas_library.h"

#include <torch/version.h>

#include <QAction>
#include <QApplication>
#include <QFileDialog>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>

#include <exception>

namespace tsui {

WindowMenus::WindowMenus(MainWindow* window) : QObject(window), window_(window) {
    QMenuBar* bar = window->menuBar();
    QMenu* file = bar->findChild<QMenu*>(QStringLiteral("fileMenu"));
    if (!file) {
        file = bar->addMenu(tr("&File"));
        file->setObjectName(QStringLiteral("fileMenu"));
    }
    QAction* first = file->actions().value(0);  // Export, which the openers go above

    openCheckpoint_ = new QAction(tr("Open &Checkpoint…"), file);
    openCheckpoint_->setObjectName(QStringLiteral("openCheckpoint"));
    openCheckpoint_->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    connect(openCheckpoint_, &QAction::triggered, this, [this] { window_->settingsPanel()->inputs()->browseVae(); });
    openLatents_ = new QAction(tr("Open &Latents…"), file);
    openLatents_->setObjectName(QStringLiteral("openLatents"));
    openLatents_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    connect(openLatents_, &QAction::triggered, this, [this] { window_->settingsPanel()->inputs()->browseLatents(); });
    openTrace_ = new QAction(tr("Open &Trace…"), file);
    openTrace_->setObjectName(QStringLiteral("openTrace"));
    openTrace_->setShortcut(QKeySequence::Open);
    openTrace_->setToolTip(tr("Show a Chrome trace written by tilescope-cli --trace (.json or .json.gz)"));
    connect(openTrace_, &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getOpenFileName(window_, tr("Open Trace"), QString(),
                                                          tr("Chrome traces (*.json *.json.gz *.gz);;All files (*)"));
        if (!path.isEmpty()) window_->openTrace(path);
    });
    // The demos --demo-model opens, for a GUI user who did not start from a shell.
    demos_ = new QMenu(tr("Open &Demo"), file);
    demos_->setObjectName(QStringLiteral("demoMenu"));
    struct Demo {
        ts::DemoKind kind;
        const char* objectName;
        QString text;
    };
    const Demo demos[] = {
        {ts::DemoKind::Trained, "demoTrained", tr("Small trained model: 33 frames of 256×256 (recognisable video)")},
        {ts::DemoKind::FullSizeRandom, "demoFullSize", tr("Full-size Wan2.1, random weights: 9 frames of 128×128 at its real cost per pixel")},
        {ts::DemoKind::TinyRandom, "demoTiny", tr("Tiny model, random weights: 17 frames of 128×96, every code path in a second")},
    };
    for (const Demo& d : demos) {
        QAction* a = demos_->addAction(d.text);
        a->setObjectName(QLatin1String(d.objectName));
        connect(a, &QAction::triggered, this, [this, kind = d.kind] {
            try {
                window_->openDemo(ts::loadDemo(kind));
            } catch (const std::exception& e) {
                QMessageBox::warning(window_, tr("Open Demo"), QString::fromUtf8(e.what()));
            }
        });
    }
    file->insertActions(first, {openCheckpoint_, openLatents_, openTrace_, demos_->menuAction()});
    file->insertSeparator(first);
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), window_, &QWidget::close);
    quit->setObjectName(QStringLiteral("quit"));
    quit->setShortcut(QKeySequence::Quit);

    QMenu* help = bar->addMenu(tr("&Help"));
    help->setObjectName(QStringLiteral("helpMenu"));
    QAction* keys = help->addAction(tr("&Keyboard Shortcuts"), this, [this] {
        QMessageBox::information(window_, tr("Keyboard shortcuts"), shortcutsHtml());
    });
    keys->setObjectName(QStringLiteral("shortcuts"));
    keys->setShortcut(QKeySequence::HelpContents);
    help->addAction(tr("&About TileScope"), this, [this] { QMessageBox::about(window_, tr("About TileScope"), aboutHtml()); })
        ->setObjectName(QStringLiteral("about"));

    connect(window_, &MainWindow::runStarted, this, [this] { setRunning(true); });
    connect(window_, &MainWindow::runFinished, this, [this] { setRunning(false); });
}

void WindowMenus::setRunning(bool running) {
    openCheckpoint_->setEnabled(!running);
    openLatents_->setEnabled(!running);
    // A trace replaces the main views, which the run is filling: its file dialog used to
    // open anyway, and the file chosen was then dropped with only a passing status line.
    openTrace_->setEnabled(!running);
    demos_->setEnabled(!running);
}

QString WindowMenus::shortcutsHtml() {
    const std::pair<const char*, const char*> rows[] = {
        {"Ctrl+R", "Run: decode with the settings on the left"},
        {"Esc", "Cancel the running decode (at the next layer)"},
        {"Ctrl+Shift+O / Ctrl+L", "Open a checkpoint / latents"},
        {"Ctrl+O", "Open a trace written by tilescope-cli --trace"},
        {"Ctrl+E / Ctrl+Shift+E", "Export the Chrome/Perfetto trace / the HTML report"},
        {"Ctrl+Shift+M", "Export the video as MP4"},
        {"Space", "Play or pause the decoded frames"},
        {"Wheel, drag", "Preview: zoom, pan"},
        {"W / S, wheel", "Timeline: zoom in / out (once it has focus)"},
        {"A / D, drag", "Timeline: pan left / right"},
        {"F", "Timeline: zoom to the selected span or range"},
        {"Click, double-click", "Timeline: select a span; show the whole run"},
        {"Shift+drag", "Timeline: select a time range for Range statistics"},
        {"Double-click", "Memory graph: select what ran at that moment"},
        {"Ctrl+C", "Range statistics, Run history: copy the selected rows as tab-separated text"},
        {"Delete", "Run history: delete the selected runs"},
        {"Ctrl+Q", "Quit"},
    };
    QString html = QStringLiteral("<table cellspacing=\"4\">");
    for (const auto& [keys, what] : rows)
        html += QStringLiteral("<tr><td><b>%1</b></td><td>%2</td></tr>").arg(QLatin1String(keys), tr(what));
    return html + QStringLiteral("</table>");
}

QString WindowMenus::aboutHtml() {
    return tr("<h3>TileScope %1</h3><p>A profiler and decoding workbench for the Wan2.1 video VAE: tiled decoding "
              "(blend and exact), precision and concurrency as live settings, every op, kernel, copy and "
              "allocation on a timeline.</p><p>LibTorch %2 · Qt %3<br>BLAS: %4</p>")
        .arg(QApplication::applicationVersion(), QStringLiteral(TORCH_VERSION), QLatin1String(qVersion()),
             QString::fromStdString(ts::currentBlasLibrary().describe()).toHtmlEscaped());
}

}  // namespace tsui
