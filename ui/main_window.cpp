#include "main_window.h"

#include "frame_view.h"

#include "core/error.h"

#include <ATen/Context.h>

#include <QCloseEvent>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QKeySequence>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QStatusBar>
#include <QThread>
#include <QVBoxLayout>

#include <exception>

namespace tsui {

namespace {

QString secondsText(double s) {
    if (s < 0) return QStringLiteral("?");
    if (s < 10) return QString::number(s, 'f', 2) + QStringLiteral(" s");
    if (s < 120) return QString::number(s, 'f', 1) + QStringLiteral(" s");
    return QString::number(s / 60.0, 'f', 1) + QStringLiteral(" min");
}

QString shapeText(const at::Tensor& t) {
    QStringList dims;
    for (int64_t d : t.sizes()) dims << QString::number(d);
    return dims.join(QStringLiteral("×"));
}

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    worker_ = new DecodeWorker(this);
    connect(worker_, &DecodeWorker::progress, this, &MainWindow::onProgress, Qt::QueuedConnection);
    connect(worker_, &DecodeWorker::framesReady, this, &MainWindow::onFrames, Qt::QueuedConnection);
    connect(worker_, &DecodeWorker::finished, this, &MainWindow::onFinished, Qt::QueuedConnection);
    buildUi();
    setWindowTitle(QStringLiteral("TileScope"));
    onSettingsChanged();
    if (problem_.isEmpty()) showStatus(tr("Ready"));
}

MainWindow::~MainWindow() {
    // The worker is a child: its destructor cancels and joins. Disconnect first so no
    // slot of a half-destroyed window runs.
    worker_->disconnect(this);
    worker_->cancel();
}

void MainWindow::buildUi() {
    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->setChildrenCollapsible(false);

    // ---------------------------------------------------------------- left: settings
    auto* left = new QWidget(splitter);
    auto* leftLayout = new QVBoxLayout(left);

    auto* inputBox = new QGroupBox(tr("Model and input"), left);
    auto* inputForm = new QFormLayout(inputBox);
    vaeEdit_ = new QLineEdit(inputBox);
    vaeEdit_->setObjectName(QStringLiteral("vaeEdit"));
    vaeEdit_->setPlaceholderText(tr("Wan2.1_VAE.pth, .safetensors or builtin:…"));
    vaeEdit_->setToolTip(tr("The VAE checkpoint: a .pth or .safetensors file (either key naming), "
                            "or builtin:demo / builtin:tiny / builtin:wan2.1."));
    auto* vaeBrowse = new QPushButton(tr("Browse…"), inputBox);
    vaeBrowse->setObjectName(QStringLiteral("vaeBrowseButton"));
    connect(vaeBrowse, &QPushButton::clicked, this, &MainWindow::browseVae);
    auto* vaeRow = new QHBoxLayout;
    vaeRow->addWidget(vaeEdit_, 1);
    vaeRow->addWidget(vaeBrowse);
    inputForm->addRow(tr("Checkpoint"), vaeRow);

    latentsEdit_ = new QLineEdit(inputBox);
    latentsEdit_->setObjectName(QStringLiteral("latentsEdit"));
    latentsEdit_->setPlaceholderText(tr("latents .safetensors, .npy or .pt"));
    latentsEdit_->setToolTip(tr("The latents to decode: [16,T,h,w] (or [1,16,T,h,w]) as saved by a "
                                "Wan2.1 pipeline, normalised."));
    connect(latentsEdit_, &QLineEdit::textEdited, this, [this](const QString&) {
        latents_ = at::Tensor();  // the user names a file now
        latentsLabel_.clear();
        updateInputInfo();
    });
    auto* latentsBrowse = new QPushButton(tr("Browse…"), inputBox);
    connect(latentsBrowse, &QPushButton::clicked, this, &MainWindow::browseLatents);
    auto* latentsRow = new QHBoxLayout;
    latentsRow->addWidget(latentsEdit_, 1);
    latentsRow->addWidget(latentsBrowse);
    inputForm->addRow(tr("Latents"), latentsRow);
    leftLayout->addWidget(inputBox);

    auto* settingsBox = new QGroupBox(tr("Decode settings"), left);
    auto* form = new QFormLayout(settingsBox);

    deviceCombo_ = new QComboBox(settingsBox);
    deviceCombo_->setObjectName(QStringLiteral("deviceCombo"));
    deviceCombo_->addItem(QStringLiteral("cpu"));
    if (at::hasCUDA()) deviceCombo_->addItem(QStringLiteral("cuda"));
    deviceCombo_->setToolTip(tr("Where the decoder runs. cpu works everywhere but is slow for large "
                                "clips; cuda needs a CUDA build of LibTorch and an NVIDIA GPU."));
    form->addRow(tr("Device"), deviceCombo_);

    precisionCombo_ = new QComboBox(settingsBox);
    precisionCombo_->setObjectName(QStringLiteral("precisionCombo"));
    precisionCombo_->addItems({QStringLiteral("fp32"), QStringLiteral("bf16"), QStringLiteral("fp16")});
    precisionCombo_->setToolTip(tr("fp32: reference accuracy, most memory, slowest.\n"
                                   "bf16: half the weight and activation memory, faster on recent "
                                   "hardware, about 3 significant digits.\n"
                                   "fp16: fastest on GPUs; not available for conv3d on the CPU."));
    form->addRow(tr("Precision"), precisionCombo_);

    tilingCombo_ = new QComboBox(settingsBox);
    tilingCombo_->setObjectName(QStringLiteral("tilingCombo"));
    tilingCombo_->addItems({QStringLiteral("off"), QStringLiteral("blend"), QStringLiteral("exact")});
    tilingCombo_->setToolTip(tr("off: decode whole frames at once; exact, but memory grows with the "
                                "frame size.\nblend: overlapping tiles cross-faded at the seams; "
                                "bounded memory, small seam differences.\nexact: tiles with enough "
                                "context to match the untiled result; bounded memory, more compute."));
    form->addRow(tr("Tiling"), tilingCombo_);

    tileSpin_ = new QSpinBox(settingsBox);
    tileSpin_->setObjectName(QStringLiteral("tileSpin"));
    tileSpin_->setRange(8, 4096);
    tileSpin_->setSingleStep(8);
    tileSpin_->setValue(256);
    tileSpin_->setSuffix(QStringLiteral(" px"));
    tileSpin_->setToolTip(tr("Tile edge in output pixels (a multiple of 8). Larger tiles mean fewer "
                             "seams and less overhead, but more memory per tile."));
    form->addRow(tr("Tile"), tileSpin_);

    overlapSpin_ = new QSpinBox(settingsBox);
    overlapSpin_->setObjectName(QStringLiteral("overlapSpin"));
    overlapSpin_->setRange(0, 4088);
    overlapSpin_->setSingleStep(8);
    overlapSpin_->setValue(32);
    overlapSpin_->setSuffix(QStringLiteral(" px"));
    overlapSpin_->setToolTip(tr("Overlap of neighbouring tiles in output pixels (a multiple of 8, "
                                "smaller than the tile). More overlap hides seams better but "
                                "decodes more pixels twice."));
    form->addRow(tr("Overlap"), overlapSpin_);

    streamsSpin_ = new QSpinBox(settingsBox);
    streamsSpin_->setObjectName(QStringLiteral("streamsSpin"));
    streamsSpin_->setRange(1, 64);
    streamsSpin_->setValue(1);
    streamsSpin_->setToolTip(tr("Tiles decoded concurrently. More streams keep a GPU busier but "
                                "multiply the memory in flight. Only with tiling."));
    form->addRow(tr("Streams"), streamsSpin_);

    threadsSpin_ = new QSpinBox(settingsBox);
    threadsSpin_->setObjectName(QStringLiteral("threadsSpin"));
    threadsSpin_->setRange(0, 1024);
    threadsSpin_->setValue(0);
    threadsSpin_->setSpecialValueText(tr("all cores"));
    threadsSpin_->setToolTip(tr("CPU threads for the decode. 0 uses all cores (fastest); fewer "
                                "threads leave cores free for the rest of the system."));
    form->addRow(tr("Threads"), threadsSpin_);
    leftLayout->addWidget(settingsBox);

    problemLabel_ = new QLabel(left);
    problemLabel_->setObjectName(QStringLiteral("problemLabel"));
    problemLabel_->setWordWrap(true);
    problemLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    problemLabel_->hide();
    leftLayout->addWidget(problemLabel_);

    auto* buttons = new QHBoxLayout;
    runButton_ = new QPushButton(tr("Run"), left);
    runButton_->setObjectName(QStringLiteral("runButton"));
    runButton_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    runButton_->setToolTip(tr("Decode the latents with these settings (Ctrl+R)"));
    runButton_->setDefault(true);
    cancelButton_ = new QPushButton(tr("Cancel"), left);
    cancelButton_->setObjectName(QStringLiteral("cancelButton"));
    cancelButton_->setShortcut(QKeySequence(Qt::Key_Escape));
    cancelButton_->setToolTip(tr("Stop the running decode at the next layer (Esc)"));
    cancelButton_->setEnabled(false);
    connect(runButton_, &QPushButton::clicked, this, &MainWindow::startRun);
    connect(cancelButton_, &QPushButton::clicked, this, &MainWindow::cancelRun);
    buttons->addWidget(runButton_);
    buttons->addWidget(cancelButton_);
    leftLayout->addLayout(buttons);

    progressBar_ = new QProgressBar(left);
    progressBar_->setObjectName(QStringLiteral("progressBar"));
    progressBar_->setRange(0, 1);
    progressBar_->setValue(0);
    progressBar_->setFormat(tr("Idle"));
    leftLayout->addWidget(progressBar_);

    resultLabel_ = new QLabel(left);
    resultLabel_->setObjectName(QStringLiteral("resultLabel"));
    resultLabel_->setWordWrap(true);
    resultLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    leftLayout->addWidget(resultLabel_);
    leftLayout->addStretch(1);

    // ---------------------------------------------------------------- right: preview
    auto* right = new QWidget(splitter);
    auto* rightLayout = new QVBoxLayout(right);
    titleLabel_ = new QLabel(right);
    titleLabel_->setObjectName(QStringLiteral("titleLabel"));
    QFont titleFont = titleLabel_->font();
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.2);
    titleLabel_->setFont(titleFont);
    rightLayout->addWidget(titleLabel_);
    inputInfoLabel_ = new QLabel(right);
    inputInfoLabel_->setObjectName(QStringLiteral("inputInfoLabel"));
    inputInfoLabel_->setWordWrap(true);
    rightLayout->addWidget(inputInfoLabel_);

