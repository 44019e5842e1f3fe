#pragma once
// The decoded frames as they arrive: a FrameView with the plan's tile grid over it, a
// frame slider, play/pause at the video's frame rate (Wan2.1: 16 fps) and zoom.
// View modes: the frame; the seam heatmap (|tiled - untiled| of a Seam check run, with a
// gain, alone or over the frame); a pinned run "A" against the current run, side by
// side or as a wipe. All of them follow the frame slider.
#include "decode_worker.h"
#include "frame_compare.h"
#include "frame_view.h"
#include "seam_heatmap.h"

#include <QTimer>
#include <QVector>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QSlider;

namespace tsui {

class PreviewPanel : public QWidget {
    Q_OBJECT
public:
    enum class ViewMode { Frame, Heatmap, HeatmapOverFrame, SideBySide, Wipe };

    explicit PreviewPanel(QWidget* parent = nullptr);

    void clearFrames();
    void addFrames(const FrameBatch& batch);
    void setExpectedFrames(int n);
    void setTiles(const QVector<TileOverlay>& tiles, const QSize& frameSize);

    int frameCount() const { return frames_.size(); }
    QImage frame(int index) const;
    QImage currentFrame() const { return frame(currentIndex()); }  // the decoded frame
    QImage displayedImage() const { return view_->image(); }      // what the view draws
    int currentIndex() const;
    FrameView* view() const { return view_; }
    bool isPlaying() const { return playTimer_.isActive(); }
    int fps() const { return fps_; }

    // Seam check (a checkbox here; the run reads it when it starts).
    bool seamCheckEnabled() const;
    void setSeamCheckEnabled(bool on);
    void addSeams(const SeamBatch& batch);
    const QString& seamError() const { return seamError_; }
    int seamCount() const { return seams_.size(); }
    DiffMap seam(int index) const;
    double seamPsnrDb() const;   // over every frame compared so far; NaN without any
    double seamMaxAbs() const;   // NaN without any
    // 0 = auto (the run's largest difference maps to white), else the amplification.
    void setHeatmapGain(double gain);
    double heatmapGain() const;

    // Compare: pin the current run as A (replacing any earlier pin).
    void pinCurrentRun();
    const PinnedRun& pinned() const { return pinned_; }

    void setViewMode(ViewMode mode);
    ViewMode viewMode() const;
    QString statsText() const;  // the label under the view: seam or compare statistics

public Q_SLOTS:
    void showFrame(int index);
    void play();
    void pause();

private:
    QWidget* buildModeBar();
    void refresh();  // redraw the current frame in the current mode, update the label
    QImage heatmapFor(int index) const;

    FrameView* view_ = nullptr;
    QSlider* slider_ = nullptr;
    QLabel* label_ = nullptr;
    QPushButton* playButton_ = nullptr;
    QComboBox* zoomCombo_ = nullptr;
    QCheckBox* gridCheck_ = nullptr;
    QComboBox* modeCombo_ = nullptr;
    QComboBox* gainCombo_ = nullptr;
    QCheckBox* seamCheck_ = nullptr;
    QPushButton* pinButton_ = nullptr;
    QLabel* statsLabel_ = nullptr;
    QVector<QImage> frames_;
    QVector<DiffMap> seams_;  // by frame; null maps for frames not compared (yet)
    QString seamError_;       // why the reference decode failed, if it did
    bool seamSelf_ = false;   // untiled run with Seam check: its own reference, all zeros
    bool seamCancelled_ = false;  // the reference decode was cancelled: seams_ is partial
    PinnedRun pinned_;
    int runNumber_ = 0;       // for A's label
    int expected_ = 0;
    int fps_ = 16;
    QTimer playTimer_;
};

}  // namespace tsui
