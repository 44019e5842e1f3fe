#include "frame_compare_panel.h"

#include "frame_view.h"
#include "seam_heatmap.h"

#include <QComboBox>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QLabel>
#include <QSlider>
#include <QVBoxLayout>

#include <algorithm>
#include <limits>

namespace tsui {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}

FrameComparePanel::FrameComparePanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* bar = new QHBoxLayout;
    showCombo_ = new QComboBox(this);
    showCombo_->setObjectName(QStringLiteral("compareShowCombo"));
    showCombo_->addItem(tr("|A − B|"), static_cast<int>(Show::Diff));
    showCombo_->addItem(tr("A"), static_cast<int>(Show::A));
    showCombo_->addItem(tr("B"), static_cast<int>(Show::B));
    showCombo_->setToolTip(tr("|A − B|: where the two runs' frames differ, amplified by the gain "
                              "(black = identical); A or B: that run's frame"));
    gainCombo_ = new QComboBox(this);
    gainCombo_->setObjectName(QStringLiteral("compareGainCombo"));
    gainCombo_->addItem(tr("Auto"), 0.0);
    for (int g : {10, 100, 1000, 10000}) gainCombo_->addItem(QStringLiteral("×%1").arg(g), static_cast<double>(g));
    gainCombo_->setToolTip(tr("Heatmap gain: |A − B| (on the [-1,1] scale) times the gain is the colour, black → red "
                              "→ yellow → white at 1. Auto maps the largest difference of the clip to white"));
    bar->addWidget(new QLabel(tr("Frames:"), this));
    bar->addWidget(showCombo_);
    bar->addWidget(gainCombo_);
    bar->addStretch(1);
    layout->addLayout(bar);
    view_ = new FrameView(this);
    view_->setObjectName(QStringLiteral("compareFrameView"));
    view_->setPlaceholderText(tr("No frames to compare"));
    layout->addWidget(view_, 1);
    auto* sliderBar = new QHBoxLayout;
    slider_ = new QSlider(Qt::Horizontal, this);
    slider_->setObjectName(QStringLiteral("compareFrameSlider"));
    slider_->setToolTip(tr("The frame of both runs to compare"));
    frameLabel_ = new QLabel(this);
    sliderBar->addWidget(slider_, 1);
    sliderBar->addWidget(frameLabel_);
    layout->addLayout(sliderBar);
    statsLabel_ = new QLabel(this);
    statsLabel_->setObjectName(QStringLiteral("compareStats"));
    statsLabel_->setWordWrap(true);
    statsLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(statsLabel_);

    connect(slider_, &QSlider::valueChanged, this, &FrameComparePanel::showFrame);
    connect(showCombo_, &QComboBox::currentIndexChanged, this, [this] { refresh(); });
    connect(gainCombo_, &QComboBox::currentIndexChanged, this, [this] { refresh(); });
    clear();
}

void FrameComparePanel::clear() {
    const bool wasSingle = single_;
    if (statsJob_) {  // a previous pair's statistics: not wanted any more
        statsJob_->cancel();
        statsJob_->deleteLater();
        statsJob_ = nullptr;
    }
    framesA_.clear();
    framesB_.clear();
    stats_.clear();
    compared_ = 0;
    single_ = false;
    showCombo_->setEnabled(true);
    if (wasSingle) {  // Reopen showed A only; a pair starts on the diff again
        setShow(Show::Diff);
        view_->setPlaceholderText(tr("No frames to compare"));
    }
    resetSlider();
}

void FrameComparePanel::setSingle(const QVector<QImage>& frames) {
    clear();
    single_ = true;
    setShow(Show::A);
    showCombo_->setEnabled(false);
    view_->setPlaceholderText(tr("No frames kept of this run"));
    framesA_ = frames;
    compared_ = framesA_.size();
    resetSlider();
}

QStringList FrameComparePanel::setPair(const QVector<QImage>& a, const QVector<QImage>& b) {
    clear();
    framesA_ = a;
    framesB_ = b;
    QStringList problems;
    const int n = std::min(framesA_.size(), framesB_.size());
    if (n > 0 && framesA_.first().size() != framesB_.first().size()) {
        problems << tr("The frames differ in size (A %1×%2, B %3×%4): no frame diff")
                        .arg(framesA_.first().width()).arg(framesA_.first().height())
                        .arg(framesB_.first().width()).arg(framesB_.first().height());
    } else {
        compared_ = n;
        if (framesA_.size() != framesB_.size() && n > 0)
            problems << tr("A has %1 frames, B %2: the first %3 are compared").arg(framesA_.size()).arg(framesB_.size()).arg(n);
    }
    resetSlider();
    startStats();
    return problems;
}

void FrameComparePanel::resetSlider() {
    slider_->setRange(0, std::max(0, frameCount() - 1));
    slider_->setEnabled(frameCount() > 0);
    slider_->setValue(0);
    refresh();
}