    frameView_ = new FrameView(right);
    frameView_->setObjectName(QStringLiteral("frameView"));
    frameView_->setPlaceholderText(tr("No frames yet.\nPress Run (Ctrl+R) to decode."));
    rightLayout->addWidget(frameView_, 1);

    auto* sliderRow = new QHBoxLayout;
    frameSlider_ = new QSlider(Qt::Horizontal, right);
    frameSlider_->setObjectName(QStringLiteral("frameSlider"));
    frameSlider_->setRange(0, 0);
    frameSlider_->setEnabled(false);
    frameSlider_->setToolTip(tr("Choose the decoded frame to show"));
    connect(frameSlider_, &QSlider::valueChanged, this, &MainWindow::showFrame);
    frameLabel_ = new QLabel(tr("Frame – / –"), right);
    frameLabel_->setObjectName(QStringLiteral("frameLabel"));
    frameLabel_->setMinimumWidth(frameLabel_->fontMetrics().horizontalAdvance(QStringLiteral("Frame 0000 / 0000")));
    sliderRow->addWidget(frameSlider_, 1);
    sliderRow->addWidget(frameLabel_);
    rightLayout->addLayout(sliderRow);

    splitter->addWidget(left);
    splitter->addWidget(right);
    splitter->setStretchFactor(0, 0);
    splitter->setStretchFactor(1, 1);
    left->setMinimumWidth(300);
    left->setMaximumWidth(460);
    setCentralWidget(splitter);
    resize(1180, 720);

