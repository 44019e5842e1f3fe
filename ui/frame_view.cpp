#include "frame_view.h"

#include <QPainter>
#include <QPalette>

namespace tsui {

FrameView::FrameView(QWidget* parent) : QFrame(parent) {
    setFrameStyle(QFrame::StyledPanel | QFrame::Sunken);
    setBackgroundRole(QPalette::Base);
    setAutoFillBackground(true);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void FrameView::setImage(const QImage& image) {
    image_ = image;
    update();
}

void FrameView::setPlaceholderText(const QString& text) {
    placeholder_ = text;
    if (image_.isNull()) update();
}

QSize FrameView::sizeHint() const {
    return QSize(640, 400);
}

QSize FrameView::minimumSizeHint() const {
    return QSize(160, 100);
}

void FrameView::paintEvent(QPaintEvent* event) {
    QFrame::paintEvent(event);  // the frame
    QPainter painter(this);
    const QRect area = contentsRect().adjusted(4, 4, -4, -4);
    if (image_.isNull() || area.isEmpty()) {
        painter.setPen(palette().color(QPalette::Disabled, QPalette::Text));
        painter.drawText(contentsRect(), Qt::AlignCenter | Qt::TextWordWrap, placeholder_);
        return;
    }
    const QSize scaled = image_.size().scaled(area.size(), Qt::KeepAspectRatio);
    const QRect target(area.x() + (area.width() - scaled.width()) / 2,
                       area.y() + (area.height() - scaled.height()) / 2, scaled.width(),
                       scaled.height());
    const bool magnifying = scaled.width() >= image_.width();
    painter.setRenderHint(QPainter::SmoothPixmapTransform, !magnifying);
    painter.drawImage(target, image_);
    painter.setPen(palette().color(QPalette::Mid));
    painter.drawRect(target.adjusted(-1, -1, 0, 0));
}

}  // namespace tsui
