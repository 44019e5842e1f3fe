#pragma once
// The pixels half of Compare runs: two runs' decoded frames as the heatmap |A − B| (or A
// or B alone), with the frame's and the whole clip's PSNR and max |Δ| and one frame slider
// for both. The clip's statistics are computed on a pool thread (statsReady() when done);
// the shown frame's heatmap is diffed when it is shown. Reopen shows one run's frames
// (setSingle): no diff, A only.
#include "frame_compare.h"

#include <QImage>
#include <QStringList>
#include <QVector>
#include <QWidget>

class QComboBox;
class QFutureWatcherBase;
class QLabel;
class QSlider;

namespace tsui {

class FrameView;

class FrameComparePanel : public QWidget {
    Q_OBJECT
public:
    enum class Show { Diff, A, B };

    explicit FrameComparePanel(QWidget* parent = nullptr);

    // Two runs' frames; the problems that limit the comparison (sizes or counts differ),
    // for the view's message. Starts the clip's statistics.
    QStringList setPair(const QVector<QImage>& a, const QVector<QImage>& b);
    void setSingle(const QVector<QImage>& frames);  // one run's frames, shown as A
    void clear();  // no frames; a running statistics job is cancelled and its result dropped
    bool isSingle() const { return single_; }
    // The clip's frame statistics are still being computed (framePsnrDb etc. are NaN).
    bool statsPending() const { return statsJob_ != nullptr; }

    FrameView* frameView() const { return view_; }
    // Frames compared (both runs have them, of one size); a single run's frames.
    int frameCount() const { return compared_; }
    int currentFrame() const;
    double framePsnrDb(int index) const;  // NaN outside [0, frameCount)
    double frameMaxAbs(int index) const;
    double runPsnrDb() const;             // NaN without frames
    double runMaxAbs() const;
    QString statsText() const;
    QImage displayedImage() const;
    void setShow(Show show);
    void setGain(double gain);  // 0 = auto

public Q_SLOTS:
    void showFrame(int index);

Q_SIGNALS:
    void statsReady();  // the clip's statistics are in (after setPair)

private:
    void startStats();
    void resetSlider();
    void refresh();

    FrameView* view_ = nullptr;
    QComboBox* showCombo_ = nullptr;
    QComboBox* gainCombo_ = nullptr;
    QSlider* slider_ = nullptr;
    QLabel* frameLabel_ = nullptr;
    QLabel* statsLabel_ = nullptr;
    QVector<QImage> framesA_, framesB_;
    int compared_ = 0;
    bool single_ = false;
    QVector<FrameDiffStats> stats_;
    QFutureWatcherBase* statsJob_ = nullptr;  // the statistics in progress
};

}  // namespace tsui
