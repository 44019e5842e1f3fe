#pragma once
// The line a view shows for what it cannot show or keep, and why: wrapped, selectable
// text in the palette's bright text on its dark background, so it stands out in light and
// dark schemes alike. Hidden until a problem is set.
class QLabel;
class QString;
class QWidget;

namespace tsui {

QLabel* makeProblemLabel(const QString& objectName, QWidget* parent);

}  // namespace tsui
