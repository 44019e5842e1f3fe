#include "color_scheme.h"

#include "qcp.h"

#include <QApplication>
#include <QStyleFactory>

namespace tsui {

bool parseColorScheme(const QString& text, ColorScheme* scheme, QString* error) {
    if (text == QLatin1String("light")) *scheme = ColorScheme::Light;
    else if (text == QLatin1String("dark")) *scheme = ColorScheme::Dark;
    else if (text == QLatin1String("system")) *scheme = ColorScheme::System;
    else {
        if (error) *error = QStringLiteral("--color-scheme: '%1' is not light, dark or system").arg(text);
        return false;
    }
    return true;
}

QPalette lightPalette() {
    QPalette p(QColor(239, 239, 239));  // Fusion's window grey; derives the other roles
    p.setColor(QPalette::Base, Qt::white);
    p.setColor(QPalette::AlternateBase, QColor(245, 245, 245));
    p.setColor(QPalette::Text, QColor(20, 20, 20));
    p.setColor(QPalette::WindowText, QColor(20, 20, 20));
    p.setColor(QPalette::ButtonText, QColor(20, 20, 20));
    p.setColor(QPalette::Highlight, QColor(48, 140, 198));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(30, 100, 200));
    return p;
}

QPalette darkPalette() {
    QPalette p;
    const QColor window(45, 47, 50), base(30, 31, 34), text(225, 225, 225), disabled(130, 130, 130);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(40, 42, 45));
    p.setColor(QPalette::ToolTipBase, QColor(60, 62, 66));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, disabled);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(55, 57, 61));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, QColor(255, 120, 120));
    p.setColor(QPalette::Light, QColor(75, 77, 81));
    p.setColor(QPalette::Midlight, QColor(62, 64, 68));
    p.setColor(QPalette::Mid, QColor(90, 92, 96));
    p.setColor(QPalette::Dark, QColor(25, 26, 28));
    p.setColor(QPalette::Shadow, Qt::black);
    p.setColor(QPalette::Highlight, QColor(55, 130, 200));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(110, 170, 240));
    for (QPalette::ColorRole role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, disabled);
    p.setColor(QPalette::Disabled, QPalette::Base, window);
    return p;
}

void applyColorScheme(QApplication& app, ColorScheme scheme) {
    if (scheme == ColorScheme::System) return;
    // Fusion draws every widget from the palette (native styles may not), so the forced
    // scheme looks the same everywhere.
    if (QStyle* fusion = QStyleFactory::create(QStringLiteral("Fusion"))) app.setStyle(fusion);
    app.setPalette(scheme == ColorScheme::Dark ? darkPalette() : lightPalette());
}

bool isDarkPalette(const QPalette& palette) {
    return palette.color(QPalette::Window).lightness() < palette.color(QPalette::WindowText).lightness();
}

void stylePlot(QCustomPlot* plot, const QPalette& palette) {
    const QColor base = palette.color(QPalette::Base);
    const QColor text = palette.color(QPalette::Text);
    QColor grid = palette.color(QPalette::Mid);
    grid.setAlpha(110);
    plot->setBackground(palette.color(QPalette::Window));
    plot->axisRect()->setBackground(base);
    for (QCPAxis* axis : plot->axisRect()->axes()) {
        axis->setBasePen(QPen(text, 1));
        axis->setTickPen(QPen(text, 1));
        axis->setSubTickPen(QPen(text, 1));
        axis->setTickLabelColor(text);
        axis->setLabelColor(text);
        axis->grid()->setPen(QPen(grid, 1, Qt::DotLine));
        axis->grid()->setZeroLinePen(QPen(grid, 1));
    }
    QColor legendBack = base;
    legendBack.setAlpha(210);
    plot->legend->setBrush(legendBack);
    plot->legend->setBorderPen(QPen(palette.color(QPalette::Mid)));
    plot->legend->setTextColor(text);
}

}  // namespace tsui
