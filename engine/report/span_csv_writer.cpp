#include "report/span_csv_writer.h"

#include "report/chrome_trace_writer.h"

#include <cstdio>

namespace ts {

namespace {

std::string field(const std::string& text) {
    if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
    std::string out = "\"";
    for (char c : text) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

// Fixed three decimals: ns resolution, and no locale- or exponent-dependent output.
std::string micros(std::int64_t ns) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ns) / 1000.0);
    return buf;
}

}  // namespace

void writeSpanCsv(std::ostream& out, const TraceStore::Snapshot& snapshot) {
    const std::int64_t origin = traceOriginNs(snapshot);
    out << "name,category,pid,tid,start_us,dur_us,args\n";
    std::string args;
    for (const TraceEvent& e : snapshot.events) {
        if (e.kind != TraceEvent::Kind::Span) continue;
        args.clear();
        for (const auto& [k, v] : e.args) args += (args.empty() ? "" : "; ") + k + "=" + v;
        out << field(e.name) << ',' << field(e.category) << ',' << e.pid << ',' << e.tid << ','
            << micros(e.startNs - origin) << ',' << micros(e.durationNs) << ',' << field(args) << '\n';
    }
}

void writeSpanCsv(const std::string& path, const TraceStore::Snapshot& snapshot) {
    writeAtomically(path, [&snapshot](std::ostream& f) { writeSpanCsv(f, snapshot); });
}

}  // namespace ts
