#include "preview_panel.h"

#include "run_text.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QVBoxLayout>

#include <cmath>
#include <limits>

namespace tsui {

PreviewPanel::PreviewPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    view_ = new FrameView(this);
    view_->setObjectName(QStringLiteral("frameView"));
    view_->setPlaceholderText(tr("No frames yet.\nPress Run (Ctrl+R) to decode."));
    layout->addWidget(view_, 1);

    auto* bar = new QHBoxLayout;
    playButton_ = new QPushButton(tr("Play"), this);
    playButton_->setObjectName(QStringLiteral("playButton"));
    playButton_->setCheckable(true);
    playButton_->setShortcut(QKeySequence(Qt::Key_Space));
    playButton_->setToolTip(tr("Play the decoded frames at %1 fps, Wan2.1's frame rate (Space)").arg(fps_));
    playButton_->setEnabled(false);
    slider_ = new QSlider(Qt::Horizontal, this);
    slider_->setObjectName(QStringLiteral("frameSlider"));
    slider_->setRange(0, 0);
    slider_->setEnabled(false);
    slider_->setToolTip(tr("Choose the decoded frame to show"));
    label_ = new QLabel(tr("Frame – / –"), this);
    label_->setObjectName(QStringLiteral("frameLabel"));
    label_->setMinimumWidth(label_->fontMetrics().horizontalAdvance(QStringLiteral("Frame 0000 / 0000")));
    zoomCombo_ = new QComboBox(this);
    zoomCombo_->setObjectName(QStringLiteral("zoomCombo"));
    zoomCombo_->addItem(tr("Fit"), 0.0);
    for (int z : {1, 2, 4, 8}) zoomCombo_->addItem(QStringLiteral("%1×").arg(z), static_cast<double>(z));
    zoomCombo_->setToolTip(tr("Zoom: fit the panel, or whole screen pixels per frame pixel (also: mouse wheel)"));
    gridCheck_ = new QCheckBox(tr("Tile grid"), this);
    gridCheck_->setObjectName(QStringLiteral("gridCheck"));
    gridCheck_->setChecked(true);
    gridCheck_->setToolTip(tr("Show the planned tiles (numbered), the context halo each exact tile reads "
                              "(dotted) and where blend tiles overlap (darker)"));
    bar->addWidget(playButton_);
    bar->addWidget(slider_, 1);
    bar->addWidget(label_);
    bar->addWidget(zoomCombo_);
    bar->addWidget(gridCheck_);
    layout->addLayout(bar);
    layout->addWidget(buildModeBar());

    playTimer_.setInterval(1000 / fps_);
    connect(&playTimer_, &QTimer::timeout, this, [this] {
        if (frames_.isEmpty()) return;
        slider_->setValue((slider_->value() + 1) % frames_.size());
    });
    connect(playButton_, &QPushButton::toggled, this, [this](bool on) { on ? play() : pause(); });
    connect(slider_, &QSlider::valueChanged, this, &PreviewPanel::showFrame);
    connect(zoomCombo_, &QComboBox::activated, this, [this](int i) { view_->setZoom(zoomCombo_->itemData(i).toDouble()); });
    connect(view_, &FrameView::zoomChanged, this, [this](double z) {
        const int i = zoomCombo_->findData(z);
        zoomCombo_->setCurrentIndex(i);
        if (i < 0) zoomCombo_->setEditText(QStringLiteral("%1×").arg(z, 0, 'f', 2));
    });
    connect(gridCheck_, &QCheckBox::toggled, this, [this] { refresh(); });
}

