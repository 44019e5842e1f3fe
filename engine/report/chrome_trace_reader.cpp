#include "report/chrome_trace_reader.h"

#include "core/error.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <new>

namespace ts {

namespace {

std::string readAll(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throwInput(path + ": is a folder, not a trace file");
    // A pipe or device could block the reader for ever (and the program at exit, waiting for it).
    if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec))
        throwInput(path + ": not a regular file (a pipe or a device); a trace is read from a file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throwInput(path + ": cannot open the trace");
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throwInput(path + ": cannot read the trace");
    return bytes;
}

// gzip by its magic bytes, whatever the file is called. Input is fed in pieces (zlib counts
// in 32 bits).
std::string gunzip(const std::string& path, const std::string& packed) {
    z_stream z{};
    if (inflateInit2(&z, 15 + 16) != Z_OK) throwRuntime(path + ": cannot start decompressing");
    std::string out;
    char chunk[1 << 16];
    std::size_t offset = 0;
    int status = Z_OK;
    try {
        while (status == Z_OK) {
            if (z.avail_in == 0 && offset < packed.size()) {
                const std::size_t piece = std::min<std::size_t>(packed.size() - offset, std::size_t(1) << 30);
                z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data() + offset));
                z.avail_in = static_cast<uInt>(piece);
                offset += piece;
            }
            z.next_out = reinterpret_cast<Bytef*>(chunk);
            z.avail_out = sizeof chunk;
            status = inflate(&z, Z_NO_FLUSH);
            out.append(chunk, sizeof chunk - z.avail_out);
            if (status == Z_BUF_ERROR && z.avail_in == 0 && offset == packed.size()) break;  // input ended early
            if (status == Z_BUF_ERROR) status = Z_OK;  // more input to feed
        }
    } catch (const std::bad_alloc&) {
        inflateEnd(&z);
        throwInput(path + ": the trace is too large to read into memory");
    }
    inflateEnd(&z);
    if (status != Z_STREAM_END) throwInput(path + ": the gzip data is truncated or damaged");
    return out;
}

// Args back to the model's strings: integers without a decimal point, as they were written.
std::string argText(const nlohmann::json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
    if (v.is_number_float()) {
        const double d = v.get<double>();
        if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) return std::to_string(std::int64_t(d));
        return v.dump();
    }
    return v.dump();
}

// pid and tid as the writer gives them: integers (other tools' string or fractional ids are
// not ours to map; their events are skipped).
bool numericId(const nlohmann::json& e, const char* key, std::int64_t& out) {
    const auto it = e.find(key);
    out = 0;
    if (it == e.end()) return true;
    if (it->is_number_integer()) {
        out = it->get<std::int64_t>();
        return true;
    }
    return false;
}

