// Light and dark palettes: --color-scheme's parser, the palettes themselves (text far
// from its background), and the views that paint their own colours (the timeline and
// memory graph are QCustomPlots, white with black axes unless told otherwise; the frame
// view's tile grid over the empty canvas) take them from the palette, also when it
// changes while they are shown.
#include "color_scheme.h"
#include "frame_view.h"
#include "memory_view.h"
#include "qcp.h"
#include "timeline_view.h"
#include "trace_feed.h"
#include "ui_test_support.h"

#include <QApplication>
#include <QTest>

#include <cmath>

using namespace tsui;
using tsui::test::span;

namespace {

ts::TraceEvent rss(std::int64_t t, double bytes) {
    ts::TraceEvent e;
    e.kind = ts::TraceEvent::Kind::Counter;
    e.name = "rss_bytes";
    e.category = "memory";
    e.startNs = t;
    e.value = bytes;
    return e;
}

// Lightness contrast, 0..255.
int contrast(const QColor& a, const QColor& b) {
    return std::abs(a.lightness() - b.lightness());
}

}  // namespace

class TestColorScheme : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void parsesTheOption() {
        ColorScheme s = ColorScheme::System;
        QString error;
        QVERIFY(parseColorScheme(QStringLiteral("dark"), &s, &error));
        QCOMPARE(s, ColorScheme::Dark);
        QVERIFY(parseColorScheme(QStringLiteral("light"), &s, &error));
        QCOMPARE(s, ColorScheme::Light);
        QVERIFY(parseColorScheme(QStringLiteral("system"), &s, &error));
        QCOMPARE(s, ColorScheme::System);
        QVERIFY(!parseColorScheme(QStringLiteral("Dark!"), &s, &error));
        QCOMPARE(error, QStringLiteral("--color-scheme: 'Dark!' is not light, dark or system"));
        QCOMPARE(s, ColorScheme::System);  // unchanged on a bad value
    }

    void palettesAreReadable() {
        const QPalette dark = darkPalette(), light = lightPalette();
        QVERIFY(isDarkPalette(dark));
        QVERIFY(!isDarkPalette(light));
        for (const QPalette& p : {dark, light}) {
            QVERIFY(contrast(p.color(QPalette::Text), p.color(QPalette::Base)) > 150);
            QVERIFY(contrast(p.color(QPalette::WindowText), p.color(QPalette::Window)) > 150);
            QVERIFY(contrast(p.color(QPalette::ButtonText), p.color(QPalette::Button)) > 130);
            QVERIFY(contrast(p.color(QPalette::HighlightedText), p.color(QPalette::Highlight)) > 90);
        }
        QVERIFY(dark.color(QPalette::Base).lightness() < 60);
        QVERIFY(light.color(QPalette::Base).lightness() > 200);
    }

    void plotsFollowThePalette() {
        TraceFeed feed;
        TimelineView timeline(&feed);
        MemoryView memory(&feed);
        timeline.setPalette(darkPalette());
        memory.setPalette(darkPalette());
        timeline.resize(600, 260);
        memory.resize(600, 200);
        feed.inject({span("stage a", "stage", 0, 4'000'000), span("decode", "run", 0, 10'000'000),
                     rss(0, 100e6), rss(5'000'000, 300e6), rss(9'000'000, 200e6)});
        const QColor text = darkPalette().color(QPalette::Text);
        const QColor base = darkPalette().color(QPalette::Base);
        for (QCustomPlot* plot : {timeline.plot(), memory.plot()}) {
            QCOMPARE(plot->axisRect()->backgroundBrush().color(), base);
            QCOMPARE(plot->xAxis->tickLabelColor(), text);
            QCOMPARE(plot->xAxis->labelColor(), text);
            QCOMPARE(plot->yAxis->basePen().color(), text);
            QCOMPARE(plot->legend->textColor(), text);
        }
        // What is painted: the plot area is dark, and its tick labels are light.
        timeline.plot()->replot(QCustomPlot::rpImmediateRefresh);
        const QImage shot = timeline.plot()->toPixmap(600, 200).toImage();
        const QRect area = timeline.plot()->axisRect()->rect();
        QVERIFY(!area.isEmpty());
        // A spot in the plot area below the last row of spans (rows occupy [0, rows)).
        const QColor bg = shot.pixelColor(area.right() - 3, area.bottom() - 3);
        QVERIFY2(bg.lightness() < 80, qPrintable(bg.name()));
        int lightPixels = 0;  // tick labels under the axis
        for (int y = area.bottom() + 4; y < std::min(shot.height(), area.bottom() + 20); ++y)
            for (int x = area.left(); x < area.right(); ++x) lightPixels += shot.pixelColor(x, y).lightness() > 170;
        QVERIFY2(lightPixels > 20, qPrintable(QString::number(lightPixels)));

        // Switching back restyles on the palette change.
        timeline.setPalette(lightPalette());
        memory.setPalette(lightPalette());
        QCOMPARE(timeline.plot()->axisRect()->backgroundBrush().color(), lightPalette().color(QPalette::Base));
        QCOMPARE(memory.plot()->xAxis->tickLabelColor(), lightPalette().color(QPalette::Text));
        QVERIFY(memory.peakBytes() > 2.9e8);
    }

    void canvasGridUsesThePalette() {
        // Before any frame the grid is drawn on the empty canvas in the palette's colours:
        // the outline in Highlight, so it shows on a dark canvas as on a light one.
        for (const QPalette& palette : {darkPalette(), lightPalette()}) {
            FrameView view;
            view.setPalette(palette);
            view.resize(300, 300);
            view.setCanvasSize(QSize(64, 64));
            view.setOverlay({{QRect(0, 0, 32, 64), QRect()}, {QRect(32, 0, 32, 64), QRect()}});
            const QImage shot = view.grab().toImage();
            const QRect target = view.imageRect();
            const QColor canvas = shot.pixelColor(target.center() + QPoint(-40, 40));
            // The divider between the two tiles: the pixel nearest the highlight colour.
            const QColor hl = palette.color(QPalette::Highlight);
            int best = 1 << 30;
            QColor line;
            for (int x = target.center().x() - 2; x <= target.center().x() + 2; ++x) {
                const QColor c = shot.pixelColor(x, target.center().y() + 40);
                const int d = std::abs(c.red() - hl.red()) + std::abs(c.green() - hl.green()) + std::abs(c.blue() - hl.blue());
                if (d < best) best = d, line = c;
            }
            QVERIFY2(best < 30, qPrintable(line.name() + " vs highlight " + hl.name()));
            // ... and it stands out from the canvas around it.
            QVERIFY2(contrast(line, canvas) > 25 || std::abs(line.hue() - canvas.hue()) > 30,
                     qPrintable(line.name() + " on " + canvas.name()));
        }
    }
};

QTEST_MAIN(TestColorScheme)
#include "test_color_scheme.moc"