QWidget* PreviewPanel::buildModeBar() {
    auto* box = new QWidget(this);
    auto* rows = new QVBoxLayout(box);
    rows->setContentsMargins(0, 0, 0, 0);
    auto* bar = new QHBoxLayout;
    rows->addLayout(bar);
    modeCombo_ = new QComboBox(box);
    modeCombo_->setObjectName(QStringLiteral("viewModeCombo"));
    modeCombo_->addItem(tr("Frame"), static_cast<int>(ViewMode::Frame));
    modeCombo_->addItem(tr("Heatmap"), static_cast<int>(ViewMode::Heatmap));
    modeCombo_->addItem(tr("Heatmap over frame"), static_cast<int>(ViewMode::HeatmapOverFrame));
    modeCombo_->addItem(tr("A | current"), static_cast<int>(ViewMode::SideBySide));
    modeCombo_->addItem(tr("Wipe A / current"), static_cast<int>(ViewMode::Wipe));
    modeCombo_->setToolTip(tr("Heatmap: |tiled − untiled| of a Seam check run, amplified by the gain "
                              "(black = no difference). A | current and Wipe compare the run pinned with "
                              "\"Pin as A\" with the current one; drag the wipe's divider"));
    gainCombo_ = new QComboBox(box);
    gainCombo_->setObjectName(QStringLiteral("gainCombo"));
    gainCombo_->addItem(tr("Auto"), 0.0);
    for (int g : {10, 100, 1000, 10000}) gainCombo_->addItem(QStringLiteral("×%1").arg(g), static_cast<double>(g));
    // Auto by default: at ×100 the demo's blend tiles at overlap 8 (max |Δ| 0.29) turned
    // nearly every pixel white, hiding where the seams are.
    gainCombo_->setCurrentIndex(0);
    gainCombo_->setToolTip(tr("Heatmap gain: |difference| (on the [-1,1] scale) times the gain is the colour, "
                              "black → red → yellow → white at 1. Auto maps the run's largest difference to white "
                              "(at most ×10000, so rounding noise stays dark); a fixed gain keeps runs comparable"));
    seamCheck_ = new QCheckBox(tr("Seam check"), box);
    seamCheck_->setObjectName(QStringLiteral("seamCheck"));
    seamCheck_->setToolTip(tr("After the run, decode the same latents again untiled (same device, precision and "
                              "options) and show where the tiled frames differ (view: Heatmap) with the seam PSNR. "
                              "Costs a second, untiled decode (time, and the memory tiling saved) and keeps the "
                              "run's frames in memory meanwhile; Cancel stops it"));
    pinButton_ = new QPushButton(tr("Pin as A"), box);
    pinButton_->setObjectName(QStringLiteral("pinButton"));
    pinButton_->setEnabled(false);
    pinButton_->setToolTip(tr("Keep this run's frames as A to compare later runs with (one run is kept; "
                              "pinning again replaces it)"));
    statsLabel_ = new QLabel(box);
    statsLabel_->setObjectName(QStringLiteral("previewStats"));
    statsLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    statsLabel_->setWordWrap(true);  // a row of its own: the statistics are long
    bar->addWidget(new QLabel(tr("View:"), box));
    bar->addWidget(modeCombo_);
    bar->addWidget(gainCombo_);
    bar->addWidget(seamCheck_);
    bar->addWidget(pinButton_);
    bar->addStretch(1);
    rows->addWidget(statsLabel_);
    connect(modeCombo_, &QComboBox::currentIndexChanged, this, [this] { refresh(); });
    connect(gainCombo_, &QComboBox::currentIndexChanged, this, [this] { refresh(); });
    connect(pinButton_, &QPushButton::clicked, this, &PreviewPanel::pinCurrentRun);
    return box;
}

bool PreviewPanel::seamCheckEnabled() const {
    return seamCheck_->isChecked();
}

void PreviewPanel::setSeamCheckEnabled(bool on) {
    seamCheck_->setChecked(on);
}

void PreviewPanel::addSeams(const SeamBatch& batch) {
    if (batch.selfReference) {
        seamSelf_ = true;
        refresh();
        return;
    }
    if (!batch.error.isEmpty()) {
        seamError_ = batch.error;
        refresh();
        return;
    }
    if (batch.cancelled) {
        seamCancelled_ = true;
        refresh();
        return;
    }
    const int end = batch.first + batch.frames.size();
    if (batch.first < 0) return;
    if (end > seams_.size()) seams_.resize(end);
    for (int i = 0; i < batch.frames.size(); ++i) seams_[batch.first + i] = batch.frames[i];
    refresh();
}

