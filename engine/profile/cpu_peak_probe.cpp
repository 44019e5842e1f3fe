#include "profile/cpu_peak_probe.h"

#include "core/error.h"
#include "profile/trace_event.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <cstdio>

namespace ts {

std::string CpuPeak::describe() const {
    char buf[160];
    std::snprintf(buf, sizeof buf, "fp32 GEMM probe %dx%d, %d threads, %d x in %.2f s", size, size, threads, iterations,
                  seconds);
    return buf;
}

CpuPeak probeCpuPeak(int threads, double seconds, int size) {
    if (!(seconds > 0 && seconds <= 10)) throwUsage("CPU peak probe: duration must be in (0, 10] s");
    if (size < 16 || size > 4096) throwUsage("CPU peak probe: matrix size must be in 16..4096");
    c10::InferenceMode inference;
    const int before = at::get_num_threads();
    if (threads > 0) at::set_num_threads(threads);
    CpuPeak peak;
    peak.threads = at::get_num_threads();
    peak.size = size;
    const at::Tensor a = at::rand({size, size}), b = at::rand({size, size});
    at::Tensor c = at::empty({size, size});
    at::mm_out(c, a, b);  // warm-up: first-call packing and thread start-up
    const std::int64_t start = traceNowNs();
    std::int64_t elapsed = 0;
    do {
        at::mm_out(c, a, b);
        ++peak.iterations;
        elapsed = traceNowNs() - start;
    } while (elapsed < static_cast<std::int64_t>(seconds * 1e9));
    at::set_num_threads(before);
    peak.seconds = elapsed / 1e9;
    peak.flopsPerSecond = 2.0 * size * size * static_cast<double>(size) * peak.iterations / peak.seconds;
    return peak;
}

}  // namespace ts
