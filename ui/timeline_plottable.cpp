#include "timeline_plottable.h"

#include <QFontMetrics>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

namespace tsui {

QColor labelColour(const QColor& fill) {
    // Whichever of near-black and near-white has the higher WCAG contrast with the bar.
    auto linear = [](double c) { return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4); };
    const double l = 0.2126 * linear(fill.redF()) + 0.7152 * linear(fill.greenF()) + 0.0722 * linear(fill.blueF());
    const double dark = 0.0070, light = 0.9131;  // (20,20,20) and (245,245,245)
    return (l + 0.05) / (dark + 0.05) >= (light + 0.05) / (l + 0.05) ? QColor(20, 20, 20) : QColor(245, 245, 245);
}

QColor categoryColor(const std::string& category) {
    static const std::map<std::string, QColor> known = {
        {"run", QColor(120, 130, 150)},   {"chunk", QColor(64, 160, 160)},  {"stage", QColor(70, 120, 200)},
        {"tile", QColor(230, 140, 50)},   {"op", QColor(90, 170, 90)},      {"kernel", QColor(150, 100, 200)},
        {"memcpy", QColor(210, 80, 80)},  {"memset", QColor(220, 120, 170)}, {"sync", QColor(150, 110, 80)},
        {"runtime", QColor(160, 160, 70)}, {"driver", QColor(140, 150, 60)}, {"nvtx", QColor(200, 180, 60)},
        {"output", QColor(110, 110, 110)},
    };
    auto it = known.find(category);
    if (it != known.end()) return it->second;
    return QColor::fromHsv(static_cast<int>(std::hash<std::string>{}(category) % 360), 120, 190);
}

TimelinePlottable::TimelinePlottable(QCPAxis* keyAxis, QCPAxis* valueAxis, const TimelineIndex* index)
    : QCPAbstractPlottable(keyAxis, valueAxis), index_(index) {
    setSelectable(QCP::stNone);  // the view does its own hit testing (spanAt)
}

double TimelinePlottable::selectTest(const QPointF&, bool, QVariant*) const {
    return -1;
}

QCPRange TimelinePlottable::getKeyRange(bool& foundRange, QCP::SignDomain) const {
    foundRange = index_->spanCount() > 0 || index_->maxTime() > index_->minTime();
    return QCPRange(toKey(index_->minTime()), toKey(index_->maxTime()));
}

QCPRange TimelinePlottable::getValueRange(bool& foundRange, QCP::SignDomain, const QCPRange&) const {
    foundRange = true;
    return QCPRange(0, std::max(1, index_->rowCount()));
}

