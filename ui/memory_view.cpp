#include "memory_view.h"

#include "axis_link.h"
#include "color_scheme.h"
#include "qcp.h"

#include "core/format_bytes.h"
#include "report/profile_analysis.h"

#include <QEvent>
#include <QFontMetrics>
#include <QLabel>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace tsui {

namespace {

constexpr double kMiB = 1024.0 * 1024.0;

QColor counterColor(const std::string& name, int pid) {
    if (name == "rss_bytes") return QColor(40, 120, 200);
    if (name == "heap_in_use_bytes") return QColor(150, 110, 70);
    if (name == "allocated_bytes") return pid == 0 ? QColor(60, 160, 90) : QColor(150, 90, 200);
    if (name == "reserved_bytes") return QColor(200, 140, 40);
    if (name == "device_used_bytes") return QColor(200, 60, 60);
    return QColor::fromHsv(static_cast<int>(std::hash<std::string>{}(name) % 360), 140, 180);
}

}  // namespace

QString counterLabel(int pid, const std::string& name) {
    const QString where = pid == 0 ? QStringLiteral("host") : QStringLiteral("GPU %1").arg(pid - 1);
    QString n = QString::fromStdString(name);
    if (n.endsWith(QStringLiteral("_bytes"))) n.chop(6);
    return QStringLiteral("%1 %2").arg(where, n.replace(QLatin1Char('_'), QLatin1Char(' ')));
}

QString counterLabel(const std::string& summaryKey) {
    const auto [pid, name] = ts::parseMemoryCounterKey(summaryKey);
    return counterLabel(pid, name);
}

MemoryView::MemoryView(TraceFeed* feed, QWidget* parent) : QWidget(parent), feed_(feed) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    plot_ = new QCustomPlot(this);
    plot_->setObjectName(QStringLiteral("memoryPlot"));
    plot_->setMinimumHeight(110);
    plot_->yAxis->setLabel(tr("MiB"));
    plot_->xAxis->setLabel(tr("ms since the run started"));
    QFont small = font();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    plot_->legend->setFont(small);
    plot_->yAxis->setTickLabelFont(small);
    plot_->xAxis->setTickLabelFont(small);
    // The legend goes in a row of its own above the graph (showLegend), entries side by
    // side, four to a row: inside the graph (a GPU trace has seven counters) it covered the
    // lines and the peak.
    if (plot_->legend->layout()) plot_->legend->layout()->take(plot_->legend);  // out of the graph's inset
    // The top tick label stands half its height above the graph: room for it under the
    // legend's row, which cut "800" in half.
    plot_->plotLayout()->setRowSpacing(QFontMetrics(small).height() / 2 + 2);
    showLegend(false);
    plot_->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    plot_->legend->setWrap(4);
    plot_->legend->setMargins(QMargins(4, 2, 4, 2));
    plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot_->axisRect()->setRangeDrag(Qt::Horizontal);
    plot_->axisRect()->setRangeZoom(Qt::Horizontal);
    budgetLine_ = new QCPItemStraightLine(plot_);
    budgetLine_->setPen(QPen(QColor(220, 60, 60), 1.5, Qt::DashLine));
    budgetLine_->setVisible(false);
    peakMarker_ = new QCPItemTracer(plot_);
    peakMarker_->setStyle(QCPItemTracer::tsCircle);
    peakMarker_->setSize(9);
    peakMarker_->setPen(QPen(QColor(220, 60, 60), 2));
    peakMarker_->setVisible(false);
    peakLabel_ = new QCPItemText(plot_);
    peakLabel_->setPositionAlignment(Qt::AlignBottom | Qt::AlignHCenter);
    peakLabel_->position->setParentAnchor(peakMarker_->position);
    peakLabel_->position->setCoords(0, -8);
    peakLabel_->setVisible(false);
    connect(plot_->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, [this] {
        if (peakLabel_->visible()) placePeakLabel();
    });
    layout->addWidget(plot_, 1);
    stylePlot(plot_, palette());
    peakLabel_->setColor(palette().color(QPalette::Text));
    legendNote_ = new QLabel(tr("No memory counters in this trace yet."), this);
    plot_->setToolTip(tr("Memory over time, on the timeline's time axis: dashed line = the budget, circle = the "
                         "peak. Double-click to select in the timeline what ran at that moment."));
    legendNote_->setObjectName(QStringLiteral("memoryNote"));
    layout->addWidget(legendNote_);

    // Double-click: select what ran then in the timeline; near the peak marker, the peak.
    connect(plot_, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent* e) {
        double key = plot_->xAxis->pixelToCoord(e->position().x());
        if (peakMarker_->visible() && std::abs(plot_->xAxis->coordToPixel(peakKey_) - e->position().x()) < 12)
            key = peakKey_;
        Q_EMIT timeClicked(key);
    });
    connect(feed_, &TraceFeed::reset, this, &MemoryView::onFeedReset);
    connect(feed_, &TraceFeed::updated, this, &MemoryView::onFeedUpdated);
}

