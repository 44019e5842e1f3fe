#pragma once
// The report's plots as inline SVG text (no scripts, no external resources): horizontal
// bars, step lines over time with a marked point, and a tile grid. Every label is
// escaped; coordinates are computed here so the CLI draws the same plots without a
// display.
#include <cstdint>
#include <string>
#include <vector>

namespace ts::svg {

std::string escape(const std::string& text);  // for HTML text and attributes

struct Bar {
    std::string label;
    double value = 0;
    std::string text;  // shown after the bar, e.g. "0.412 s (31%)"
};
// One row per bar, scaled to the largest value.
std::string barChart(const std::vector<Bar>& bars, int width = 900);

struct Series {
    std::string name;
    std::string color;
    std::vector<std::pair<double, double>> points;  // (x, y), x ascending
};
struct Mark {
    double x = 0, y = 0;
    std::string label;
};
// Step lines (counters hold their value until the next sample), y from 0; axis labels
// through yFormat ("bytes" or "plain") and x in seconds.
std::string lineChart(const std::vector<Series>& series, const std::vector<Mark>& marks, const std::string& yFormat,
                      int width = 900, int height = 300);

struct TileBox {
    int x = 0, y = 0, width = 0, height = 0;  // output pixels
    std::string label;
    int group = 0;  // colour (worker)
};
// The frame (frameWidth x frameHeight) with each tile's rectangle, scaled to `width`.
std::string tileGrid(int frameWidth, int frameHeight, const std::vector<TileBox>& tiles, int width = 480);

// Keeps at most maxPoints per series, each bucket's first point and its maximum, so a
// peak is never lost.
std::vector<std::pair<double, double>> downsample(const std::vector<std::pair<double, double>>& points,
                                                  std::size_t maxPoints);

}  // namespace ts::svg