DiffMap PreviewPanel::seam(int index) const {
    if (seamSelf_ && !frame(index).isNull()) {  // a zero map the size of the frame, made on demand
        DiffMap zero;
        zero.width = frame(index).width();
        zero.height = frame(index).height();
        zero.absDiff = QVector<float>(zero.width * zero.height, 0.0f);
        return zero;
    }
    return index >= 0 && index < seams_.size() ? seams_[index] : DiffMap();
}

double PreviewPanel::seamPsnrDb() const {
    if (seamSelf_) return psnrFromMse(0);
    // Frames are the same size: the video's MSE is the mean of the frames' MSEs.
    double sum = 0;
    int n = 0;
    for (const DiffMap& d : seams_)
        if (!d.isNull()) sum += d.mse, ++n;
    return n > 0 ? psnrFromMse(sum / n) : std::numeric_limits<double>::quiet_NaN();
}

double PreviewPanel::seamMaxAbs() const {
    if (seamSelf_) return 0;
    double worst = -1;
    for (const DiffMap& d : seams_)
        if (!d.isNull()) worst = std::max(worst, d.maxAbs);
    return worst >= 0 ? worst : std::numeric_limits<double>::quiet_NaN();
}

void PreviewPanel::setHeatmapGain(double gain) {
    const int i = gainCombo_->findData(gain);
    if (i >= 0) gainCombo_->setCurrentIndex(i);
}

double PreviewPanel::heatmapGain() const {
    return gainCombo_->currentData().toDouble();
}

void PreviewPanel::pinCurrentRun() {
    if (frames_.isEmpty()) return;
    const QImage first = frames_.first();
    pinned_.pin(frames_, tr("run %1, %2 frames %3×%4").arg(runNumber_).arg(frames_.size()).arg(first.width()).arg(first.height()));
    pinButton_->setToolTip(tr("A: %1 (%2 MB). Pin again to replace it")
                               .arg(pinned_.label())
                               .arg(pinned_.bytes() / 1e6, 0, 'f', 1));
    refresh();
}

void PreviewPanel::setViewMode(ViewMode mode) {
    modeCombo_->setCurrentIndex(modeCombo_->findData(static_cast<int>(mode)));
}

PreviewPanel::ViewMode PreviewPanel::viewMode() const {
    return static_cast<ViewMode>(modeCombo_->currentData().toInt());
}

QImage PreviewPanel::heatmapFor(int index) const {
    const DiffMap d = seam(index);
    if (d.isNull()) return {};
    const double gain = heatmapGain() > 0 ? heatmapGain() : autoGain(seamMaxAbs());
    const QImage heat = heatmapImage(d, gain);
    return viewMode() == ViewMode::HeatmapOverFrame ? heatmapOverFrame(frame(index), heat) : heat;
}

QString PreviewPanel::statsText() const {
    const int index = currentIndex();
    const ViewMode mode = viewMode();
    if (mode == ViewMode::SideBySide || mode == ViewMode::Wipe) {
        if (pinned_.isEmpty()) return compareText(QImage(), QImage());
        return tr("A = %1. ").arg(pinned_.label()) + compareText(pinned_.frame(index), frame(index));
    }
    if (!seamError_.isEmpty()) return tr("Seam check failed: %1").arg(seamError_);
    if (seamSelf_)
        return tr("Seams: tiling is off, so this run is its own untiled reference (identical, max |Δ| 0); "
                  "no second decode was run");
    if (seams_.isEmpty() && seamCancelled_) return tr("Seam check cancelled before its first frame");
    if (seams_.isEmpty())
        return mode == ViewMode::Frame ? QString()
                                       : tr("No seam map: tick Seam check and run (the heatmap follows the run)");
    const DiffMap d = seam(index);
    // A cancelled check's figures cover the frames compared before the Cancel, and say so.
    QString text = seamCancelled_ ? tr("Seam check cancelled after %1; over those, seams vs untiled: ")
                                        .arg(framesText(static_cast<int>(seams_.size())))
                                  : tr("Seams vs untiled: ");
    if (!d.isNull())
        text += tr("frame %1 %2, max |Δ| %3; ").arg(index + 1).arg(psnrText(psnrFromMse(d.mse))).arg(d.maxAbs, 0, 'g', 3);
    text += tr("run %1, max |Δ| %2").arg(psnrText(seamPsnrDb())).arg(seamMaxAbs(), 0, 'g', 3);
    if (mode != ViewMode::Frame) {
        const double gain = heatmapGain() > 0 ? heatmapGain() : autoGain(seamMaxAbs());
        text += tr(" · gain ×%1").arg(gain, 0, 'g', 3);
    }
    return text;
}

