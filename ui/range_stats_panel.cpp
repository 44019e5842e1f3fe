#include "range_stats_panel.h"

#include "profiler_table.h"
#include "span_stats_model.h"
#include "timeline_view.h"

#include <QLabel>
#include <QTableView>
#include <QVBoxLayout>

#include <utility>

namespace tsui {

RangeStatsPanel::RangeStatsPanel(TimelineView* timeline, QWidget* parent) : QWidget(parent), timeline_(timeline) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    headline_ = new QLabel(this);
    headline_->setObjectName(QStringLiteral("statsHeadline"));
    headline_->setWordWrap(true);
    headline_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(headline_);

    table_ = makeProfilerTable(timeline_->statsModel(), SpanStatsModel::Name, SpanStatsModel::Total, Qt::DescendingOrder,
                               this);
    table_->setObjectName(QStringLiteral("statsTable"));
    table_->setToolTip(tr("Shift+drag on the timeline to fill this table with the selected range; click a column's "
                          "header to sort by it; Ctrl+C copies the selected rows as tab-separated text"));
    layout->addWidget(table_, 1);

    connect(timeline_, &TimelineView::rangeSelected, this, &RangeStatsPanel::showRange);
    // A cleared range or a new run empties the model: the hint comes back.
    connect(timeline_->statsModel(), &QAbstractItemModel::modelReset, this, [this] {
        if (timeline_->statsModel()->rowCount() == 0) showHint();
    });
    showHint();
}

void RangeStatsPanel::showRange(double fromMs, double toMs) {
    if (toMs < fromMs) std::swap(fromMs, toMs);
    // ("% of" and "100 %" are not placeholders for arg(): a digit must follow the %.)
    headline_->setText(tr("Range %1 – %2 ms (%3 ms): %4 span names. % of range: a name's time within the range over "
                          "its length (nested names and parallel tracks add up to more than 100 %).")
                           .arg(fromMs, 0, 'f', 2)
                           .arg(toMs, 0, 'f', 2)
                           .arg(toMs - fromMs, 0, 'f', 2)
                           .arg(nameCount()));
}

void RangeStatsPanel::showHint() {
    headline_->setText(tr("No range selected. Shift+drag across the timeline (Timeline & memory) to select a time "
                          "range: each span name in it is listed here with its count, total and mean time, and "
                          "its % of the range."));
}

QString RangeStatsPanel::headline() const {
    return headline_->text();
}

int RangeStatsPanel::nameCount() const {
    return timeline_->statsModel()->rowCount();
}

}  // namespace tsui