    // Every settings change is validated by the engine itself.
    for (QComboBox* c : {deviceCombo_, precisionCombo_, tilingCombo_})
        connect(c, &QComboBox::currentTextChanged, this, &MainWindow::onSettingsChanged);
    for (QSpinBox* s : {tileSpin_, overlapSpin_, streamsSpin_, threadsSpin_})
        connect(s, &QSpinBox::valueChanged, this, &MainWindow::onSettingsChanged);
}

// ------------------------------------------------------------------------ inputs

void MainWindow::setVaeSource(const QString& source) {
    vaeEdit_->setText(source);
    vaeEdit_->setCursorPosition(0);
}

QString MainWindow::vaeSource() const {
    return vaeEdit_->text().trimmed();
}

void MainWindow::setLatents(const at::Tensor& latents, const QString& label) {
    latents_ = latents;
    latentsLabel_ = label;
    latentsEdit_->setText(label);
    latentsEdit_->setCursorPosition(0);
    updateInputInfo();
}

void MainWindow::setLatentsPath(const QString& path) {
    latents_ = at::Tensor();
    latentsLabel_.clear();
    latentsEdit_->setText(path);
    latentsEdit_->setCursorPosition(0);
    updateInputInfo();
}

void MainWindow::setTitle(const QString& title) {
    titleLabel_->setText(title);
    setWindowTitle(title.isEmpty() ? QStringLiteral("TileScope") : title + QStringLiteral(" — TileScope"));
}

