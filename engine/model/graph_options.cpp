#include "model/graph_options.h"

#include "core/error.h"

#include <sstream>

namespace ts {

namespace {

bool* flagOf(GraphOptions& o, const std::string& name) {
    if (name == "pad-in-place") return &o.padInPlace;
    if (name == "fused-norm") return &o.fusedNorm;
    if (name == "skip-zero-history") return &o.skipZeroHistory;
    if (name == "arena") return &o.arena;
    if (name == "frame-split") return &o.frameSplit;
    if (name == "cache-bf16") return &o.cacheBf16;
    if (name == "channels-last") return &o.channelsLast;
    if (name == "cudnn-benchmark") return &o.cudnnBenchmark;
    if (name == "release-cache") return &o.releaseCache;
    if (name == "cache-host") return &o.cacheHost;
    if (name == "block-cache") return &o.blockCache;
    if (name == "unmap-freed") return &o.unmapFreed;
    return nullptr;
}

std::string acceptedNames() {
    std::string out = "none, all";
    for (const std::string& n : graphOptionNames()) out += ", " + n;
    return out;
}

}  // namespace

GraphOptions GraphOptions::allExact() {
    GraphOptions o;
    o.padInPlace = o.fusedNorm = o.skipZeroHistory = o.frameSplit = o.channelsLast = o.releaseCache = true;
    return o;
}

const std::vector<std::string>& graphOptionNames() {
    static const std::vector<std::string> names{"pad-in-place", "fused-norm", "skip-zero-history", "arena", "frame-split", "cache-bf16", "channels-last",
                                                "cudnn-benchmark", "release-cache", "cache-host", "block-cache", "unmap-freed"};
    return names;
}

GraphOptions parseGraphOptions(const std::string& text) {
    if (text.empty()) throwUsage("--opt: empty; use one of " + acceptedNames());
    if (text == "none") return GraphOptions::none();
    GraphOptions out;
    std::stringstream in(text);
    std::string name;
    while (std::getline(in, name, ',')) {
        if (name == "all") {
            GraphOptions all = GraphOptions::allExact();
            all.cacheBf16 = out.cacheBf16;  // opt-in switches named before `all` stay on
            all.arena = out.arena;
            all.cacheHost = out.cacheHost;
            all.blockCache = out.blockCache;
            all.unmapFreed = out.unmapFreed;
            out = all;
            continue;
        }
        bool* flag = flagOf(out, name);
        if (!flag) throwUsage("--opt: '" + name + "' is not one of " + acceptedNames());
        *flag = true;
    }
    return out;
}

std::string toString(const GraphOptions& options) {
    std::string out;
    GraphOptions copy = options;
    for (const std::string& n : graphOptionNames())
        if (*flagOf(copy, n)) out += (out.empty() ? "" : ",") + n;
    return out.empty() ? "none" : out;
}

GraphOptions onlyOption(const std::string& name) {
    GraphOptions o;
    bool* flag = flagOf(o, name);
    if (!flag) throwUsage("--opt: '" + name + "' is not one of " + acceptedNames());
    *flag = true;
    return o;
}

}  // namespace ts
