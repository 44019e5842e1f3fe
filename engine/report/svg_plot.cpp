#include "report/svg_plot.h"

#include "core/format_bytes.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ts::svg {

namespace {

const char* const kPalette[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f"};

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

std::string axisLabel(double v, const std::string& format) {
    if (format == "bytes") return formatBytes(static_cast<std::int64_t>(v));
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
}

// A "nice" step (1, 2, 5 x 10^k) giving about `ticks` intervals over [0, top].
double niceStep(double top, int ticks) {
    if (top <= 0) return 1;
    const double raw = top / ticks, mag = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (raw <= m * mag) return m * mag;
    return 10 * mag;
}

}  // namespace

std::string escape(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
        }
    }
    return out;
}

std::string barChart(const std::vector<Bar>& bars, int width) {
    const int row = 22, labelW = 260, textW = 200, barMax = std::max(50, width - labelW - textW);
    double top = 0;
    for (const Bar& b : bars) top = std::max(top, b.value);
    const int height = row * static_cast<int>(bars.size()) + 8;
    std::string out = "<svg class=\"plot\" width=\"" + std::to_string(width) +
                      "\" height=\"" + std::to_string(height) + "\" role=\"img\">\n";
    for (std::size_t i = 0; i < bars.size(); ++i) {
        const double y = 4 + row * static_cast<double>(i);
        const double w = top > 0 ? barMax * bars[i].value / top : 0;
        out += "<text x=\"" + num(labelW - 6) + "\" y=\"" + num(y + 15) + "\" text-anchor=\"end\">" +
               escape(bars[i].label) + "</text>";
        out += "<rect x=\"" + num(labelW) + "\" y=\"" + num(y + 3) + "\" width=\"" + num(std::max(1.0, w)) +
               "\" height=\"16\" fill=\"" + kPalette[0] + "\"/>";
        out += "<text x=\"" + num(labelW + w + 6) + "\" y=\"" + num(y + 15) + "\">" + escape(bars[i].text) + "</text>\n";
    }
    return out + "</svg>\n";
}

std::vector<std::pair<double, double>> downsample(const std::vector<std::pair<double, double>>& points,
                                                  std::size_t maxPoints) {
    if (points.size() <= maxPoints || maxPoints < 4) return points;
    const std::size_t buckets = maxPoints / 2, per = (points.size() + buckets - 1) / buckets;
    std::vector<std::pair<double, double>> out;
    for (std::size_t b = 0; b < points.size(); b += per) {
        const std::size_t end = std::min(points.size(), b + per);
        auto top = std::max_element(points.begin() + b, points.begin() + end,
                                    [](const auto& p, const auto& q) { return p.second < q.second; });
        out.push_back(points[b]);
        if (top != points.begin() + b) out.push_back(*top);
    }
    if (out.back() != points.back()) out.push_back(points.back());
    return out;
}