void TimelinePlottable::draw(QCPPainter* painter) {
    lastBlocks_ = 0;
    QCPAxis* keyAxis = mKeyAxis.data();
    QCPAxis* valueAxis = mValueAxis.data();
    if (!keyAxis || !valueAxis) return;
    const QCPRange keys = keyAxis->range();
    const double widthPx = std::max(1, keyAxis->axisRect()->width());
    const double nsPerPixel = keys.size() * 1e6 / widthPx;
    const std::int64_t t0 = toNs(keys.lower), t1 = toNs(keys.upper);
    const int rows = index_->rowCount();
    const int firstRow = std::max(0, static_cast<int>(std::floor(valueAxis->range().lower)));
    const int lastRow = std::min(rows - 1, static_cast<int>(std::ceil(valueAxis->range().upper)));
    const bool searching = !highlight_.empty();
    const QColor dimmed(150, 150, 150, 90);  // spans that do not match the search

    // One batch of rectangles per colour: a few fill calls however many blocks.
    std::map<QRgb, std::vector<QRectF>> batches;
    struct Label {
        QRectF rect;
        std::uint32_t record;
        QColor fill;
    };
    std::vector<Label> labels;
    QRectF selectedRect;
    for (int r = firstRow; r <= lastRow; ++r) {
        const double yTop = valueAxis->coordToPixel(r + 0.08);
        const double yBottom = valueAxis->coordToPixel(r + 0.92);
        const double top = std::min(yTop, yBottom), height = std::abs(yBottom - yTop);
        for (const TimelineBlock& b : index_->blocks(r, t0, t1, nsPerPixel)) {
            ++lastBlocks_;
            const TimelineRecord& rec = index_->record(b.record);
            double x0 = keyAxis->coordToPixel(toKey(b.start));
            double x1 = keyAxis->coordToPixel(toKey(b.end));
            x0 = std::max(x0, -10.0);
            x1 = std::min(x1, widthPx + keyAxis->axisRect()->left() + 10.0);
            const QRectF rect(x0, top, std::max(1.0, x1 - x0), height);
            QColor c = categoryColor(index_->categoryName(rec.category));
            if (b.count > 1) c = c.darker(125);  // merged: several spans under a pixel each
            if (searching && !(rec.name < highlight_.size() && highlight_[rec.name])) c = dimmed;
            batches[c.rgba()].push_back(rect);
            if (rect.width() > 48 && b.count == 1) labels.push_back({rect, b.record, c});
            if (static_cast<std::int64_t>(b.record) == selected_) selectedRect = rect;
        }
    }
    painter->setPen(Qt::NoPen);
    for (const auto& [rgba, rects] : batches) {
        painter->setBrush(QColor::fromRgba(rgba));
        painter->drawRects(rects.data(), static_cast<int>(rects.size()));
    }
    // Names inside spans wide enough to hold a few characters, and tall enough for a capital
    // letter: in lower rows (many rows in a short plot, as in Compare runs) the bars cut
    // through the text and it spilled over the rows above and below.
    const QFontMetrics fm(painter->font());
    if (!labels.empty() && labels.front().rect.height() < fm.capHeight() + 2) labels.clear();
    lastLabels_ = static_cast<int>(labels.size());
    for (const Label& l : labels) {
        const QString text = fm.elidedText(QString::fromStdString(index_->name(index_->record(l.record).name)),
                                           Qt::ElideRight, static_cast<int>(l.rect.width()) - 6);
        if (text.size() < 2) continue;
        // Dark text on light bars, light text on dark ones (the dark scheme's slate "run").
        painter->setPen(labelColour(l.fill));
        painter->drawText(l.rect.adjusted(3, 0, -3, 0), Qt::AlignVCenter | Qt::AlignLeft, text);
    }
    if (!selectedRect.isNull()) {
        painter->setBrush(Qt::NoBrush);
        painter->setPen(QPen(QColor(255, 215, 0), 2.5));
        painter->drawRect(selectedRect.adjusted(-1, -1, 1, 1));
    }
    drawFlows(painter);
}

// The selected span's flows (its kernel launches, or the launch of the selected kernel):
// an arrow from the middle of the row of one end to the other's.
void TimelinePlottable::drawFlows(QCPPainter* painter) {
    lastFlows_ = 0;
    if (selected_ < 0) return;
    const QCPAxis* keyAxis = mKeyAxis.data();
    const QCPAxis* valueAxis = mValueAxis.data();
    const QColor color(200, 80, 20);
    painter->setPen(QPen(color, 1.5));
    painter->setBrush(color);
    for (const TimelineFlow& f : index_->flows().of(*index_, static_cast<std::uint32_t>(selected_))) {
        if (f.fromRow < 0 || f.toRow < 0) continue;
        const QPointF from(keyAxis->coordToPixel(toKey(f.fromNs)), valueAxis->coordToPixel(f.fromRow + 0.5));
        const QPointF to(keyAxis->coordToPixel(toKey(f.toNs)), valueAxis->coordToPixel(f.toRow + 0.5));
        painter->drawLine(from, to);
        const QLineF back(to, from);
        if (back.length() < 1) continue;
        // The head: two 8 px sides, 25 degrees either side of the line.
        QLineF side1 = back, side2 = back;
        side1.setLength(8);
        side2.setLength(8);
        side1.setAngle(back.angle() + 25);
        side2.setAngle(back.angle() - 25);
        const QPointF head[3] = {to, side1.p2(), side2.p2()};
        painter->drawPolygon(head, 3);
        ++lastFlows_;
    }
}

void TimelinePlottable::drawLegendIcon(QCPPainter* painter, const QRectF& rect) const {
    painter->fillRect(rect, categoryColor("stage"));
}

}  // namespace tsui
