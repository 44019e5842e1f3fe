#include "report/chrome_trace_reader.h"

#include "core/error.h"

#include <zlib.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <iterator>

namespace ts {

namespace {

std::string readAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throwInput(path + ": cannot open the trace");
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) throwInput(path + ": cannot read the trace");
    return bytes;
}

// gzip by its magic bytes, whatever the file is called.
std::string gunzip(const std::string& path, const std::string& packed) {
    z_stream z{};
    if (inflateInit2(&z, 15 + 16) != Z_OK) throwRuntime(path + ": cannot start decompressing");
    std::string out;
    char chunk[1 << 16];
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data()));
    z.avail_in = static_cast<uInt>(packed.size());
    int status = Z_OK;
    while (status == Z_OK) {
        z.next_out = reinterpret_cast<Bytef*>(chunk);
        z.avail_out = sizeof chunk;
        status = inflate(&z, Z_NO_FLUSH);
        out.append(chunk, sizeof chunk - z.avail_out);
        if (status == Z_BUF_ERROR && z.avail_in == 0) break;  // input ended early
    }
    inflateEnd(&z);
    if (status != Z_STREAM_END) throwInput(path + ": the gzip data is truncated or damaged");
    return out;
}

std::int64_t nanoseconds(const nlohmann::json& us) { return std::llround(us.get<double>() * 1000.0); }

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

bool numericId(const nlohmann::json& e, const char* key, std::int64_t& out) {
    const auto it = e.find(key);
    if (it == e.end()) {
        out = 0;
        return true;
    }
    if (!it->is_number()) return false;
    out = it->get<std::int64_t>();
    return true;
}

}  // namespace

ImportedTrace readChromeTrace(const std::string& path) {
    std::string text = readAll(path);
    if (text.size() >= 2 && static_cast<unsigned char>(text[0]) == 0x1f && static_cast<unsigned char>(text[1]) == 0x8b)
        text = gunzip(path, text);
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        throwInput(path + ": not a Chrome trace (not JSON: " + e.what() + ")");
    }
    text.clear();
    text.shrink_to_fit();
    const nlohmann::json* events = nullptr;
    if (doc.is_array()) events = &doc;
    else if (doc.is_object() && doc.contains("traceEvents") && doc["traceEvents"].is_array()) events = &doc["traceEvents"];
    if (!events) throwInput(path + ": not a Chrome trace (no traceEvents array)");

    ImportedTrace out;
    out.trace = std::make_shared<TraceStore>();
    TraceStore& store = *out.trace;
    for (const nlohmann::json& e : *events) {
        if (!e.is_object() || !e.contains("ph") || !e["ph"].is_string()) {
            ++out.skipped;
            continue;
        }
        const std::string ph = e["ph"].get<std::string>();
        std::int64_t pid = 0, tid = 0;
        if (!numericId(e, "pid", pid) || !numericId(e, "tid", tid)) {
            ++out.skipped;
            continue;
        }
        const std::string name = e.value("name", std::string());
        if (ph == "M") {
            const auto args = e.find("args");
            if (args == e.end() || !args->is_object() || !args->contains("name") || !(*args)["name"].is_string()) continue;
            const std::string label = (*args)["name"].get<std::string>();
            if (name == "thread_name") store.nameTrack(static_cast<int>(pid), tid, label);
            else if (name == "process_name") store.nameTrack(static_cast<int>(pid), -1, label);
            continue;
        }
        if (!e.contains("ts") || !e["ts"].is_number()) {
            ++out.skipped;
            continue;
        }
        TraceEvent t;
        t.name = name;
        t.category = e.value("cat", std::string());
        t.pid = static_cast<int>(pid);
        t.tid = tid;
        t.startNs = nanoseconds(e["ts"]);
        const auto args = e.find("args");
        if (ph == "C") {
            // One counter event per series; our writer gives the series the counter's name.
            if (args == e.end() || !args->is_object()) continue;
            for (const auto& [key, value] : args->items()) {
                if (!value.is_number()) continue;
                TraceEvent c = t;
                c.kind = TraceEvent::Kind::Counter;
                c.name = key == name || name.empty() ? key : name + " " + key;
                c.value = value.get<double>();
                store.append(std::move(c));
                ++out.events;
            }
            continue;
        }
        if (ph == "X") {
            t.kind = TraceEvent::Kind::Span;
            t.durationNs = e.contains("dur") && e["dur"].is_number() ? std::max<std::int64_t>(0, nanoseconds(e["dur"])) : 0;
        } else if (ph == "i" || ph == "I") {
            t.kind = TraceEvent::Kind::Instant;
        } else if (ph == "s" || ph == "t" || ph == "f") {
            t.kind = ph == "f" ? TraceEvent::Kind::FlowEnd : TraceEvent::Kind::FlowStart;
            const auto id = e.find("id");
            if (id == e.end()) {
                ++out.skipped;
                continue;
            }
            t.flowId = id->is_number_unsigned() || id->is_number_integer() ? id->get<std::uint64_t>()
                                                                           : std::hash<std::string>{}(id->dump());
        } else {
            ++out.skipped;
            continue;
        }
        if (args != e.end() && args->is_object())
            for (const auto& [key, value] : args->items()) t.args.emplace_back(key, argText(value));
        store.append(std::move(t));
        ++out.events;
    }
    if (doc.is_object() && doc.contains("metadata") && doc["metadata"].is_object()) {
        out.metadata = doc["metadata"];
        if (out.metadata.contains("notes") && out.metadata["notes"].is_array())
            for (const auto& n : out.metadata["notes"])
                if (n.is_string()) store.note(n.get<std::string>());
    }
    if (out.skipped > 0)
        store.note(std::to_string(out.skipped) + " events of " + path + " were skipped (phases the timeline does not show)");
    return out;
}

}  // namespace ts
