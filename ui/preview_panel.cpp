#include "preview_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QVBoxLayout>

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
    connect(gridCheck_, &QCheckBox::toggled, view_, &FrameView::setOverlayVisible);
}

void PreviewPanel::clearFrames() {
    pause();
    frames_.clear();
    expected_ = 0;
    view_->setImage(QImage());
    slider_->setRange(0, 0);
    slider_->setEnabled(false);
    playButton_->setEnabled(false);
    label_->setText(tr("Frame – / –"));
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
    view_->setImage(frames_[index]);
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