std::string lineChart(const std::vector<Series>& series, const std::vector<Mark>& marks, const std::string& yFormat,
                      int width, int height) {
    // The top margin holds the legend (first line) and one line per mark's label: peaks of
    // different counters often fall at the same moment (the end of a run), where labels on
    // one line would print over each other.
    const double left = 90, right = 20, bottom = 40, line = 14, firstLabelY = 36;
    const double top = firstLabelY - 10 + line * static_cast<double>(std::max<std::size_t>(1, marks.size()));
    double xMax = 0, yMax = 0;
    for (const Series& s : series)
        for (const auto& [x, y] : s.points) {
            xMax = std::max(xMax, x);
            yMax = std::max(yMax, y);
        }
    // Byte axes step in binary units (64 MiB, not 95.4 MiB).
    double unit = 1;
    if (yFormat == "bytes")
        while (yMax / unit >= 1024) unit *= 1024;
    const double yStep = niceStep(yMax * 1.05 / unit, 5) * unit, yTop = std::max(yStep, std::ceil(yMax * 1.05 / yStep) * yStep);
    const double xStep = niceStep(xMax, 8), xTop = std::max(xStep, std::ceil(xMax / xStep) * xStep);
    const double plotW = width - left - right, plotH = height - top - bottom;
    auto px = [&](double x) { return left + plotW * x / xTop; };
    auto py = [&](double y) { return top + plotH * (1 - y / yTop); };
    std::string out = "<svg class=\"plot\" width=\"" + std::to_string(width) +
                      "\" height=\"" + std::to_string(height) + "\" role=\"img\">\n";
    for (double y = 0; y <= yTop + yStep / 2; y += yStep)
        out += "<line x1=\"" + num(left) + "\" x2=\"" + num(width - right) + "\" y1=\"" + num(py(y)) + "\" y2=\"" +
               num(py(y)) + "\" stroke=\"#ddd\"/><text x=\"" + num(left - 6) + "\" y=\"" + num(py(y) + 4) +
               "\" text-anchor=\"end\">" + escape(axisLabel(y, yFormat)) + "</text>\n";
    for (double x = 0; x <= xTop + xStep / 2; x += xStep)
        out += "<text x=\"" + num(px(x)) + "\" y=\"" + num(height - bottom + 16) + "\" text-anchor=\"middle\">" +
               escape(axisLabel(x, "plain")) + "</text>";
    out += "<text x=\"" + num(left + plotW / 2) + "\" y=\"" + num(height - 6) + "\" text-anchor=\"middle\">time (s)</text>\n";
    for (std::size_t i = 0; i < series.size(); ++i) {
        const Series& s = series[i];
        if (s.points.empty()) continue;
        std::string d;
        for (std::size_t k = 0; k < s.points.size(); ++k) {
            const auto& [x, y] = s.points[k];
            d += k == 0 ? "M" + num(px(x)) + " " + num(py(y)) : " H" + num(px(x)) + " V" + num(py(y));
        }
        out += "<path d=\"" + d + "\" fill=\"none\" stroke=\"" + s.color + "\" stroke-width=\"1.5\"/>\n";
        out += "<rect x=\"" + num(left + 10 + 190 * static_cast<double>(i)) + "\" y=\"4\" width=\"12\" height=\"10\" fill=\"" +
               s.color + "\"/><text x=\"" + num(left + 26 + 190 * static_cast<double>(i)) + "\" y=\"13\">" +
               escape(s.name) + "</text>\n";
    }
    for (std::size_t i = 0; i < marks.size(); ++i) {
        // The label sits above the plot on its own line, with a dashed leader, never on the data.
        const Mark& m = marks[i];
        const double labelY = firstLabelY + line * static_cast<double>(i);
        const bool flip = px(m.x) > left + plotW * 0.6;
        out += "<line x1=\"" + num(px(m.x)) + "\" x2=\"" + num(px(m.x)) + "\" y1=\"" + num(py(m.y) - 5) + "\" y2=\"" +
               num(labelY + 2) + "\" stroke=\"#d62728\" stroke-dasharray=\"3 2\"/><circle class=\"peak\" cx=\"" +
               num(px(m.x)) + "\" cy=\"" + num(py(m.y)) + "\" r=\"5\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\"/><text x=\"" +
               num(px(m.x) + (flip ? -4 : 4)) + "\" y=\"" + num(labelY) + "\" fill=\"#d62728\"" +
               (flip ? " text-anchor=\"end\"" : "") + ">" + escape(m.label) + "</text>\n";
    }
    return out + "</svg>\n";
}

std::string tileGrid(int frameWidth, int frameHeight, const std::vector<TileBox>& tiles, int width) {
    if (frameWidth <= 0 || frameHeight <= 0) return "";
    const double scale = static_cast<double>(width) / frameWidth;
    const int height = static_cast<int>(std::ceil(frameHeight * scale));
    std::string out = "<svg class=\"plot\" width=\"" + std::to_string(width + 2) +
                      "\" height=\"" + std::to_string(height + 2) + "\" role=\"img\">\n<rect x=\"1\" y=\"1\" width=\"" +
                      std::to_string(width) + "\" height=\"" + std::to_string(height) +
                      "\" fill=\"#f4f4f4\" stroke=\"#333\"/>\n";
    for (const TileBox& t : tiles) {
        const char* color = kPalette[static_cast<std::size_t>(std::max(0, t.group)) % 8];
        out += "<rect x=\"" + num(1 + t.x * scale) + "\" y=\"" + num(1 + t.y * scale) + "\" width=\"" +
               num(t.width * scale) + "\" height=\"" + num(t.height * scale) + "\" fill=\"" + color +
               "\" fill-opacity=\"0.25\" stroke=\"" + color + "\"/><text x=\"" + num(1 + (t.x + t.width / 2.0) * scale) +
               "\" y=\"" + num(5 + (t.y + t.height / 2.0) * scale) + "\" text-anchor=\"middle\">" + escape(t.label) +
               "</text>\n";
    }
    return out + "</svg>\n";
}

}  // namespace ts::svg
