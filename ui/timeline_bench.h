#pragma once
// `tilescope --bench-timeline N`: N synthetic spans (8 worker tracks, three nesting
// levels, microsecond-scale leaves like a profiled op trace) in a TimelineView of
// 1600x500 px; times the index build and full replots at several zoom levels.
#include <QString>

namespace tsui {

struct TimelineBenchResult {
    long long spans = 0;
    double buildMs = 0;           // appending and the first row build
    double replotAllMs = 0;       // mean, whole run in view
    double replotZoomedMs = 0;    // mean, 1/1000 of the run in view
    double replotPanMs = 0;       // mean, panning at a medium zoom
    long long blocksAll = 0;      // blocks drawn with everything in view
    QString describe() const;
};

TimelineBenchResult runTimelineBenchmark(long long spans, int repeats = 10);

}  // namespace tsui