void MainWindow::updateInputInfo() {
    if (latents_.defined())
        inputInfoLabel_->setText(tr("Latents %1 (in memory)").arg(shapeText(latents_)));
    else
        inputInfoLabel_->setText(latentsEdit_->text().isEmpty() ? QString() : tr("Latents from file"));
}

void MainWindow::browseVae() {
    const QString file = QFileDialog::getOpenFileName(
        this, tr("Open VAE checkpoint"), QFileInfo(vaeSource()).absolutePath(),
        tr("VAE checkpoints (*.pth *.pt *.safetensors);;All files (*)"));
    if (!file.isEmpty()) setVaeSource(file);
}

void MainWindow::browseLatents() {
    const QString file = QFileDialog::getOpenFileName(
        this, tr("Open latents"), QString(),
        tr("Latents (*.safetensors *.npy *.pt);;All files (*)"));
    if (!file.isEmpty()) setLatentsPath(file);
}

// ------------------------------------------------------------------------ settings

ts::DecodeSettings MainWindow::settings() const {
    ts::DecodeSettings s;
    s.device = deviceCombo_->currentText().toStdString();
    // The combos only hold values the parsers accept; a parse error would surface in
    // settingsProblem() like any other refusal.
    try {
        s.precision = ts::parsePrecision(precisionCombo_->currentText().toStdString());
        s.tiling = ts::parseTilingMode(tilingCombo_->currentText().toStdString());
    } catch (const std::exception&) {
    }
    s.tilePx = tileSpin_->value();
    s.overlapPx = overlapSpin_->value();
    s.streams = streamsSpin_->value();
    s.threads = threadsSpin_->value();
    return s;
}

QString MainWindow::settingsProblem() const {
    try {
        ts::parsePrecision(precisionCombo_->currentText().toStdString());
        ts::parseTilingMode(tilingCombo_->currentText().toStdString());
        settings().validate();
    } catch (const std::exception& e) {
        return QString::fromUtf8(e.what());
    }
    return {};
}

