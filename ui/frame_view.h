#pragma once
// Shows one frame scaled to fit (or at a fixed zoom, dragged to pan), keeping its aspect
// ratio: nearest-neighbour when magnifying (so single pixels stay visible), smooth when
// shrinking. Over it, optionally, the tile grid of a plan: each tile's rectangle and the
// halo of context it reads (exact) or its overlap with neighbours (blend). Before any
// frame exists the grid is drawn on an empty canvas of the predicted frame size.
// Wipe compare: with a compare image set, it is drawn left of a vertical divider and the
// frame right of it; dragging the divider moves it (wipeMoved).
#include <QFrame>
#include <QImage>
#include <QPoint>
#include <QRect>
#include <QString>
#include <QVector>

class QPainter;

namespace tsui {

struct TileOverlay {
    QRect tile;  // output pixels the tile writes (blend: its whole decoded area)
    QRect halo;  // pixels it reads context from (exact), or empty
};

// Tile numbers' boxes, each moved down a line (up to four) while it would cover one before
// it: blend tiles pushed against the frame's edge start a few pixels after their neighbour,
// and "1" and "2" drawn at their corners read as "12".
QVector<QRect> unclutteredLabels(QVector<QRect> boxes, int lineHeight);

class FrameView : public QFrame {
    Q_OBJECT
public:
    explicit FrameView(QWidget* parent = nullptr);

    void setImage(const QImage& image);
    const QImage& image() const { return image_; }
    void setPlaceholderText(const QString& text);
    void setCanvasSize(const QSize& size);  // the frame size to draw the grid on before frames exist
    void setOverlay(const QVector<TileOverlay>& tiles);
    const QVector<TileOverlay>& overlay() const { return overlay_; }
    void setOverlayVisible(bool visible);
    bool overlayVisible() const { return overlayVisible_; }
    // Off: tile outlines only, so the colours of a heatmap under the grid stay true.
    void setOverlayFills(bool fills);
    // 0 = fit the widget; otherwise screen pixels per image pixel.
    void setZoom(double zoom);
    double zoom() const { return zoom_; }
    QRect imageRect() const;  // where the frame (or canvas) is drawn, in widget pixels
    // Wipe: `left` (same size as the frame, else scaled to it) shown left of the divider;
    // a null image ends the wipe.
    void setCompareImage(const QImage& left);
    const QImage& compareImage() const { return compare_; }
    void setWipePosition(double fraction);  // 0..1 across the frame
    double wipePosition() const { return wipe_; }
    int wipeDividerX() const;  // widget x of the divider, -1 without a wipe

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

Q_SIGNALS:
    void zoomChanged(double zoom);
    void wipeMoved(double fraction);  // the user dragged the divider

protected:
    void paintEvent(QPaintEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;

private:
    QSize contentSize() const;
    void drawWipe(QPainter& painter, const QRect& target);

    QImage image_;
    QString placeholder_;
    QSize canvas_;
    QVector<TileOverlay> overlay_;
    bool overlayVisible_ = true;
    bool overlayFills_ = true;
    double zoom_ = 0;
    QPoint pan_;
    QPoint dragFrom_;
    QImage compare_;
    double wipe_ = 0.5;
    bool draggingWipe_ = false;
};

}  // namespace tsui
