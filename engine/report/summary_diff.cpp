#include "report/summary_diff.h"

#include "core/error.h"
#include "core/format_bytes.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <vector>

namespace ts {

namespace {

using json = nlohmann::json;

void checkSummary(const json& s, const std::string& name) {
    if (!s.is_object() || !s.contains("total_s") || !s["total_s"].is_number() || !s.contains("stages") ||
        !s["stages"].is_array())
        throwInput(name + ": not a run summary (expected \"total_s\" and \"stages\"; write one with --summary)");
}

json change(const std::string& kind, const std::string& name, double a, double b) {
    return {{"kind", kind},
            {"name", name},
            {"a", a},
            {"b", b},
            {"change", b - a},
            {"change_pct", a != 0 ? json(100.0 * (b - a) / a) : json(nullptr)}};
}

// name -> value of `key` for each element of an array of {name, key} objects.
std::map<std::string, double> valuesOf(const json& items, const char* key) {
    std::map<std::string, double> out;
    if (!items.is_array()) return out;
    for (const json& i : items)
        if (i.is_object() && i.contains("name") && i[key].is_number()) out[i["name"].get<std::string>()] += i[key].get<double>();
    return out;
}

void addAll(json& rows, const std::string& kind, const std::map<std::string, double>& a, const std::map<std::string, double>& b) {
    std::map<std::string, std::pair<double, double>> both;
    for (const auto& [n, v] : a) both[n].first = v;
    for (const auto& [n, v] : b) both[n].second = v;
    for (const auto& [n, v] : both) rows.push_back(change(kind, n, v.first, v.second));
}

void sortByChange(json& rows) {
    std::vector<json> v(rows.begin(), rows.end());
    std::stable_sort(v.begin(), v.end(), [](const json& x, const json& y) {
        return std::abs(x["change"].get<double>()) > std::abs(y["change"].get<double>());
    });
    rows = json(v);
}

std::map<std::string, double> memoryPeaks(const json& s) {
    std::map<std::string, double> out;
    if (!s.contains("memory") || !s["memory"].is_object()) return out;
    for (const auto& [key, m] : s["memory"].items())
        if (m.is_object() && m.contains("peak_bytes") && m["peak_bytes"].is_number()) out[key] = m["peak_bytes"].get<double>();
    return out;
}

std::string pct(const json& p) {
    if (!p.is_number()) return "new";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%+.1f%%", p.get<double>());
    return buf;
}

std::string secondsText(double s, bool sign) {
    char buf[32];
    std::snprintf(buf, sizeof buf, sign ? "%+.4f s" : "%.4f s", s);
    return buf;
}

std::string bytesText(double b, bool sign) {
    const std::string t = formatBytes(static_cast<std::int64_t>(std::llround(b)));
    return sign && b >= 0 ? "+" + t : t;
}

}  // namespace

json diffSummaries(const json& a, const json& b, const std::string& nameA, const std::string& nameB) {
    checkSummary(a, nameA);
    checkSummary(b, nameB);
    json time = json::array(), memory = json::array();
    addAll(time, "stage", valuesOf(a["stages"], "total_s"), valuesOf(b["stages"], "total_s"));
    addAll(time, "op", valuesOf(a.value("ops", json::array()), "self_s"), valuesOf(b.value("ops", json::array()), "self_s"));
    addAll(memory, "memory", memoryPeaks(a), memoryPeaks(b));
    sortByChange(time);
    sortByChange(memory);
    json total = change("run", "total", a["total_s"].get<double>(), b["total_s"].get<double>());
    total.erase("kind");
    total.erase("name");
    return {{"a", nameA}, {"b", nameB}, {"total", total}, {"time", time}, {"memory", memory}};
}

std::string formatSummaryDiff(const json& diff, std::size_t maxRows) {
    char line[512];
    std::string out;
    const json& t = diff["total"];
    std::snprintf(line, sizeof line, "total: %s -> %s (%s, %s)\n", secondsText(t["a"].get<double>(), false).c_str(),
                  secondsText(t["b"].get<double>(), false).c_str(), secondsText(t["change"].get<double>(), true).c_str(),
                  pct(t["change_pct"]).c_str());
    out += line;
    auto section = [&](const char* title, const json& rows, bool bytes) {
        if (rows.empty()) return;
        std::snprintf(line, sizeof line, "\n%-6s %-44s %14s %14s %14s %9s\n", "kind", title, "A", "B", "change", "%");
        out += line;
        for (std::size_t i = 0; i < rows.size() && i < maxRows; ++i) {
            const json& r = rows[i];
            auto fmt = [bytes](double v, bool sign) { return bytes ? bytesText(v, sign) : secondsText(v, sign); };
            std::string name = r["name"].get<std::string>();
            if (name.size() > 44) name = name.substr(0, 41) + "...";
            std::snprintf(line, sizeof line, "%-6s %-44s %14s %14s %14s %9s\n", r["kind"].get<std::string>().c_str(),
                          name.c_str(), fmt(r["a"].get<double>(), false).c_str(), fmt(r["b"].get<double>(), false).c_str(),
                          fmt(r["change"].get<double>(), true).c_str(), pct(r["change_pct"]).c_str());
            out += line;
        }
        if (rows.size() > maxRows) out += "(" + std::to_string(rows.size() - maxRows) + " more; --json lists all)\n";
    };
    section("time (stages; ops by self time)", diff["time"], false);
    section("memory peak", diff["memory"], true);
    return out;
}

}  // namespace ts