void MemoryView::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        stylePlot(plot_, palette());
        peakLabel_->setColor(palette().color(QPalette::Text));
        plot_->replot(QCustomPlot::rpQueuedReplot);
    }
}

void MemoryView::lockTo(QCustomPlot* timeline) {
    lockedTo_ = timeline;
    linkAxisRanges(timeline->xAxis, plot_->xAxis, this);
    plot_->xAxis->setRange(timeline->xAxis->range());
    // Equal times at equal x on screen (the two widgets share their left edge in the
    // window): each plot area's minimum margins become the other's, so both take the wider
    // of the timeline's row labels ("CUDA stream 7") and the graph's MiB ticks. A margin
    // only grows this way, which keeps the two from chasing each other; a new trace
    // (onFeedReset) starts both from their own again.
    const auto follow = [](QCustomPlot* from, QCustomPlot* to) {
        const QMargins have = to->axisRect()->minimumMargins();
        const QMargins want(std::max(have.left(), from->axisRect()->margins().left()), have.top(),
                            std::max(have.right(), from->axisRect()->margins().right()), have.bottom());
        if (want == have) return;
        to->axisRect()->setMinimumMargins(want);
        to->replot(QCustomPlot::rpQueuedReplot);
    };
    connect(timeline, &QCustomPlot::afterLayout, this, [this, timeline, follow] { follow(timeline, plot_); });
    connect(plot_, &QCustomPlot::afterLayout, this, [this, timeline, follow] { follow(plot_, timeline); });
}

void MemoryView::showLegend(bool shown) {
    // An empty legend is a stray box, and kept in the layout's column it would cap the
    // graph's width at its own (a few pixels with no entries): out of the layout until the
    // first counter arrives.
    QCPLayoutGrid* grid = plot_->plotLayout();
    const bool placed = grid->hasElement(0, 0) && grid->element(0, 0) == plot_->legend;
    plot_->legend->setVisible(shown);
    if (shown == placed) return;
    if (shown) {
        grid->insertRow(0);
        grid->addElement(0, 0, plot_->legend);
        grid->setRowStretchFactor(0, 0.001);  // only the height it needs
    } else {
        grid->take(plot_->legend);
        grid->simplify();
    }
}