// A string field, or "" where the field is missing or of another type.
std::string stringField(const nlohmann::json& e, const char* key) {
    const auto it = e.find(key);
    return it != e.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Seconds in the file (µs) as nanoseconds; false for values no clock reaches (the cast
// would overflow).
bool nanosecondsOf(const nlohmann::json& us, std::int64_t& out) {
    if (!us.is_number()) return false;
    const double ns = us.get<double>() * 1000.0;
    if (!std::isfinite(ns) || std::fabs(ns) > 9.0e18) return false;
    out = std::llround(ns);
    return true;
}

}  // namespace

namespace {

// Appends one event of the file to the store; false when the model has no kind for it (or
// it lacks what that kind needs).
bool appendEvent(const nlohmann::json& e, ImportedTrace& out) {
    TraceStore& store = *out.trace;
    // Every event appended counts, and moves the origin (traceOriginNs) if it is earlier.
    const auto appended = [&out](std::int64_t startNs) {
        ++out.events;
        out.originNs = out.events == 1 ? startNs : std::min(out.originNs, startNs);
    };
    if (!e.is_object()) return false;
    const std::string ph = stringField(e, "ph");
    std::int64_t pid = 0, tid = 0;
    if (ph.empty() || !numericId(e, "pid", pid) || !numericId(e, "tid", tid)) return false;
    if (pid < 0 || pid > std::numeric_limits<int>::max()) return false;
    const std::string name = stringField(e, "name");
    const auto args = e.find("args");
    const bool hasArgs = args != e.end() && args->is_object();
    if (ph == "M") {  // track names: not events, but not skipped either
        const std::string label = hasArgs ? stringField(*args, "name") : std::string();
        if (label.empty()) return true;
        if (name == "thread_name") store.nameTrack(static_cast<int>(pid), tid, label);
        else if (name == "process_name") store.nameTrack(static_cast<int>(pid), -1, label);
        return true;
    }
    TraceEvent t;
    if (!nanosecondsOf(e.contains("ts") ? e["ts"] : nlohmann::json(), t.startNs)) return false;
    t.name = name;
    t.category = stringField(e, "cat");
    t.pid = static_cast<int>(pid);
    t.tid = tid;
    if (ph == "C") {
        // One counter event per series; our writer gives the series the counter's name.
        if (!hasArgs) return false;
        for (const auto& [key, value] : args->items()) {
            if (!value.is_number()) continue;
            TraceEvent c = t;
            c.kind = TraceEvent::Kind::Counter;
            c.name = key == name || name.empty() ? key : name + " " + key;
            c.value = value.get<double>();
            store.append(std::move(c));
            appended(t.startNs);
        }
        return true;
    }
    if (ph == "X") {
        t.kind = TraceEvent::Kind::Span;
        std::int64_t dur = 0;
        if (e.contains("dur") && nanosecondsOf(e["dur"], dur)) t.durationNs = std::max<std::int64_t>(0, dur);
    } else if (ph == "i" || ph == "I") {
        t.kind = TraceEvent::Kind::Instant;
    } else if (ph == "s" || ph == "f") {
        // Flow steps ("t") have no kind here: their ids would start a second flow.
        t.kind = ph == "f" ? TraceEvent::Kind::FlowEnd : TraceEvent::Kind::FlowStart;
        const auto id = e.find("id");
        if (id == e.end()) return false;
        t.flowId = id->is_number_unsigned() ? id->get<std::uint64_t>()
                   : id->is_number_integer() ? static_cast<std::uint64_t>(id->get<std::int64_t>())
                                             : std::hash<std::string>{}(id->dump());
    } else {
        return false;
    }
    if (hasArgs)
        for (const auto& [key, value] : args->items()) t.args.emplace_back(key, argText(value));
    const std::int64_t startNs = t.startNs;
    store.append(std::move(t));
    appended(startNs);
    return true;
}

ImportedTrace readDocument(const std::string& path, const nlohmann::json& doc) {
    const nlohmann::json* events = nullptr;
    if (doc.is_array()) events = &doc;
    else if (doc.is_object() && doc.contains("traceEvents") && doc["traceEvents"].is_array()) events = &doc["traceEvents"];
    if (!events) throwInput(path + ": not a Chrome trace (no traceEvents array)");
    ImportedTrace out;
    out.trace = std::make_shared<TraceStore>();
    for (const nlohmann::json& e : *events)
        if (!appendEvent(e, out)) ++out.skipped;
    if (doc.is_object() && doc.contains("metadata") && doc["metadata"].is_object()) {
        out.metadata = doc["metadata"];
        if (out.metadata.contains("notes") && out.metadata["notes"].is_array())
            for (const auto& n : out.metadata["notes"])
                if (n.is_string()) out.trace->note(n.get<std::string>());
    }
    if (out.skipped > 0)
        out.trace->note(std::to_string(out.skipped) + " events of " + path +
                        " were skipped (phases or fields the timeline does not show)");
    return out;
}

}  // namespace

ImportedTrace readChromeTrace(const std::string& path) {
    std::string text = readAll(path);
    if (text.size() >= 2 && static_cast<unsigned char>(text[0]) == 0x1f && static_cast<unsigned char>(text[1]) == 0x8b)
        text = gunzip(path, text);
    try {
        nlohmann::json doc;
        try {
            doc = nlohmann::json::parse(text);
        } catch (const nlohmann::json::parse_error& e) {
            throwInput(path + ": not a Chrome trace (not JSON: " + e.what() + ")");
        }
        text.clear();
        text.shrink_to_fit();
        return readDocument(path, doc);
    } catch (const nlohmann::json::exception& e) {
        // A field of an unexpected type that a check above missed: still named by the file.
        throwInput(path + ": not a trace TileScope can read (" + e.what() + ")");
    } catch (const std::bad_alloc&) {
        throwInput(path + ": the trace is too large to read into memory");
    }
}

}  // namespace ts
