#include "report/chrome_trace_writer.h"

#include "core/error.h"
#include "io/atomic_file.h"
#include "report/gzip_ostream.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <set>

namespace ts {

namespace {

double toUs(std::int64_t ns) { return static_cast<double>(ns) / 1000.0; }

// Args are strings in the model; numbers are emitted as numbers so the viewers can sort
// and sum them (MACs, bytes). Anything not entirely a finite number stays a string.
nlohmann::json argValue(const std::string& text) {
    if (text.empty()) return text;
    char* end = nullptr;
    errno = 0;
    const long long i = std::strtoll(text.c_str(), &end, 10);
    if (errno == 0 && end && *end == '\0') return i;
    errno = 0;
    const double d = std::strtod(text.c_str(), &end);
    if (errno == 0 && end && *end == '\0' && d == d && d != std::numeric_limits<double>::infinity() &&
        d != -std::numeric_limits<double>::infinity())
        return d;
    return text;
}

nlohmann::json argsJson(const TraceEvent& e) {
    nlohmann::json args = nlohmann::json::object();
    for (const auto& [k, v] : e.args) args[k] = argValue(v);
    return args;
}

std::string processName(int pid) {
    return pid == 0 ? std::string("host") : "CUDA device " + std::to_string(pid - 1);
}

}  // namespace

std::int64_t traceOriginNs(const TraceStore::Snapshot& snapshot) {
    if (snapshot.events.empty()) return 0;
    std::int64_t origin = std::numeric_limits<std::int64_t>::max();
    for (const TraceEvent& e : snapshot.events) origin = std::min(origin, e.startNs);
    return origin;
}

namespace {

nlohmann::json eventJson(const TraceEvent& e, std::int64_t origin) {
    nlohmann::json j{{"name", e.name}, {"pid", e.pid}, {"tid", e.tid}, {"ts", toUs(e.startNs - origin)}};
    if (!e.category.empty()) j["cat"] = e.category;
    switch (e.kind) {
    case TraceEvent::Kind::Span:
        j["ph"] = "X";
        j["dur"] = toUs(std::max<std::int64_t>(0, e.durationNs));
        j["args"] = argsJson(e);
        break;
    case TraceEvent::Kind::Counter:
        // Chrome plots each key of args as a series of the counter `name`.
        j["ph"] = "C";
        j["args"] = {{e.name, e.value}};
        break;
    case TraceEvent::Kind::Instant:
        j["ph"] = "i";
        j["s"] = "t";
        j["args"] = argsJson(e);
        break;
    case TraceEvent::Kind::FlowStart:
    case TraceEvent::Kind::FlowEnd:
        // bp "e": bind to the enclosing slice (the launch, the kernel) rather than
        // to the next slice that starts on the track.
        j["ph"] = e.kind == TraceEvent::Kind::FlowStart ? "s" : "f";
        j["id"] = e.flowId;
        j["bp"] = "e";
        if (!j.contains("cat")) j["cat"] = "flow";  // viewers match flows by (cat, id)
        break;
    }
    return j;
}

std::string dumped(const nlohmann::json& j) {
    // Invalid UTF-8 in a name (a path, a kernel name) must not abort the export.
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

void writeChromeTrace(std::ostream& out, const TraceStore::Snapshot& snapshot, const nlohmann::json& metadata) {
    const std::int64_t origin = traceOriginNs(snapshot);
    out << "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[";
    bool first = true;
    auto emit = [&](const nlohmann::json& j) {
        out << (first ? "\n" : ",\n") << dumped(j);
        first = false;
    };
    // Name every process that has events or named tracks, then the named tracks.
    std::set<int> pids;
    for (const TraceEvent& e : snapshot.events) pids.insert(e.pid);
    for (const auto& t : snapshot.tracks) pids.insert(t.pid);
    for (int pid : pids)
        emit({{"ph", "M"}, {"name", "process_name"}, {"pid", pid}, {"tid", 0}, {"args", {{"name", processName(pid)}}}});
    for (const auto& t : snapshot.tracks)
        emit({{"ph", "M"}, {"name", "thread_name"}, {"pid", t.pid}, {"tid", t.tid}, {"args", {{"name", t.name}}}});
    for (const TraceEvent& e : snapshot.events) emit(eventJson(e, origin));

    nlohmann::json meta = metadata.is_object() ? metadata : nlohmann::json::object();
    nlohmann::json notes = meta.contains("notes") && meta["notes"].is_array() ? meta["notes"] : nlohmann::json::array();
    for (const std::string& n : snapshot.notes) notes.push_back(n);
    meta["notes"] = notes;
    out << "\n],\"metadata\":" << dumped(meta) << "}\n";
}

void writeAtomically(const std::string& path, const std::function<void(std::ostream&)>& write) {
    AtomicOutput out(path, AtomicOutput::Kind::File);  // an unwritable place is an Input error here
    {
        std::ofstream f(out.tempPath(), std::ios::binary | std::ios::trunc);
        errno = 0;  // a stream failure may leave errno unset: then the likely cause is named
        const auto why = [] { return errno ? std::string(std::strerror(errno)) : std::string("write failed (disk full?)"); };
        if (namesGzip(path)) {
            GzipOstream z(f);
            write(z);
            z.finish();
            if (!z) throwRuntime(path + ": cannot write output: " + (f ? std::string("compression failed") : why()));
        } else {
            write(f);
        }
        f.close();  // flushes; a full disk shows here at the latest
        if (!f) throwRuntime(path + ": cannot write output: " + why());
    }
    out.commit();
}

void writeTextAtomically(const std::string& path, const std::string& text) {
    writeAtomically(path, [&text](std::ostream& f) { f.write(text.data(), static_cast<std::streamsize>(text.size())); });
}

void writeChromeTrace(const std::string& path, const TraceStore::Snapshot& snapshot, const nlohmann::json& metadata) {
    writeAtomically(path, [&](std::ostream& f) { writeChromeTrace(f, snapshot, metadata); });
}

}  // namespace ts
