#pragma once
// The live timeline: one row per track (and nesting depth) of the run's trace, spans
// coloured by category, drawn by a single TimelinePlottable. Wheel zooms and drag pans
// the time axis, Reset (or double-click) shows everything; hovering shows a span's name,
// duration and args; a click selects it; Shift+drag selects a time range whose per-name
// statistics fill statsModel(); the search field highlights spans by name.
#include "span_stats_model.h"
#include "trace_feed.h"

#include <QStringList>
#include <QWidget>

#include <cstdint>
#include <optional>
#include <utility>

class QCustomPlot;
class QCPItemRect;
class QCPItemText;
class QLabel;
class QLineEdit;
class QPushButton;
class QMouseEvent;

namespace tsui {

class TimelinePlottable;

class TimelineView : public QWidget {
    Q_OBJECT
public:
    explicit TimelineView(TraceFeed* feed, QWidget* parent = nullptr);

    QCustomPlot* plot() const { return plot_; }
    TimelinePlottable* spans() const { return spans_; }
    SpanStatsModel* statsModel() const { return stats_; }

    // Time range selection in ms since the origin (what Shift+drag does).
    void selectRange(double fromMs, double toMs);
    void clearRange();
    void selectRecord(std::int64_t record);  // -1: none
    std::int64_t selectedRecord() const;
    void setSearchText(const QString& text);
    // The colour legend; a second timeline stacked under a first (Compare runs) hides its
    // own, which would repeat the first's in rows the plot needs.
    void setLegendVisible(bool visible);
    std::int64_t matchCount() const { return matches_; }
    // The note in the empty plot before any span ("" once spans are shown), and what it says.
    QString emptyText() const;
    void setEmptyNote(const QString& text);
    QString describeRecord(std::int64_t record) const;  // tooltip text
    int replotCount() const { return replots_; }

public Q_SLOTS:
    void resetView();

Q_SIGNALS:
    void recordSelected(std::int64_t record);
    void rangeSelected(double fromMs, double toMs);

protected:
    void changeEvent(QEvent* event) override;  // a palette change restyles the plot
    bool eventFilter(QObject* watched, QEvent* event) override;  // the plot's W/S/A/D/F keys

private:
    // What F zooms to (ms): the selected range or span with some room; none without one.
    std::optional<std::pair<double, double>> focusRange() const;
    void onFeedReset();
    void onFeedUpdated();
    void onMousePress(QMouseEvent* event);
    void onMouseMove(QMouseEvent* event);
    void onMouseRelease(QMouseEvent* event);
    void updateRowLabels(int axisHeight = -1);  // -1: the plot's laid-out axis height
    std::int64_t recordAt(const QPointF& pos) const;
    void requestReplot();

    TraceFeed* feed_;
    QCustomPlot* plot_ = nullptr;
    TimelinePlottable* spans_ = nullptr;
    QCPItemRect* rangeRect_ = nullptr;
    QCPItemText* emptyNote_ = nullptr;
    SpanStatsModel* stats_ = nullptr;
    QLineEdit* search_ = nullptr;
    QLabel* info_ = nullptr;
    QLabel* legend_ = nullptr;
    QPushButton* reset_ = nullptr;
    bool followLive_ = true;  // until the user zooms or pans, the view tracks the whole run
    bool draggingRange_ = false;
    double rangeStartMs_ = 0;
    std::int64_t matches_ = 0;
    QStringList rowLabels_;  // what the row axis shows, one per row ("" under a track's first)
    int replots_ = 0;
};

}  // namespace tsui
