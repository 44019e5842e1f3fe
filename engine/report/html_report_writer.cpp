#include "report/html_report_writer.h"

#include "core/format_bytes.h"
#include "io/video_writer.h"
#include "report/chrome_trace_writer.h"
#include "report/profile_analysis.h"
#include "report/svg_plot.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <thread>

namespace ts {

namespace {

using svg::escape;
using json = nlohmann::json;

std::string cpuModel() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("model name", 0) == 0 && line.find(':') != std::string::npos) return line.substr(line.find(':') + 2);
    return "unknown CPU";
}

std::string text(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_float()) return reportNumber(v.get<double>());
    return v.dump();
}

std::string seconds(double s) { return reportNumber(s) + " s"; }
std::string percent(double share) { return reportNumber(100.0 * share) + "%"; }
std::string flopRate(double f) { return reportNumber(f / 1e9) + " GFLOP/s"; }

std::string row(const std::vector<std::string>& cells, const char* tag = "td") {
    std::string out = "<tr>";
    for (const std::string& c : cells) out += std::string("<") + tag + ">" + c + "</" + tag + ">";
    return out + "</tr>\n";
}

std::string table(const std::vector<std::string>& header, const std::string& rows) {
    std::vector<std::string> h;
    for (const std::string& c : header) h.push_back(escape(c));
    return "<table>" + row(h, "th") + rows + "</table>\n";
}

std::string settingsSection(const json& summary) {
    const json run = summary.value("run", json::object());
    std::string rows, settingRows, machine;
    for (const char* key : {"device", "precision", "tiling", "tiling_run", "tile_run", "tiles", "retries", "latent_shape",
                            "video_shape", "wall_s", "decode_s", "gflop"})
        if (run.contains(key)) rows += row({escape(key), escape(text(run[key]))});
    if (run.contains("settings") && run["settings"].is_object())
        for (const auto& [k, v] : run["settings"].items()) settingRows += row({escape(k), escape(text(v))});
    machine += row({"cpu", escape(cpuModel())});
    machine += row({"logical cores", std::to_string(std::thread::hardware_concurrency())});
    // The ceiling the "% of peak" figures use, and what it is (run_summary.cpp chooses it).
    const json flops = summary.value("flops", json::object());
    if (flops.contains("peak_flops_per_s") && flops["peak_flops_per_s"].is_number())
        machine += row({"peak used for %", escape(flopRate(flops["peak_flops_per_s"].get<double>()))});
    if (!flops.value("peak_note", std::string()).empty()) machine += row({"peak is", escape(flops["peak_note"].get<std::string>())});
    if (run.contains("profile") && run["profile"].is_object())
        for (const auto& [k, v] : run["profile"].items()) machine += row({"profile " + escape(k), escape(text(v))});
    return "<h2>Settings and machine</h2>\n<div class=\"row\">" + table({"run", "value"}, rows) +
           table({"setting", "value"}, settingRows) + table({"machine", "value"}, machine) + "</div>\n";
}

std::string summarySection(const json& summary) {
    std::string out = "<h2>Summary</h2>\n<p class=\"big\">total <b id=\"total\">" + seconds(summary.value("total_s", 0.0)) +
                      "</b>";
    const json flops = summary.value("flops", json::object());
    if (flops.value("total", 0.0) > 0) {
        out += " · <b id=\"flops\">" + flopRate(flops.value("flops_per_s", 0.0)) + "</b>";
        if (flops["fraction_of_peak"].is_number())
            out += " = <b id=\"of-peak\">" + percent(flops["fraction_of_peak"].get<double>()) + "</b> of peak";
    }
    if (summary.contains("coverage"))
        out += " · ops cover <b id=\"coverage\">" + percent(summary["coverage"].value("share", 0.0)) + "</b> of stage time";
    out += "</p>\n";
    std::string rows;
    const json categories = summary.value("categories", json::object());
    for (const auto& [cat, c] : categories.items())
        rows += row({escape(cat), std::to_string(c.value("count", 0)), seconds(c.value("total_s", 0.0)),
                     seconds(c.value("mean_s", 0.0)), percent(c.value("share_of_total", 0.0))});
    return out + table({"category", "spans", "sum", "mean", "sum / run (nested and concurrent spans add up)"}, rows);
}