void FrameComparePanel::startStats() {
    if (compared_ <= 0) return;
    auto* watcher = new QFutureWatcher<QVector<FrameDiffStats>>(this);
    statsJob_ = watcher;
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher] {
        if (statsJob_ != watcher) return;  // superseded (clear() cancelled it)
        const QFuture<QVector<FrameDiffStats>> f = watcher->future();
        if (f.resultCount() > 0) stats_ = f.result();
        statsJob_ = nullptr;
        watcher->deleteLater();
        // A pair that could not be diffed stops the statistics there; compare that many.
        compared_ = std::min(compared_, static_cast<int>(stats_.size()));
        slider_->setRange(0, std::max(0, compared_ - 1));
        slider_->setEnabled(compared_ > 0);
        refresh();
        Q_EMIT statsReady();
    });
    watcher->setFuture(diffClipInBackground(framesA_.mid(0, compared_), framesB_.mid(0, compared_)));
}

int FrameComparePanel::currentFrame() const {
    return frameCount() > 0 ? slider_->value() : -1;
}

double FrameComparePanel::framePsnrDb(int index) const {
    return index >= 0 && index < stats_.size() ? psnrFromMse(stats_[index].mse) : kNaN;
}

double FrameComparePanel::frameMaxAbs(int index) const {
    return index >= 0 && index < stats_.size() ? stats_[index].maxAbs : kNaN;
}

double FrameComparePanel::runPsnrDb() const {
    if (stats_.isEmpty()) return kNaN;
    double sum = 0;  // same-size frames: the clip's MSE is the mean of the frames'
    for (const FrameDiffStats& s : stats_) sum += s.mse;
    return psnrFromMse(sum / stats_.size());
}

double FrameComparePanel::runMaxAbs() const {
    if (stats_.isEmpty()) return kNaN;
    double worst = 0;
    for (const FrameDiffStats& s : stats_) worst = std::max(worst, s.maxAbs);
    return worst;
}

QString FrameComparePanel::statsText() const {
    const int i = currentFrame();
    if (i < 0) return single_ ? tr("No frames kept of this run.") : tr("No frames of both runs to compare.");
    if (single_) return tr("Frame %1 of %2").arg(i + 1).arg(frameCount());
    if (statsPending()) return tr("B vs A, frame %1: computing the differences of the clip's %2 frames…").arg(i + 1).arg(frameCount());
    const double gain = gainCombo_->currentData().toDouble() > 0 ? gainCombo_->currentData().toDouble() : autoGain(runMaxAbs());
    // The runs' kept frames are 8-bit images (one level: 2/255): said, as for Pin as A.
    return tr("B vs A (8-bit frames), frame %1: %2, max |Δ| %3 · clip (%4 frames): %5, max |Δ| %6 · gain ×%7")
        .arg(i + 1)
        .arg(psnrText(framePsnrDb(i)))
        .arg(frameMaxAbs(i), 0, 'g', 3)
        .arg(frameCount())
        .arg(psnrText(runPsnrDb()))
        .arg(runMaxAbs(), 0, 'g', 3)
        .arg(gain, 0, 'g', 3);
}

QImage FrameComparePanel::displayedImage() const {
    return view_->image();
}

void FrameComparePanel::setShow(Show show) {
    showCombo_->setCurrentIndex(showCombo_->findData(static_cast<int>(show)));
}

void FrameComparePanel::setGain(double gain) {
    const int i = gainCombo_->findData(gain);
    if (i >= 0) gainCombo_->setCurrentIndex(i);
}

void FrameComparePanel::showFrame(int index) {
    if (index < 0 || index >= frameCount()) return;
    if (slider_->value() != index) {
        slider_->setValue(index);  // comes back here through valueChanged
        return;
    }
    refresh();
}

void FrameComparePanel::refresh() {
    const int i = currentFrame();
    frameLabel_->setText(i < 0 ? tr("Frame – / –") : tr("Frame %1 / %2").arg(i + 1).arg(frameCount()));
    statsLabel_->setText(statsText());
    gainCombo_->setEnabled(!single_ && static_cast<Show>(showCombo_->currentData().toInt()) == Show::Diff);
    if (i < 0) {
        view_->setImage(QImage());
        return;
    }
    switch (static_cast<Show>(showCombo_->currentData().toInt())) {
    case Show::A: view_->setImage(framesA_[i]); break;
    case Show::B: view_->setImage(single_ ? framesA_[i] : framesB_[i]); break;
    case Show::Diff: {
        // Only the shown frame is diffed here (one frame: milliseconds); until the clip's
        // statistics are in, Auto scales by this frame's largest difference.
        const DiffMap d = diffImages(framesA_[i], framesB_[i]);
        const double g = gainCombo_->currentData().toDouble();
        view_->setImage(heatmapImage(d, g > 0 ? g : autoGain(statsPending() ? d.maxAbs : runMaxAbs())));
        break;
    }
    }
}

}  // namespace tsui
