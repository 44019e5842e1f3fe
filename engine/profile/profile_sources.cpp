#include "profile/profile_sources.h"

#include "core/error.h"

#include <sstream>

namespace ts {

void ProfileSources::validate(const std::string& what) const {
    // Below 1 ms the sampler thread would compete with the decode for a core; above 1 s
    // a short run gets no sample between its first and last.
    if (samplePeriodMs < 1 || samplePeriodMs > 1000)
        throwUsage(what + ": memory sample period " + std::to_string(samplePeriodMs) + " ms is outside 1..1000 ms");
}

std::string ProfileSources::describe() const {
    std::string out;
    auto add = [&out](bool on, const char* name) {
        if (!on) return;
        if (!out.empty()) out += ",";
        out += name;
    };
    add(ops, "ops");
    add(memory, "memory");
    add(sampler, "sampler");
    add(cupti, "cupti");
    return out.empty() ? "spans" : out;
}

ProfileSources parseProfileSources(const std::string& flag, const std::string& text) {
    if (text == "on") return ProfileSources{};
    if (text == "off") return ProfileSources::none();
    ProfileSources s = ProfileSources::none();
    std::stringstream in(text);
    std::string item;
    bool anyItem = false;
    while (std::getline(in, item, ',')) {
        anyItem = true;
        if (item == "ops") s.ops = true;
        else if (item == "memory") s.memory = true;
        else if (item == "sampler") s.sampler = true;
        else if (item == "cupti") s.cupti = true;
        else
            throwUsage("--" + flag + ": unknown source '" + item +
                       "' (expected on, off, or a comma list of ops, memory, sampler, cupti)");
    }
    if (!anyItem) throwUsage("--" + flag + ": empty value (expected on, off, or ops,memory,sampler,cupti)");
    s.validate("--" + flag);
    return s;
}

}  // namespace ts
