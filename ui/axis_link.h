#pragma once
// Two plots' x axes kept on one range (the timeline and the memory graph, the two
// timelines of a comparison): zooming or panning either moves the other.
class QCPAxis;
class QObject;

namespace tsui {

// Both ways, guarded so that setting one axis from the other does not bounce back. The
// connections live as long as `owner` (and the axes).
void linkAxisRanges(QCPAxis* a, QCPAxis* b, QObject* owner);

}  // namespace tsui