void MainWindow::onSettingsChanged() {
    const bool tiled = tilingCombo_->currentText() != QStringLiteral("off");
    tileSpin_->setEnabled(tiled);
    overlapSpin_->setEnabled(tiled);
    streamsSpin_->setEnabled(tiled);

    problem_ = settingsProblem();
    problemLabel_->setText(problem_);
    problemLabel_->setVisible(!problem_.isEmpty());
    if (!problem_.isEmpty())
        showStatus(problem_);
    else if (!isRunning())
        showStatus(tr("Ready"));
    runButton_->setEnabled(problem_.isEmpty() && !isRunning());
    runButton_->setToolTip(problem_.isEmpty() ? tr("Decode the latents with these settings (Ctrl+R)")
                                              : problem_);
}

// ------------------------------------------------------------------------ running

bool MainWindow::isRunning() const {
    return worker_->isRunning();
}

bool MainWindow::startRun() {
    if (isRunning()) {
        showStatus(tr("A decode is already running"));
        return false;
    }
    problem_ = settingsProblem();
    if (!problem_.isEmpty()) {
        showStatus(problem_);
        return false;
    }
    DecodeRequest request;
    request.vaeSource = vaeSource();
    request.settings = settings();
    if (latents_.defined())
        request.latents = latents_;
    else
        request.latentsPath = latentsEdit_->text().trimmed();
    if (request.vaeSource.isEmpty()) {
        showStatus(tr("Choose a VAE checkpoint first"));
        return false;
    }
    if (!request.latents.defined() && request.latentsPath.isEmpty()) {
        showStatus(tr("Choose a latents file first"));
        return false;
    }

    frames_.clear();
    framesExpected_ = 0;
    frameView_->setImage(QImage());
    frameSlider_->setRange(0, 0);
    frameSlider_->setEnabled(false);
    frameLabel_->setText(tr("Frame – / –"));
    progressBar_->setFormat(tr("Loading…"));
    progressBar_->setRange(0, 0);  // busy until the first progress report
    resultLabel_->clear();

    if (!worker_->start(std::move(request))) {
        showStatus(tr("A decode is already running"));
        return false;
    }
    setRunningUi(true);
    showStatus(tr("Loading %1…").arg(vaeSource()));
    Q_EMIT runStarted();
    return true;
}

void MainWindow::cancelRun() {
    if (!isRunning()) return;
    worker_->cancel();
    cancelButton_->setEnabled(false);
    showStatus(tr("Cancelling…"));
}

void MainWindow::setRunningUi(bool running) {
    runButton_->setEnabled(!running && problem_.isEmpty());
    cancelButton_->setEnabled(running);
    for (QWidget* w : std::initializer_list<QWidget*>{vaeEdit_, latentsEdit_, deviceCombo_,
                                                     precisionCombo_, tilingCombo_, threadsSpin_})
        w->setEnabled(!running);
    const bool tiled = tilingCombo_->currentText() != QStringLiteral("off");
    for (QWidget* w : std::initializer_list<QWidget*>{tileSpin_, overlapSpin_, streamsSpin_})
        w->setEnabled(!running && tiled);
}

void MainWindow::onProgress(const ProgressInfo& info) {
    if (info.framesTotal > 0) {
        progressBar_->setFormat(tr("%v / %m frames"));
        framesExpected_ = info.framesTotal;
        progressBar_->setRange(0, info.framesTotal);
        progressBar_->setValue(info.framesDone);
    }
    QString text = info.stage.isEmpty() ? tr("Decoding") : info.stage;
    text += tr(" — %1 / %2 frames, %3 elapsed")
                .arg(info.framesDone)
                .arg(info.framesTotal)
                .arg(secondsText(info.elapsedSeconds));
    if (info.tilesTotal > 1) text += tr(", tile %1 / %2").arg(info.tilesDone).arg(info.tilesTotal);
    if (info.etaSeconds >= 0) text += tr(", about %1 left").arg(secondsText(info.etaSeconds));
    if (!worker_->cancelRequested()) showStatus(text);
}