std::string stageSection(const json& summary) {
    std::vector<svg::Bar> bars;
    std::map<std::string, json> rate;
    for (const json& s : summary.value("flops", json::object()).value("by_stage", json::array())) rate[s.value("name", "")] = s;
    std::string rows;
    for (const json& s : summary.value("stages", json::array())) {
        const std::string name = s.value("name", "");
        bars.push_back({name, s.value("total_s", 0.0), seconds(s.value("total_s", 0.0)) + " (" + percent(s.value("share", 0.0)) + ")"});
        const json& r = rate[name];
        rows += row({escape(name), std::to_string(s.value("count", 0)), seconds(s.value("total_s", 0.0)),
                     // null on CUDA: stage spans time the host's launches (profile_analysis.h)
                     r.is_object() && r.contains("flops_per_s") && r["flops_per_s"].is_number() ? flopRate(r["flops_per_s"].get<double>()) : "–",
                     r.is_object() && r["fraction_of_peak"].is_number() ? percent(r["fraction_of_peak"].get<double>()) : "–"});
    }
    if (bars.empty()) return "";
    return "<h2>Stages</h2>\n" + svg::barChart(bars) + table({"stage", "spans", "total", "achieved", "of peak"}, rows);
}

std::string memorySection(const TraceStore::Snapshot& snapshot, const json& summary) {
    const std::int64_t origin = traceOriginNs(snapshot);
    const std::vector<std::pair<std::string, std::string>> names{
        {"allocated_bytes", "#4e79a7"}, {"reserved_bytes", "#76b7b2"}, {"rss_bytes", "#f28e2b"},
        {"heap_in_use_bytes", "#9c755f"}, {"device_used_bytes", "#59a14f"}};
    std::map<std::string, svg::Series> series;
    for (const TraceEvent& e : snapshot.events) {
        if (e.kind != TraceEvent::Kind::Counter || e.category != "memory") continue;
        const std::string key = memoryCounterKey(e.pid, e.name);
        svg::Series& s = series[key];
        s.name = key;
        s.points.emplace_back((e.startNs - origin) / 1e9, e.value);
    }
    if (series.empty()) return "";
    // Two plots: what the run's tensors hold (allocator counters) and what the process or
    // device holds (samples); on one axis the tensors would be a flat line under the RSS.
    std::vector<svg::Series> lines[2];
    std::vector<svg::Mark> marks[2];
    std::string rows;
    const json memory = summary.value("memory", json::object());
    for (auto& [key, s] : series) {
        s.color = "#b07aa1";
        for (const auto& [n, c] : names)
            if (key.rfind(n, 0) == 0) s.color = c;
        std::stable_sort(s.points.begin(), s.points.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        s.points = svg::downsample(s.points, 1500);
        const int plot = key.rfind("allocated_bytes", 0) == 0 || key.rfind("reserved_bytes", 0) == 0 ? 0 : 1;
        lines[plot].push_back(s);
        if (!memory.contains(key)) continue;
        const json& m = memory[key];
        const std::string op = m.value("op", std::string());
        rows += row({escape(key), formatBytes(m.value("peak_bytes", std::int64_t{0})), seconds(m.value("peak_time_s", 0.0)),
                     escape(op.empty() ? "–" : op + (m.contains("inner_op") ? " › " + m.value("inner_op", std::string()) : "")),
                     std::to_string(m.value("samples", 0))});
        marks[plot].push_back({m.value("peak_time_s", 0.0), static_cast<double>(m.value("peak_bytes", std::int64_t{0})),
                         "peak " + key + " " + formatBytes(m.value("peak_bytes", std::int64_t{0})) + (op.empty() ? "" : " in " + op)});
    }
    std::string out = "<h2>Memory over time</h2>\n";
    bool deviceLines = false;
    for (const svg::Series& s : lines[1]) deviceLines = deviceLines || parseMemoryCounterKey(s.name).first != 0;
    if (!lines[0].empty()) out += "<h3>Tensor memory (ATen allocator)</h3>\n" + svg::lineChart(lines[0], marks[0], "bytes", 900, 240);
    const char* sampledTitle = deviceLines ? "<h3>Process and device memory (sampled)</h3>\n" : "<h3>Process memory (sampled)</h3>\n";
    if (!lines[1].empty()) out += sampledTitle + svg::lineChart(lines[1], marks[1], "bytes", 900, 240);
    return out + table({"counter", "peak", "at", "op at the peak", "samples"}, rows);
}

std::string opSection(const json& summary) {
    std::string out;
    const json ops = summary.value("ops", json::array());
    if (!ops.empty()) {
        std::vector<svg::Bar> bars;
        std::string rows;
        for (std::size_t i = 0; i < ops.size() && i < 15; ++i) {
            const json& o = ops[i];
            bars.push_back({o.value("name", ""), o.value("self_s", 0.0), seconds(o.value("self_s", 0.0)) + " (" + percent(o.value("share", 0.0)) + ")"});
            rows += row({escape(o.value("name", "")), std::to_string(o.value("count", 0)), seconds(o.value("self_s", 0.0)),
                         seconds(o.value("total_s", 0.0)), seconds(o.value("mean_s", 0.0)), percent(o.value("share", 0.0))});
        }
        out += "<h2>Top ATen ops (self time)</h2>\n" + svg::barChart(bars) +
               table({"op", "calls", "self", "total", "mean", "self share"}, rows);
    }
    if (summary.contains("coverage")) {
        const json& c = summary["coverage"];
        std::string rows;
        for (const json& g : c.value("uncovered_before", json::array()))
            rows += row({escape(g.value("op", "")), seconds(g.value("s", 0.0))});
        out += "<h3>Op coverage of stages: " + percent(c.value("share", 0.0)) + "</h3>\n<p>" + escape(c.value("note", "")) +
               ". Uncovered: " + seconds(c.value("uncovered_s", 0.0)) + " in " + std::to_string(c.value("gaps", 0)) +
               " gaps.</p>\n" + table({"gap before op", "time"}, rows);
    }
    const json cats = summary.value("categories", json::object());
    if (cats.contains("kernel")) {
        std::vector<std::pair<std::string, json>> kernels;
        const json names = cats["kernel"].value("names", json::object());
        for (const auto& [name, k] : names.items()) kernels.emplace_back(name, k);
        std::sort(kernels.begin(), kernels.end(),
                  [](const auto& a, const auto& b) { return a.second.value("total_s", 0.0) > b.second.value("total_s", 0.0); });
        std::string rows;
        for (std::size_t i = 0; i < kernels.size() && i < 15; ++i)
            rows += row({escape(kernels[i].first), std::to_string(kernels[i].second.value("count", 0)),
                         seconds(kernels[i].second.value("total_s", 0.0)), percent(kernels[i].second.value("share", 0.0))});
        out += "<h2>Top GPU kernels</h2>\n" + table({"kernel", "launches", "total", "share"}, rows);
    }
    return out;
}

std::string tileSection(const TraceStore::Snapshot& snapshot, const json& summary) {
    const json shape = summary.value("run", json::object()).value("video_shape", json::array());
    if (shape.size() != 4) return "";
    const int height = shape[2].get<int>(), width = shape[3].get<int>();
    std::map<std::string, svg::TileBox> tiles;  // by tile id: a retried tile appears once
    for (const TraceEvent& e : snapshot.events) {
        if (e.kind != TraceEvent::Kind::Span || e.category != "tile") continue;
        svg::TileBox box;
        std::string id, rect;
        for (const auto& [k, v] : e.args) {
            if (k == "tile") id = v;
            if (k == "output_rect") rect = v;
            if (k == "worker") box.group = std::atoi(v.c_str());
        }
        if (std::sscanf(rect.c_str(), "%dx%d+%d+%d", &box.width, &box.height, &box.x, &box.y) != 4) continue;
        box.label = id;
        tiles[id] = box;
    }
    std::vector<svg::TileBox> boxes;
    for (const auto& [id, b] : tiles) boxes.push_back(b);
    if (boxes.empty()) boxes.push_back({0, 0, width, height, "untiled", 0});
    return "<h2>Tile grid</h2>\n<p>" + std::to_string(boxes.size()) + " tile(s) over the " + std::to_string(width) + "x" +
           std::to_string(height) + " frame; colour = worker.</p>\n" +
           svg::tileGrid(width, height, boxes, width >= height ? 320 : std::max(120, 320 * width / height));
}

std::string frameSection(const ReportFrames& frames) {
    if (frames.empty()) return "";
    ReportFrames sorted = frames;
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string out = "<h2>Decoded frames</h2>\n<div class=\"frames\">";
    for (const auto& [index, frame] : sorted)
        out += "<figure><img alt=\"frame " + std::to_string(index) + "\" src=\"data:image/png;base64," +
               base64(encodePng(frame)) + "\"><figcaption>frame " + std::to_string(index) + "</figcaption></figure>";
    return out + "</div>\n";
}

const char* kStyle = R"(body{font:14px/1.4 "DejaVu Sans",sans-serif;margin:24px auto;max-width:1180px;color:#222}
h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ccc;padding-bottom:3px}
h3{font-size:15px}table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}
th{background:#f2f2f2}.plot{display:block;margin:8px 0;font-size:12px}.big{font-size:16px}
.frames{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0}figure img{width:256px;image-rendering:pixelated;border:1px solid #ccc}
figcaption{font-size:12px;color:#555}.notes li{color:#8a4b00}
.row{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}.row table{margin:0})";

}  // namespace

std::string reportNumber(double value) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.4g", value);
    return buf;
}

