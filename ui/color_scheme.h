#pragma once
// Light and dark palettes. The workbench follows the system palette; `--color-scheme
// light|dark` forces one (Fusion style with a fixed palette, the same on every desktop)
// for screenshots and tests. The QCustomPlot views do not follow the palette on their
// own (they paint white with black axes): stylePlot gives them its colours, and the views
// call it again when the palette changes.
#include <QPalette>
#include <QString>

class QApplication;
class QCustomPlot;

namespace tsui {

enum class ColorScheme { System, Light, Dark };

// "light", "dark" or "system"; false (with *error naming --color-scheme) for anything else.
bool parseColorScheme(const QString& text, ColorScheme* scheme, QString* error);
QPalette lightPalette();
QPalette darkPalette();
// System leaves the platform's style and palette alone.
void applyColorScheme(QApplication& app, ColorScheme scheme);
// Whether text is lighter than the window behind it.
bool isDarkPalette(const QPalette& palette);
// Background, axes, ticks, labels, grid and legend of `plot` in `palette`'s colours.
void stylePlot(QCustomPlot* plot, const QPalette& palette);

}  // namespace tsui