void MainWindow::onFrames(const FrameBatch& batch) {
    const bool follow = frames_.isEmpty() || frameSlider_->value() == frames_.size() - 1;
    const int end = batch.first + batch.images.size();
    if (end > frames_.size()) frames_.resize(end);
    for (int i = 0; i < batch.images.size(); ++i) frames_[batch.first + i] = batch.images[i];
    frameSlider_->setEnabled(true);
    frameSlider_->setRange(0, frames_.size() - 1);
    if (follow) {
        if (frameSlider_->value() != frames_.size() - 1)
            frameSlider_->setValue(frames_.size() - 1);  // showFrame via valueChanged
        else
            showFrame(frames_.size() - 1);
    } else {
        showFrame(frameSlider_->value());  // refresh "n / total"
    }
}

void MainWindow::showFrame(int index) {
    if (index < 0 || index >= frames_.size()) return;
    frameView_->setImage(frames_[index]);
    const int total = std::max<int>(framesExpected_, frames_.size());
    frameLabel_->setText(tr("Frame %1 / %2").arg(index + 1).arg(total));
    const QImage& f = frames_[index];
    if (!f.isNull())
        frameView_->setToolTip(tr("Frame %1: %2×%3 px").arg(index + 1).arg(f.width()).arg(f.height()));
}

void MainWindow::onFinished(const RunOutcome& outcome) {
    setRunningUi(false);
    QString text;
    switch (outcome.status) {
    case RunOutcome::Status::Done: {
        const int n = outcome.frames > 0 ? outcome.frames : frames_.size();
        progressBar_->setFormat(tr("%v / %m frames"));
        progressBar_->setRange(0, std::max(1, n));
        progressBar_->setValue(n);
        const double fps = outcome.decodeSeconds > 0 ? n / outcome.decodeSeconds : 0;
        text = tr("Decoded %1 frames in %2 (network %3, %4 frames/s)")
                   .arg(n)
                   .arg(secondsText(outcome.wallSeconds))
                   .arg(secondsText(outcome.decodeSeconds))
                   .arg(fps, 0, 'f', 2);
        if (!frames_.isEmpty() && !frames_.first().isNull())
            text += tr(", %1×%2 px").arg(frames_.first().width()).arg(frames_.first().height());
        break;
    }
    case RunOutcome::Status::Cancelled:
        progressBar_->setFormat(tr("Cancelled"));
        progressBar_->setRange(0, std::max(1, framesExpected_));
        text = tr("Cancelled after %1 (%2 frames decoded)")
                   .arg(secondsText(outcome.wallSeconds))
                   .arg(frames_.size());
        break;
    case RunOutcome::Status::Failed:
        progressBar_->setFormat(tr("Failed"));
        progressBar_->setRange(0, std::max(1, framesExpected_));
        text = tr("Failed: %1").arg(outcome.message);
        break;
    }
    resultLabel_->setText(text);
    showStatus(text);
    Q_EMIT runFinished(outcome);
}

// ------------------------------------------------------------------------ misc

int MainWindow::frameCount() const {
    return frames_.size();
}

QImage MainWindow::frame(int index) const {
    return index >= 0 && index < frames_.size() ? frames_[index] : QImage();
}

QImage MainWindow::currentFrame() const {
    return frameView_->image();
}

QString MainWindow::statusText() const {
    return statusBar()->currentMessage();
}

void MainWindow::showStatus(const QString& text) {
    statusBar()->showMessage(text);
}

void MainWindow::closeEvent(QCloseEvent* event) {
    worker_->cancel();  // the worker's destructor joins the thread
    QMainWindow::closeEvent(event);
}

}  // namespace tsui
