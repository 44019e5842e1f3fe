#pragma once
// Human-readable byte counts for messages: "512 B", "12.0 KiB", "340.5 MiB", "7.63 GiB".
#include <cstdint>
#include <cmath>
#include <cstdio>
#include <string>

namespace ts {

inline std::string formatBytes(std::int64_t bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(bytes);
    int u = 0;
    while (std::abs(v) >= 1024.0 && u < 4) {
        v /= 1024.0;
        ++u;
    }
    char buf[32];
    if (u == 0)
        std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(bytes));
    else
        std::snprintf(buf, sizeof buf, u >= 3 ? "%.2f %s" : "%.1f %s", v, units[u]);
    return buf;
}

}  // namespace ts