std::string base64(const std::string& bytes) {
    static const char* const kDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        const std::uint32_t b0 = static_cast<unsigned char>(bytes[i]);
        const std::uint32_t b1 = i + 1 < bytes.size() ? static_cast<unsigned char>(bytes[i + 1]) : 0;
        const std::uint32_t b2 = i + 2 < bytes.size() ? static_cast<unsigned char>(bytes[i + 2]) : 0;
        const std::uint32_t n = (b0 << 16) | (b1 << 8) | b2;
        out += kDigits[(n >> 18) & 63];
        out += kDigits[(n >> 12) & 63];
        out += i + 1 < bytes.size() ? kDigits[(n >> 6) & 63] : '=';
        out += i + 2 < bytes.size() ? kDigits[n & 63] : '=';
    }
    return out;
}

std::string htmlReport(const TraceStore::Snapshot& snapshot, const json& summary, const ReportFrames& frames) {
    std::string notes;
    for (const json& n : summary.value("notes", json::array())) notes += "<li>" + escape(text(n)) + "</li>";
    // "</" cannot appear inside the embedded JSON's script element.
    std::string data = summary.dump(-1, ' ', false, json::error_handler_t::replace);
    for (std::size_t p = data.find("</"); p != std::string::npos; p = data.find("</", p + 3)) data.replace(p, 2, "<\\/");
    std::time_t now = std::time(nullptr);
    char when[40];
    std::strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
    return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>TileScope profile report</title>\n<style>" +
           std::string(kStyle) + "</style></head>\n<body>\n<h1>TileScope profile report</h1>\n<p>" + when +
           "</p>\n" + summarySection(summary) + settingsSection(summary) + stageSection(summary) +
           memorySection(snapshot, summary) + opSection(summary) + tileSection(snapshot, summary) + frameSection(frames) +
           (notes.empty() ? "" : "<h2>Notes</h2>\n<ul class=\"notes\">" + notes + "</ul>\n") +
           "<script type=\"application/json\" id=\"summary-data\">" + data + "</script>\n</body></html>\n";
}

void writeHtmlReport(const std::string& path, const TraceStore::Snapshot& snapshot, const json& summary,
                     const ReportFrames& frames) {
    writeTextAtomically(path, htmlReport(snapshot, summary, frames));
}

}  // namespace ts
