#include "timeline_view.h"

#include "color_scheme.h"
#include "timeline_plottable.h"

#include <QCursor>
#include <QEvent>
#include <QFontMetricsF>
#include <QKeyEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMouseEvent>
#include <QPushButton>
#include <QResizeEvent>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <optional>

namespace tsui {

namespace {

// The keys of Perfetto and chrome://tracing, which a profiler's users reach for first: W/S
// zoom in/out by a fifth around `anchor`, A/D pan by a tenth of the view. Nothing for other keys.
std::optional<QCPRange> keyboardStep(const QCPRange& view, int key, double anchor) {
    switch (key) {
    case Qt::Key_W: return QCPRange(anchor - (anchor - view.lower) * 0.8, anchor + (view.upper - anchor) * 0.8);
    case Qt::Key_S: return QCPRange(anchor - (anchor - view.lower) / 0.8, anchor + (view.upper - anchor) / 0.8);
    case Qt::Key_A: return QCPRange(view.lower - view.size() / 10, view.upper - view.size() / 10);
    case Qt::Key_D: return QCPRange(view.lower + view.size() / 10, view.upper + view.size() / 10);
    default: return std::nullopt;
    }
}

QString durationText(double ns) {
    if (ns < 1e3) return QString::number(ns, 'f', 0) + QStringLiteral(" ns");
    if (ns < 1e6) return QString::number(ns / 1e3, 'f', 1) + QStringLiteral(" µs");
    if (ns < 1e9) return QString::number(ns / 1e6, 'f', 2) + QStringLiteral(" ms");
    return QString::number(ns / 1e9, 'f', 3) + QStringLiteral(" s");
}

}  // namespace

TimelineView::TimelineView(TraceFeed* feed, QWidget* parent) : QWidget(parent), feed_(feed) {
    stats_ = new SpanStatsModel(this);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* bar = new QHBoxLayout;
    search_ = new QLineEdit(this);
    search_->setObjectName(QStringLiteral("timelineSearch"));
    search_->setPlaceholderText(tr("Search spans by name…"));
    search_->setClearButtonEnabled(true);
    search_->setToolTip(tr("Highlights the spans whose name contains this text; the others are greyed out"));
    reset_ = new QPushButton(tr("Reset view"), this);
    reset_->setObjectName(QStringLiteral("timelineReset"));
    reset_->setToolTip(tr("Show the whole run again (also: double-click the timeline)"));
    info_ = new QLabel(this);
    info_->setObjectName(QStringLiteral("timelineInfo"));
    info_->setText(tr("Wheel, W/S: zoom · drag, A/D: pan · Shift+drag: range statistics · F: focus · F1: all keys"));
    // A selected kernel's details run long (its demangled name, grid, block, registers):
    // the label is cut at the window's edge, its tooltip has all of it, and the search
    // field keeps room to be typed in.
    info_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    search_->setMinimumWidth(search_->fontMetrics().horizontalAdvance(QLatin1Char('x')) * 22);
    bar->addWidget(search_, 1);
    bar->addWidget(reset_);
    bar->addWidget(info_, 2);
    layout->addLayout(bar);
    // What the colours mean, for a first-time user.
    QString legend;
    for (const char* c : {"run", "chunk", "stage", "tile", "op", "kernel", "memcpy", "memset", "sync", "runtime", "driver", "output"})
        legend += QStringLiteral("<span style=\"color:%1\">■</span>&nbsp;%2&nbsp;&nbsp; ").arg(categoryColor(c).name(), QLatin1String(c));
    // Short enough for one row at the default window width; the tooltip says the rest.
    legend_ = new QLabel(legend + tr("(darker: merged)"), this);
    legend_->setToolTip(tr("runtime and driver: CUDA API calls on the host (CUPTI); output: decoded frames handed over "
                           "(to the preview, a video file); the others are named as in the trace. A darker bar is "
                           "several spans that fall in one pixel: zoom in to tell them apart"));
    legend_->setWordWrap(true);  // wraps in a narrow window rather than widening it
    legend_->setObjectName(QStringLiteral("timelineLegend"));
    layout->addWidget(legend_);

    plot_ = new QCustomPlot(this);
    plot_->setObjectName(QStringLiteral("timelinePlot"));
    plot_->setMinimumHeight(140);
    plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot_->axisRect()->setRangeDrag(Qt::Horizontal);
    plot_->axisRect()->setRangeZoom(Qt::Horizontal);
    plot_->xAxis->setLabel(tr("ms since the run started"));
    plot_->yAxis->setRangeReversed(true);
    plot_->yAxis->grid()->setVisible(false);
    plot_->yAxis->setTicker(QSharedPointer<QCPAxisTickerText>(new QCPAxisTickerText));
    plot_->yAxis->setRange(0, 1);
    plot_->xAxis->setRange(0, 1);
    spans_ = new TimelinePlottable(plot_->xAxis, plot_->yAxis, &feed_->index());
    spans_->setName(tr("spans"));
    rangeRect_ = new QCPItemRect(plot_);
    rangeRect_->setPen(QPen(QColor(40, 120, 220), 1));
    rangeRect_->setBrush(QColor(40, 120, 220, 40));
    rangeRect_->setSelectable(false);
    rangeRect_->setVisible(false);
    // Before the first span, the plot's bare 0-1 ms axes read as a measured nothing.
    emptyNote_ = new QCPItemText(plot_);
    emptyNote_->position->setType(QCPItemPosition::ptAxisRectRatio);
    emptyNote_->position->setCoords(0.5, 0.5);
    emptyNote_->setText(tr("No run yet: Run (Ctrl+R) decodes the latents, and every chunk, stage and op appears "
                           "here as it happens"));
    emptyNote_->setColor(palette().color(QPalette::PlaceholderText));
    emptyNote_->setSelectable(false);
    layout->addWidget(plot_, 1);
    stylePlot(plot_, palette());

    plot_->setFocusPolicy(Qt::StrongFocus);  // W/S/A/D once clicked or tabbed to
    plot_->installEventFilter(this);
    connect(plot_, &QCustomPlot::afterReplot, this, [this] { ++replots_; });
    connect(plot_, &QCustomPlot::mouseWheel, this, [this](QWheelEvent*) { followLive_ = false; });
    connect(plot_, &QCustomPlot::mousePress, this, &TimelineView::onMousePress);
    connect(plot_, &QCustomPlot::mouseMove, this, &TimelineView::onMouseMove);
    connect(plot_, &QCustomPlot::mouseRelease, this, &TimelineView::onMouseRelease);
    connect(plot_, &QCustomPlot::mouseDoubleClick, this, [this](QMouseEvent*) { resetView(); });
    connect(reset_, &QPushButton::clicked, this, &TimelineView::resetView);
    connect(search_, &QLineEdit::textChanged, this, &TimelineView::setSearchText);
    connect(feed_, &TraceFeed::reset, this, &TimelineView::onFeedReset);
    connect(feed_, &TraceFeed::updated, this, &TimelineView::onFeedUpdated);
}

bool TimelineView::eventFilter(QObject* watched, QEvent* event) {
    if (watched == plot_ && event->type() == QEvent::Resize) {
        // The room above the first row is in pixels: work it out again for the new height
        // (the axis rect has not been laid out yet; it changes by what the plot did).
        const auto* resize = static_cast<QResizeEvent*>(event);
        if (resize->oldSize().isValid())
            updateRowLabels(plot_->axisRect()->height() + resize->size().height() - resize->oldSize().height());
        return QWidget::eventFilter(watched, event);
    }
    const auto* key = event->type() == QEvent::KeyPress ? static_cast<QKeyEvent*>(event) : nullptr;
    if (watched != plot_ || !key || key->modifiers() != Qt::NoModifier) return QWidget::eventFilter(watched, event);
    // Zoom around the mouse when it is over the plot, as the wheel does; else the middle.
    const QPoint mouse = plot_->mapFromGlobal(QCursor::pos());
    const double anchor = plot_->axisRect()->rect().contains(mouse) ? plot_->xAxis->pixelToCoord(mouse.x())
                                                                     : plot_->xAxis->range().center();
    std::optional<QCPRange> next = keyboardStep(plot_->xAxis->range(), key->key(), anchor);
    if (key->key() == Qt::Key_F)
        if (const auto focus = focusRange()) next = QCPRange(focus->first, focus->second);
    if (!next) return QWidget::eventFilter(watched, event);
    followLive_ = false;
    plot_->xAxis->setRange(*next);
    requestReplot();
    return true;
}

std::optional<std::pair<double, double>> TimelineView::focusRange() const {
    // Perfetto's F: the selected range, else the selected span, with a tenth of it to
    // spare on each side; nothing selected, nothing to do.
    QCPRange r;
    if (rangeRect_->visible()) {
        r = QCPRange(rangeRect_->topLeft->coords().x(), rangeRect_->bottomRight->coords().x());
    } else if (const std::int64_t rec = spans_->selectedRecord(); rec >= 0) {
        const TimelineRecord& span = feed_->index().record(static_cast<std::uint32_t>(rec));
        r = QCPRange(spans_->toKey(span.start), spans_->toKey(span.start + span.duration));
    } else {
        return std::nullopt;
    }
    r.normalize();
    const double spare = std::max(r.size() / 10, 1e-6);  // 1 ns: a zero-length span still gets a view
    return std::make_pair(r.lower - spare, r.upper + spare);
}

void TimelineView::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        stylePlot(plot_, palette());
        requestReplot();
    }
}

