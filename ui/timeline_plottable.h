#pragma once
// The timeline's spans as ONE QCustomPlot plottable (not one item per span): each
// repaint asks the TimelineIndex for the level-of-detail blocks of the rows and the time
// range in view and fills them in one batch per colour. Keys are milliseconds since the
// run's origin; row r occupies values [r, r+1) on a reversed value axis (row 0 on top).
#include "qcp.h"
#include "timeline_index.h"

#include <QColor>

#include <cstdint>
#include <vector>

namespace tsui {

// A span category's colour, fixed so the same category looks the same in every run.
QColor categoryColor(const std::string& category);
// The colour of a name written on a bar of `fill`: near-black or near-white, whichever
// contrasts more (dark bars, such as merged or "output" spans, get light text).
QColor labelColour(const QColor& fill);

class TimelinePlottable : public QCPAbstractPlottable {
    Q_OBJECT
public:
    TimelinePlottable(QCPAxis* keyAxis, QCPAxis* valueAxis, const TimelineIndex* index);

    void setOrigin(std::int64_t originNs) { originNs_ = originNs; }
    std::int64_t origin() const { return originNs_; }
    double toKey(std::int64_t ns) const { return static_cast<double>(ns - originNs_) / 1e6; }
    std::int64_t toNs(double key) const { return originNs_ + static_cast<std::int64_t>(key * 1e6); }

    void setSelectedRecord(std::int64_t record) { selected_ = record; }
    std::int64_t selectedRecord() const { return selected_; }
    // Per name id: true = matches the search. Empty = no search (everything in colour).
    void setHighlight(std::vector<bool> nameFlags) { highlight_ = std::move(nameFlags); }

    // What the last draw did, for tests and the benchmark.
    std::int64_t lastBlockCount() const { return lastBlocks_; }
    int lastFlowCount() const { return lastFlows_; }  // flow arrows drawn for the selection
    int lastLabelCount() const { return lastLabels_; }  // span names drawn inside their spans

    double selectTest(const QPointF& pos, bool onlySelectable, QVariant* details = nullptr) const override;
    QCPRange getKeyRange(bool& foundRange, QCP::SignDomain inSignDomain = QCP::sdBoth) const override;
    QCPRange getValueRange(bool& foundRange, QCP::SignDomain inSignDomain = QCP::sdBoth,
                           const QCPRange& inKeyRange = QCPRange()) const override;

protected:
    void draw(QCPPainter* painter) override;
    void drawLegendIcon(QCPPainter* painter, const QRectF& rect) const override;

private:
    const TimelineIndex* index_;
    std::int64_t originNs_ = 0;
    std::int64_t selected_ = -1;
    std::vector<bool> highlight_;
    std::int64_t lastBlocks_ = 0;
    int lastFlows_ = 0;
    int lastLabels_ = 0;

    void drawFlows(QCPPainter* painter);
};

}  // namespace tsui
