#include "frame_view.h"

#include <QMouseEvent>
#include <QPainter>
#include <QPalette>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace tsui {

FrameView::FrameView(QWidget* parent) : QFrame(parent) {
    setFrameStyle(QFrame::StyledPanel | QFrame::Sunken);
    setBackgroundRole(QPalette::Base);
    setAutoFillBackground(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    setToolTip(tr("Wheel: zoom · drag: pan when zoomed in"));
}

void FrameView::setImage(const QImage& image) {
    image_ = image;
    update();
}

void FrameView::setPlaceholderText(const QString& text) {
    placeholder_ = text;
    if (image_.isNull()) update();
}

void FrameView::setCanvasSize(const QSize& size) {
    canvas_ = size;
    update();
}

void FrameView::setOverlay(const QVector<TileOverlay>& tiles) {
    overlay_ = tiles;
    update();
}

void FrameView::setOverlayVisible(bool visible) {
    overlayVisible_ = visible;
    update();
}

void FrameView::setCompareImage(const QImage& left) {
    compare_ = left;
    if (compare_.isNull()) draggingWipe_ = false;
    update();
}

void FrameView::setWipePosition(double fraction) {
    wipe_ = std::clamp(std::isfinite(fraction) ? fraction : 0.5, 0.0, 1.0);
    update();
}

int FrameView::wipeDividerX() const {
    const QRect target = imageRect();
    if (compare_.isNull() || target.isEmpty()) return -1;
    return target.x() + static_cast<int>(std::lround(wipe_ * target.width()));
}

void FrameView::setOverlayFills(bool fills) {
    if (fills == overlayFills_) return;
    overlayFills_ = fills;
    update();
}

void FrameView::setZoom(double zoom) {
    zoom = std::clamp(zoom, 0.0, 64.0);
    if (zoom == zoom_) return;
    zoom_ = zoom;
    if (zoom_ == 0) pan_ = QPoint();
    update();
    Q_EMIT zoomChanged(zoom_);
}

QSize FrameView::sizeHint() const {
    return QSize(640, 400);
}

QSize FrameView::minimumSizeHint() const {
    return QSize(160, 100);
}

QSize FrameView::contentSize() const {
    return image_.isNull() ? canvas_ : image_.size();
}

QRect FrameView::imageRect() const {
    const QRect area = contentsRect().adjusted(4, 4, -4, -4);
    const QSize content = contentSize();
    if (content.isEmpty() || area.isEmpty()) return {};
    const QSize scaled = zoom_ > 0 ? QSize(static_cast<int>(std::lround(content.width() * zoom_)),
                                           static_cast<int>(std::lround(content.height() * zoom_)))
                                   : content.scaled(area.size(), Qt::KeepAspectRatio);
    return QRect(area.x() + (area.width() - scaled.width()) / 2 + pan_.x(),
                 area.y() + (area.height() - scaled.height()) / 2 + pan_.y(), scaled.width(), scaled.height());
}

void FrameView::paintEvent(QPaintEvent* event) {
    QFrame::paintEvent(event);  // the frame
    QPainter painter(this);
    painter.setClipRect(contentsRect());
    const QRect target = imageRect();
    if (target.isEmpty() || (image_.isNull() && overlay_.isEmpty())) {
        painter.setPen(palette().color(QPalette::Disabled, QPalette::Text));
        painter.drawText(contentsRect(), Qt::AlignCenter | Qt::TextWordWrap, placeholder_);
        return;
    }
    if (!image_.isNull()) {
        painter.setRenderHint(QPainter::SmoothPixmapTransform, target.width() < image_.width());
        painter.drawImage(target, image_);
        if (!compare_.isNull()) drawWipe(painter, target);
    } else {
        painter.fillRect(target, palette().color(QPalette::AlternateBase));
        painter.setPen(palette().color(QPalette::Disabled, QPalette::Text));
        painter.drawText(target, Qt::AlignCenter | Qt::TextWordWrap, placeholder_);
    }
    painter.setPen(palette().color(QPalette::Mid));
    painter.drawRect(target.adjusted(-1, -1, 0, 0));
    if (!overlayVisible_ || overlay_.isEmpty()) return;

    // Image pixels -> widget pixels.
    const QSize content = contentSize();
    const double sx = static_cast<double>(target.width()) / content.width();
    const double sy = static_cast<double>(target.height()) / content.height();
    auto map = [&](const QRect& r) {
        return QRectF(target.x() + r.x() * sx, target.y() + r.y() * sy, r.width() * sx, r.height() * sy);
    };
    painter.setRenderHint(QPainter::Antialiasing, false);
    // Over a frame the grid is bright (frames are mostly mid-tones); over the empty canvas
    // before a run it takes the palette's text and highlight colours, so it reads on a
    // light and a dark palette alike.
    const bool onCanvas = image_.isNull();
    QColor haloColour = onCanvas ? palette().color(QPalette::Text) : QColor(255, 255, 255);
    haloColour.setAlpha(150);
    const QColor outline = onCanvas ? palette().color(QPalette::Highlight) : QColor(255, 220, 0, 230);
    const QColor numbers = onCanvas ? palette().color(QPalette::Text) : QColor(255, 240, 120);
    for (int i = 0; i < overlay_.size(); ++i) {
        const TileOverlay& t = overlay_[i];
        // Translucent fills: where blend tiles overlap, the fills add up and the overlap shows darker.
        const QColor fill = (i % 2) ? QColor(255, 170, 0, 40) : QColor(0, 170, 255, 40);
        if (overlayFills_) painter.fillRect(map(t.tile), fill);
        if (!t.halo.isEmpty() && t.halo != t.tile) {
            painter.setPen(QPen(haloColour, 1, Qt::DotLine));
            painter.drawRect(map(t.halo));
        }
    }
    // Without fills (the heatmap views) the outlines lie on the very seams being looked
    // at: thin and translucent there, so the heat under them shows through.
    QColor edge = outline;
    if (!overlayFills_) edge.setAlpha(110);
    painter.setPen(QPen(edge, overlayFills_ ? 1.5 : 1.0));
    for (const TileOverlay& t : overlay_) painter.drawRect(map(t.tile));
    if (overlay_.size() > 1 && target.width() / std::max(1, static_cast<int>(std::sqrt(overlay_.size()))) > 40) {
        painter.setPen(numbers);
        const QFontMetrics fm(painter.font());
        QVector<QRect> boxes;
        for (int i = 0; i < overlay_.size(); ++i)
            boxes.push_back(QRect(map(overlay_[i].tile).topLeft().toPoint() + QPoint(3, 2),
                                  fm.size(0, QString::number(i)) + QSize(2, 0)));
        boxes = unclutteredLabels(boxes, fm.height());
        for (int i = 0; i < overlay_.size(); ++i) painter.drawText(boxes[i], Qt::AlignCenter, QString::number(i));
    }
}

QVector<QRect> unclutteredLabels(QVector<QRect> boxes, int lineHeight) {
    for (int i = 1; i < boxes.size(); ++i)
        for (int tries = 0; tries < 4; ++tries) {
            const bool clash = std::any_of(boxes.begin(), boxes.begin() + i,
                                           [&](const QRect& r) { return r.intersects(boxes[i]); });
            if (!clash) break;
            boxes[i].translate(0, lineHeight);
        }
    return boxes;
}

void FrameView::wheelEvent(QWheelEvent* event) {
    const QRect target = imageRect();
    const QSize content = contentSize();
    if (content.isEmpty()) return;
    const double current = zoom_ > 0 ? zoom_ : static_cast<double>(target.width()) / content.width();
    setZoom(event->angleDelta().y() > 0 ? current * 1.25 : current / 1.25);
    event->accept();
}

void FrameView::drawWipe(QPainter& painter, const QRect& target) {
    const int x = wipeDividerX();
    painter.save();
    painter.setClipRect(QRect(target.x(), target.y(), x - target.x(), target.height()).intersected(contentsRect()));
    painter.drawImage(target, compare_);
    painter.restore();
    painter.setPen(QPen(QColor(255, 255, 255, 220), 2));
    painter.drawLine(x, target.top(), x, target.bottom());
    // A grip in the middle says the divider can be dragged.
    const QRect grip(x - 5, target.center().y() - 14, 10, 28);
    painter.fillRect(grip, QColor(255, 255, 255, 220));
    painter.setPen(QColor(0, 0, 0, 200));
    painter.drawRect(grip);
    painter.setPen(Qt::white);
    painter.drawText(QRect(target.x() + 6, target.y() + 4, std::max(0, x - target.x() - 12), 20),
                     Qt::AlignLeft | Qt::AlignTop, tr("A"));
    painter.drawText(QRect(x + 6, target.y() + 4, std::max(0, target.right() - x - 12), 20),
                     Qt::AlignRight | Qt::AlignTop, tr("current"));
}

void FrameView::mousePressEvent(QMouseEvent* event) {
    const int x = wipeDividerX();
    // Grab the divider within a few pixels of it; elsewhere a press starts a pan.
    draggingWipe_ = x >= 0 && event->button() == Qt::LeftButton && std::abs(event->position().x() - x) <= 6;
    dragFrom_ = event->position().toPoint() - pan_;
}

void FrameView::mouseReleaseEvent(QMouseEvent* event) {
    draggingWipe_ = false;
    QFrame::mouseReleaseEvent(event);
}

void FrameView::mouseMoveEvent(QMouseEvent* event) {
    if (draggingWipe_) {
        const QRect target = imageRect();
        if (target.width() > 0) {
            setWipePosition((event->position().x() - target.x()) / target.width());
            Q_EMIT wipeMoved(wipe_);
        }
        return;
    }
    if (zoom_ > 0 && (event->buttons() & Qt::LeftButton)) {
        pan_ = event->position().toPoint() - dragFrom_;
        update();
    }
}

}  // namespace tsui
