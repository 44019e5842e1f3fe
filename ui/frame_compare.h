#pragma once
// Comparing two runs in the preview: one pinned run ("A", its decoded frames kept as
// images) against the frames of the current run, shown side by side or as a wipe (the
// FrameView draws A left of a draggable divider). Only one run is ever pinned, so the
// memory it holds is bounded by one run's frames; pinning again replaces it.
#include "seam_heatmap.h"

#include <QFuture>
#include <QImage>
#include <QString>
#include <QVector>

namespace tsui {

class PinnedRun {
public:
    void pin(const QVector<QImage>& frames, const QString& label);
    void clear();
    bool isEmpty() const { return frames_.isEmpty(); }
    int frameCount() const { return frames_.size(); }
    // Frame `index`, or the last one when A is shorter (so a longer run still compares).
    QImage frame(int index) const;
    const QString& label() const { return label_; }
    qint64 bytes() const;  // what the pinned images hold

private:
    QVector<QImage> frames_;
    QString label_;
};

// a | gap | b on one canvas (the shorter image centred vertically, gap and the rest
// black). A null side leaves its half black; both null -> null image.
QImage sideBySide(const QImage& a, const QImage& b, int gap = 4);

// "A vs current: PSNR 41.20 dB, max |Δ| 0.0314" for two frames, or why they cannot be
// compared.
QString compareText(const QImage& a, const QImage& current);
// "PSNR 41.20 dB" / "identical" for a map's statistics.
QString psnrText(double psnrDb);

// One frame pair's statistics, as diffImages computes them.
struct FrameDiffStats {
    double mse = 0;
    double maxAbs = 0;
};

// diffImages of a[i] and b[i] for every i both have, on the global thread pool (a clip of
// large frames takes seconds; the compare view must not wait for it). Stops at the first
// pair that cannot be diffed (sizes differ), and early when the future is cancelled.
QFuture<QVector<FrameDiffStats>> diffClipInBackground(const QVector<QImage>& a, const QVector<QImage>& b);

}  // namespace tsui
