#include "frame_compare.h"

#include "report/video_quality.h"

#include <QCoreApplication>
#include <QPainter>
#include <QPromise>
#include <QThreadPool>

#include <algorithm>
#include <memory>

namespace tsui {

namespace {
QString tr(const char* text) {
    return QCoreApplication::translate("tsui::FrameCompare", text);
}
}  // namespace

void PinnedRun::pin(const QVector<QImage>& frames, const QString& label) {
    frames_.clear();  // drop the old run before holding the new one
    frames_.reserve(frames.size());
    // Deep copies: the current run's frames are replaced when the next run starts, and
    // A must not depend on them.
    for (const QImage& f : frames) frames_.push_back(f.copy());
    label_ = label;
}

void PinnedRun::clear() {
    frames_.clear();
    label_.clear();
}

QImage PinnedRun::frame(int index) const {
    if (frames_.isEmpty() || index < 0) return {};
    return frames_[std::min<int>(index, frames_.size() - 1)];
}

qint64 PinnedRun::bytes() const {
    qint64 total = 0;
    for (const QImage& f : frames_) total += f.sizeInBytes();
    return total;
}

QImage sideBySide(const QImage& a, const QImage& b, int gap) {
    if (a.isNull() && b.isNull()) return {};
    const QSize sa = a.isNull() ? b.size() : a.size();
    const QSize sb = b.isNull() ? a.size() : b.size();
    gap = std::max(0, gap);
    QImage out(sa.width() + gap + sb.width(), std::max(sa.height(), sb.height()), QImage::Format_RGB32);
    out.fill(Qt::black);
    QPainter p(&out);
    if (!a.isNull()) p.drawImage(QPoint(0, (out.height() - a.height()) / 2), a);
    if (!b.isNull()) p.drawImage(QPoint(sa.width() + gap, (out.height() - b.height()) / 2), b);
    return out;
}

QString psnrText(double psnrDb) {
    return psnrDb >= ts::kIdenticalPsnrDb ? tr("identical") : tr("PSNR %1 dB").arg(psnrDb, 0, 'f', 2);
}

QString compareText(const QImage& a, const QImage& current) {
    if (a.isNull()) return tr("Nothing pinned: \"Pin as A\" keeps the current run's frames");
    if (current.isNull()) return tr("A pinned; no current frame to compare with");
    if (a.size() != current.size())
        return tr("A is %1×%2, the current run %3×%4: not comparable")
            .arg(a.width()).arg(a.height()).arg(current.width()).arg(current.height());
    // Pinned frames are the preview's 8-bit images: one level is 2/255 ≈ 0.0078, so an
    // exact tiling's rounding flips read as ~100 dB here against ~150 dB in float (decode
    // --check-seams). Said, so that nobody takes it for the decode's own difference.
    const DiffMap d = diffImages(a, current);
    return tr("A vs current (8-bit frames): %1, max |Δ| %2").arg(psnrText(psnrFromMse(d.mse))).arg(d.maxAbs, 0, 'g', 3);
}

QFuture<QVector<FrameDiffStats>> diffClipInBackground(const QVector<QImage>& a, const QVector<QImage>& b) {
    // Shared: the pool's task needs a copyable callable. The images are implicitly
    // shared and only read, so the copies cost nothing and the caller may drop its own.
    auto promise = std::make_shared<QPromise<QVector<FrameDiffStats>>>();
    QFuture<QVector<FrameDiffStats>> future = promise->future();
    promise->start();
    QThreadPool::globalInstance()->start([promise, a, b] {
        QVector<FrameDiffStats> stats;
        const int n = std::min(a.size(), b.size());
        for (int i = 0; i < n && !promise->isCanceled(); ++i) {
            const DiffMap d = diffImages(a[i], b[i]);
            if (d.isNull()) break;
            stats.push_back({d.mse, d.maxAbs});
        }
        promise->addResult(stats);
        promise->finish();
    });
    return future;
}

}  // namespace tsui