void PreviewPanel::refresh() {
    const int index = currentIndex();
    const ViewMode mode = viewMode();
    QImage shown = frame(index);
    QImage left;
    if ((mode == ViewMode::Heatmap || mode == ViewMode::HeatmapOverFrame) && !seam(index).isNull())
        shown = heatmapFor(index);
    else if (mode == ViewMode::SideBySide && !pinned_.isEmpty())
        shown = sideBySide(pinned_.frame(index), shown);
    else if (mode == ViewMode::Wipe && !pinned_.isEmpty() && !shown.isNull())
        left = pinned_.frame(index).scaled(shown.size());
    // The grid is in frame pixels: it does not fit a side-by-side canvas.
    view_->setOverlayVisible(gridCheck_->isChecked() && shown.size() == frame(index).size());
    view_->setOverlayFills(mode != ViewMode::Heatmap && mode != ViewMode::HeatmapOverFrame);
    view_->setCompareImage(left);
    if (index >= 0) view_->setImage(shown);
    pinButton_->setEnabled(!frames_.isEmpty());
    gainCombo_->setEnabled(mode == ViewMode::Heatmap || mode == ViewMode::HeatmapOverFrame);
    statsLabel_->setText(statsText());
}

void PreviewPanel::clearFrames() {
    pause();
    frames_.clear();
    seams_.clear();
    seamError_.clear();
    seamSelf_ = false;
    seamCancelled_ = false;
    ++runNumber_;  // clearing starts the next run
    expected_ = 0;
    view_->setImage(QImage());
    slider_->setRange(0, 0);
    slider_->setEnabled(false);
    playButton_->setEnabled(false);
    label_->setText(tr("Frame – / –"));
    refresh();
}

void PreviewPanel::setExpectedFrames(int n) {
    expected_ = n;
}

void PreviewPanel::setTiles(const QVector<TileOverlay>& tiles, const QSize& frameSize) {
    view_->setCanvasSize(frameSize);
    view_->setOverlay(tiles);
}

QImage PreviewPanel::frame(int index) const {
    return index >= 0 && index < frames_.size() ? frames_[index] : QImage();
}

int PreviewPanel::currentIndex() const {
    return frames_.isEmpty() ? -1 : slider_->value();
}

void PreviewPanel::addFrames(const FrameBatch& batch) {
    // Follow the newest frame unless the user looks at an older one.
    const bool follow = frames_.isEmpty() || slider_->value() == frames_.size() - 1;
    const int end = batch.first + batch.images.size();
    if (end > frames_.size()) frames_.resize(end);
    for (int i = 0; i < batch.images.size(); ++i) frames_[batch.first + i] = batch.images[i];
    slider_->setEnabled(true);
    playButton_->setEnabled(true);
    slider_->setRange(0, frames_.size() - 1);
    if (follow && !isPlaying()) {
        if (slider_->value() != frames_.size() - 1)
            slider_->setValue(frames_.size() - 1);  // showFrame via valueChanged
        else
            showFrame(frames_.size() - 1);
    } else {
        showFrame(slider_->value());  // refresh "n / total"
    }
}

void PreviewPanel::showFrame(int index) {
    if (index < 0 || index >= frames_.size()) return;
    if (slider_->value() != index) {
        slider_->setValue(index);  // comes back here through valueChanged
        return;
    }
    refresh();
    const int total = std::max<int>(expected_, frames_.size());
    label_->setText(tr("Frame %1 / %2").arg(index + 1).arg(total));
}

void PreviewPanel::play() {
    if (frames_.isEmpty()) return;
    playTimer_.start();
    if (!playButton_->isChecked()) playButton_->setChecked(true);
    playButton_->setText(tr("Pause"));
}

void PreviewPanel::pause() {
    playTimer_.stop();
    if (playButton_->isChecked()) playButton_->setChecked(false);
    playButton_->setText(tr("Play"));
}

}  // namespace tsui
