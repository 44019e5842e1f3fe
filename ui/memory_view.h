#pragma once
// The memory graph under the timeline: every memory counter of the run's trace
// ("rss_bytes", "heap_in_use_bytes", "allocated_bytes", "reserved_bytes",
// "device_used_bytes" on host or device tracks) as a step line over time, the budget as
// a dashed line, the peak marked. Its time axis follows the timeline's (lockTo); clicking
// the graph asks the timeline to select what ran at that moment (timeClicked).
#include "trace_feed.h"

#include <QPointer>
#include <QWidget>

#include <cstdint>
#include <map>
#include <string>
#include <utility>

class QCustomPlot;
class QCPGraph;
class QCPItemStraightLine;
class QCPItemTracer;
class QCPItemText;
class QLabel;

namespace tsui {

// A memory counter's name as the graph's legend shows it: "host rss", "GPU 0 allocated".
QString counterLabel(int pid, const std::string& name);
// The same from a run summary's memory key ("rss_bytes", "allocated_bytes@1").
QString counterLabel(const std::string& summaryKey);

class MemoryView : public QWidget {
    Q_OBJECT
public:
    explicit MemoryView(TraceFeed* feed, QWidget* parent = nullptr);

    // Keeps this graph's time axis equal to `timeline`'s, both ways, and its plot area's
    // left and right edges at the timeline's.
    void lockTo(QCustomPlot* timeline);
    void setBudgetBytes(std::int64_t bytes);  // <= 0: no line
    QCustomPlot* plot() const { return plot_; }
    int seriesCount() const { return static_cast<int>(graphs_.size()); }
    std::int64_t sampleCount(const std::string& counterName) const;  // over all pids
    double peakBytes() const { return peakValue_; }  // of all counters: the marked one
    // The highest sample of one counter (over its tracks), 0 without samples: what a
    // comparison of runs may use, where the marked peak mixes host and device memory.
    double peakOf(const std::string& counterName) const;
    double peakTimeMs() const { return peakKey_; }

Q_SIGNALS:
    void timeClicked(double ms);

protected:
    void changeEvent(QEvent* event) override;  // a palette change restyles the plot

private:
    void onFeedReset();
    void onFeedUpdated();
    // Keeps the peak label inside the plot: centred over the marker, or ending at it (peak
    // near the right edge) or starting at it (near the left edge) for the current x range.
    void placePeakLabel();
    void showLegend(bool shown);  // the legend's row above the graph, only with entries

    TraceFeed* feed_;
    QCustomPlot* plot_ = nullptr;
    QPointer<QCustomPlot> lockedTo_;  // the timeline whose margins this graph's follow (lockTo)
    QLabel* legendNote_ = nullptr;
    std::map<std::pair<int, std::string>, std::pair<QCPGraph*, std::size_t>> graphs_;  // -> graph, samples taken
    QCPItemStraightLine* budgetLine_ = nullptr;
    QCPItemTracer* peakMarker_ = nullptr;
    QCPItemText* peakLabel_ = nullptr;
    std::int64_t budgetBytes_ = 0;
    double peakValue_ = 0;
    double peakKey_ = 0;
    std::map<std::string, double> peakByCounter_;
};

}  // namespace tsui
