#pragma once
// The decoded frames as they arrive: a FrameView with the plan's tile grid over it, a
// frame slider, play/pause at the video's frame rate (Wan2.1: 16 fps) and zoom.
#include "decode_worker.h"
#include "frame_view.h"

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
    explicit PreviewPanel(QWidget* parent = nullptr);

    void clearFrames();
    void addFrames(const FrameBatch& batch);
    void setExpectedFrames(int n);
    void setTiles(const QVector<TileOverlay>& tiles, const QSize& frameSize);

    int frameCount() const { return frames_.size(); }
    QImage frame(int index) const;
    QImage currentFrame() const { return view_->image(); }
    int currentIndex() const;
    FrameView* view() const { return view_; }
    bool isPlaying() const { return playTimer_.isActive(); }
    int fps() const { return fps_; }

public Q_SLOTS:
    void showFrame(int index);
    void play();
    void pause();

private:
    FrameView* view_ = nullptr;
    QSlider* slider_ = nullptr;
    QLabel* label_ = nullptr;
    QPushButton* playButton_ = nullptr;
    QComboBox* zoomCombo_ = nullptr;
    QCheckBox* gridCheck_ = nullptr;
    QVector<QImage> frames_;
    int expected_ = 0;
    int fps_ = 16;
    QTimer playTimer_;
};

}  // namespace tsui