void MemoryView::setBudgetBytes(std::int64_t bytes) {
    budgetBytes_ = bytes;
    budgetLine_->setVisible(bytes > 0);
    if (bytes > 0) {
        budgetLine_->point1->setCoords(0, static_cast<double>(bytes) / kMiB);
        budgetLine_->point2->setCoords(1, static_cast<double>(bytes) / kMiB);
    }
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

double MemoryView::peakOf(const std::string& counterName) const {
    const auto it = peakByCounter_.find(counterName);
    return it == peakByCounter_.end() ? 0.0 : it->second;
}

std::int64_t MemoryView::sampleCount(const std::string& counterName) const {
    std::int64_t n = 0;
    for (const auto& [key, g] : graphs_)
        if (key.second == counterName) n += static_cast<std::int64_t>(g.second);
    return n;
}

void MemoryView::onFeedReset() {
    for (QCustomPlot* p : {plot_, lockedTo_.data()})
        if (p) {
            p->axisRect()->setMinimumMargins(QMargins());
            p->replot(QCustomPlot::rpQueuedReplot);
        }
    plot_->clearGraphs();
    graphs_.clear();
    peakValue_ = 0;
    peakKey_ = 0;
    peakByCounter_.clear();
    peakMarker_->setGraph(nullptr);
    peakMarker_->setVisible(false);
    peakLabel_->setVisible(false);
    legendNote_->setText(tr("No memory counters in this trace yet."));
    legendNote_->show();
    showLegend(false);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void MemoryView::onFeedUpdated() {
    const TimelineIndex& idx = feed_->index();
    bool added = false;
    QCPGraph* peakGraph = nullptr;  // the marker follows a graph only once it has the data
    for (const CounterSeries& s : idx.counters()) {
        auto key = std::make_pair(s.pid, s.name);
        auto it = graphs_.find(key);
        if (it == graphs_.end()) {
            QCPGraph* g = plot_->addGraph();
            g->setName(counterLabel(s.pid, s.name));
            g->setPen(QPen(counterColor(s.name, s.pid), 1.6));
            g->setLineStyle(QCPGraph::lsStepLeft);
            it = graphs_.emplace(key, std::make_pair(g, std::size_t(0))).first;
        }
        auto& [graph, taken] = it->second;
        // Only the samples since the last update: addData appends in key order.
        QVector<double> keys, values;
        for (std::size_t i = taken; i < s.samples.size(); ++i) {
            const double k = static_cast<double>(s.samples[i].timeNs - feed_->origin()) / 1e6;
            const double v = s.samples[i].value / kMiB;
            keys << k;
            values << v;
            double& counterPeak = peakByCounter_[s.name];
            counterPeak = std::max(counterPeak, s.samples[i].value);
            if (s.samples[i].value > peakValue_) {
                peakValue_ = s.samples[i].value;
                peakKey_ = k;
                peakGraph = graph;
            }
        }
        if (!keys.isEmpty()) {
            graph->addData(keys, values, true);
            added = true;
        }
        taken = s.samples.size();
    }
    if (!added) return;
    if (peakGraph) {
        peakMarker_->setGraph(peakGraph);
        peakMarker_->setGraphKey(peakKey_);
    }
    legendNote_->hide();
    showLegend(true);
    peakMarker_->setVisible(peakValue_ > 0);
    peakLabel_->setVisible(peakValue_ > 0);
    // Named: on CUDA the highest line may be the host's RSS or the device's memory.
    peakLabel_->setText(tr("peak %1 (%2)")
                            .arg(QString::fromStdString(ts::formatBytes(static_cast<std::int64_t>(peakValue_))),
                                 peakMarker_->graph() ? peakMarker_->graph()->name() : QString()));
    placePeakLabel();
    const double top = std::max(peakValue_, static_cast<double>(budgetBytes_)) / kMiB;
    plot_->yAxis->setRange(0, std::max(1.0, top * 1.4));  // room for the peak label
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void MemoryView::placePeakLabel() {
    const QCPRange x = plot_->xAxis->range();
    const double at = x.size() > 0 ? (peakKey_ - x.lower) / x.size() : 0.5;
    Qt::Alignment side = Qt::AlignHCenter;
    double dx = 0;
    if (at > 0.85) {
        side = Qt::AlignRight;
        dx = 6;  // a little left of the marker
    } else if (at < 0.15) {
        side = Qt::AlignLeft;
        dx = -6;
    }
    peakLabel_->setPositionAlignment(Qt::AlignBottom | side);
    peakLabel_->position->setCoords(-dx, -8);
}

}  // namespace tsui
