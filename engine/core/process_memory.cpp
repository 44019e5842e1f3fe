#include "core/process_memory.h"

#include <fstream>
#include <string>

namespace ts {

namespace {

std::int64_t statusFieldBytes(const std::string& field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(field + ":", 0) == 0) {
            try {
                return std::stoll(line.substr(field.size() + 1)) * 1024;  // reported in kB
            } catch (const std::exception&) {
                return -1;
            }
        }
    }
    return -1;
}

}  // namespace

std::int64_t currentRssBytes() { return statusFieldBytes("VmRSS"); }
std::int64_t peakRssBytes() { return statusFieldBytes("VmHWM"); }

}  // namespace ts