void TimelineView::requestReplot() {
    // Queued: several updates within one event-loop pass cost one repaint.
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void TimelineView::onFeedReset() {
    spans_->setOrigin(feed_->origin());
    emptyNote_->setVisible(feed_->index().spanCount() == 0);
    spans_->setSelectedRecord(-1);
    stats_->setStats({});
    rangeRect_->setVisible(false);
    followLive_ = true;
    rowLabels_.clear();
    setSearchText(search_->text());
    updateRowLabels();
    requestReplot();
}

void TimelineView::onFeedUpdated() {
    spans_->setOrigin(feed_->origin());
    emptyNote_->setVisible(feed_->index().spanCount() == 0);
    if (!search_->text().isEmpty()) setSearchText(search_->text());  // new names may match
    updateRowLabels();
    if (followLive_) {
        const TimelineIndex& idx = feed_->index();
        const double end = std::max(spans_->toKey(idx.maxTime()), spans_->toKey(idx.minTime()) + 1e-3);
        plot_->xAxis->setRange(std::min(0.0, spans_->toKey(idx.minTime())), end * 1.02);
    }
    requestReplot();
}

void TimelineView::updateRowLabels(int axisHeight) {
    const TimelineIndex& idx = feed_->index();
    const int rows = idx.rowCount();
    // Room above the first row for half a line of text: QCustomPlot leaves out a row label
    // that would cross the widget's edge (the main track's, at the top), and a span's name
    // there was cut. `pad` rows of the axis's height H take `room` pixels when
    // pad * H / (rows + pad) = room.
    const double height = std::max(1, axisHeight >= 0 ? axisHeight : plot_->axisRect()->height());
    const double room = QFontMetricsF(plot_->yAxis->tickLabelFont()).height() / 2 + 2;
    const double shown = std::max(1, rows);
    const double pad = height > 2 * room ? room * shown / (height - room) : 0.2;
    plot_->yAxis->setRange(-pad, shown);
    // The labels again on every update, not only when rows appear: a track's name can
    // arrive after its rows (a finished trace's names are read once more at the end).
    QStringList labels;
    for (int r = 0; r < rows; ++r) labels << QString::fromStdString(idx.rowLabel(r));
    if (labels == rowLabels_) return;
    rowLabels_ = labels;
    auto ticker = qSharedPointerCast<QCPAxisTickerText>(plot_->yAxis->ticker());
    ticker->clear();
    for (int r = 0; r < rows; ++r)
        if (!labels[r].isEmpty()) ticker->addTick(r + 0.5, labels[r]);
}

void TimelineView::resetView() {
    followLive_ = true;
    onFeedUpdated();
}

std::int64_t TimelineView::recordAt(const QPointF& pos) const {
    const int row = static_cast<int>(std::floor(plot_->yAxis->pixelToCoord(pos.y())));
    const std::int64_t t = spans_->toNs(plot_->xAxis->pixelToCoord(pos.x()));
    // Two pixels of slack so hair-thin spans can still be hovered.
    const double nsPerPixel = plot_->xAxis->range().size() * 1e6 / std::max(1, plot_->axisRect()->width());
    return feed_->index().spanAt(row, t, static_cast<std::int64_t>(2 * nsPerPixel));
}

QString TimelineView::describeRecord(std::int64_t record) const {
    const TimelineIndex& idx = feed_->index();
    if (record < 0 || static_cast<std::size_t>(record) >= idx.spanCount()) return {};
    const TimelineRecord& r = idx.record(static_cast<std::uint32_t>(record));
    QString text = QStringLiteral("<b>%1</b> (%2)<br>%3, at %4 ms<br>%5")
                       .arg(QString::fromStdString(idx.name(r.name)).toHtmlEscaped(),
                            QString::fromStdString(idx.categoryName(r.category)),
                            durationText(static_cast<double>(r.duration)))
                       .arg(spans_->toKey(r.start), 0, 'f', 3)
                       .arg(QString::fromStdString(idx.tracks()[static_cast<std::size_t>(r.track)].name).toHtmlEscaped());
    for (const auto& [key, value] : idx.args(r.args))
        text += QStringLiteral("<br>%1: %2").arg(QString::fromStdString(key).toHtmlEscaped(),
                                                 QString::fromStdString(value).toHtmlEscaped());
    // Where its flows lead: the kernel a launch started, or the launch of a kernel.
    for (const TimelineFlow& f : idx.flows().of(idx, static_cast<std::uint32_t>(record))) {
        const bool outgoing = f.fromRecord == record;
        const std::int64_t other = outgoing ? f.toRecord : f.fromRecord;
        if (other < 0) continue;
        const TimelineRecord& o = idx.record(static_cast<std::uint32_t>(other));
        text += QStringLiteral("<br>%1 %2 (%3)")
                    .arg(outgoing ? QStringLiteral("→") : QStringLiteral("←"),
                         QString::fromStdString(idx.name(o.name)).toHtmlEscaped(),
                         QString::fromStdString(idx.tracks()[static_cast<std::size_t>(o.track)].name).toHtmlEscaped());
    }
    return text;
}

void TimelineView::onMousePress(QMouseEvent* event) {
    if (event->button() == Qt::LeftButton && (event->modifiers() & Qt::ShiftModifier)) {
        draggingRange_ = true;
        rangeStartMs_ = plot_->xAxis->pixelToCoord(event->position().x());
        plot_->setInteraction(QCP::iRangeDrag, false);  // this drag selects, it does not pan
    }
}

void TimelineView::onMouseMove(QMouseEvent* event) {
    if (draggingRange_) {
        const double now = plot_->xAxis->pixelToCoord(event->position().x());
        rangeRect_->topLeft->setCoords(std::min(rangeStartMs_, now), -1);
        rangeRect_->bottomRight->setCoords(std::max(rangeStartMs_, now), feed_->index().rowCount() + 1);
        rangeRect_->setVisible(true);
        requestReplot();
        return;
    }
    if (event->buttons() & Qt::LeftButton) {
        followLive_ = false;  // panning
        return;
    }
    const std::int64_t record = recordAt(event->position());
    if (record >= 0)
        QToolTip::showText(event->globalPosition().toPoint(), describeRecord(record), plot_);
    else
        QToolTip::hideText();
}

void TimelineView::onMouseRelease(QMouseEvent* event) {
    if (draggingRange_) {
        draggingRange_ = false;
        plot_->setInteraction(QCP::iRangeDrag, true);
        selectRange(rangeStartMs_, plot_->xAxis->pixelToCoord(event->position().x()));
        return;
    }
    if (event->button() == Qt::LeftButton) selectRecord(recordAt(event->position()));
}

void TimelineView::selectRecord(std::int64_t record) {
    spans_->setSelectedRecord(record);
    if (record >= 0) {
        info_->setText(describeRecord(record).replace(QStringLiteral("<br>"), QStringLiteral(" · ")));
        info_->setToolTip(describeRecord(record));
    }
    requestReplot();
    Q_EMIT recordSelected(record);
}

std::int64_t TimelineView::selectedRecord() const {
    return spans_->selectedRecord();
}

void TimelineView::selectRange(double fromMs, double toMs) {
    if (toMs < fromMs) std::swap(fromMs, toMs);
    // Time outside the trace holds no spans: counted in, it diluted every "% of range"
    // (0-7000 ms over a 6.3 s run gave the decode 90 %).
    const TimelineIndex& idx = feed_->index();
    if (idx.spanCount() > 0) {
        fromMs = std::max(fromMs, spans_->toKey(idx.minTime()));
        toMs = std::max(fromMs, std::min(toMs, spans_->toKey(idx.maxTime())));
    }
    stats_->setStats(feed_->index().statsInRange(spans_->toNs(fromMs), spans_->toNs(toMs)));
    rangeRect_->topLeft->setCoords(fromMs, -1);
    rangeRect_->bottomRight->setCoords(toMs, feed_->index().rowCount() + 1);
    rangeRect_->setVisible(true);
    info_->setText(tr("Range %1 – %2 ms: %3 span names (see Range statistics)")
                       .arg(fromMs, 0, 'f', 2)
                       .arg(toMs, 0, 'f', 2)
                       .arg(stats_->rowCount()));
    requestReplot();
    Q_EMIT rangeSelected(fromMs, toMs);
}

void TimelineView::setEmptyNote(const QString& text) {
    emptyNote_->setText(text);
    requestReplot();
}

QString TimelineView::emptyText() const {
    return emptyNote_->visible() ? emptyNote_->text() : QString();
}

void TimelineView::clearRange() {
    rangeRect_->setVisible(false);
    stats_->setStats({});
    requestReplot();
}

void TimelineView::setLegendVisible(bool visible) { legend_->setVisible(visible); }

void TimelineView::setSearchText(const QString& text) {
    if (search_->text() != text) {
        search_->setText(text);  // comes back here through textChanged
        return;
    }
    const std::vector<bool> flags = feed_->index().matchNames(text.trimmed().toStdString());
    matches_ = text.trimmed().isEmpty() ? 0 : feed_->index().countMatches(flags);
    spans_->setHighlight(text.trimmed().isEmpty() ? std::vector<bool>() : flags);
    if (!text.trimmed().isEmpty()) info_->setText(tr("%n span(s) match", nullptr, static_cast<int>(matches_)));
    requestReplot();
}

}  // namespace tsui
