#include "profile/cpu_peak_probe.h"

#include "core/error.h"
#include "profile/trace_event.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <cstdio>
#include <functional>

namespace ts {

namespace {

// The fastest call of `call` within `seconds` (at least one call after a warm-up), and how
// many ran. The fastest, not the mean: a ceiling. Another process on the cores slows some
// calls, and a mean probe taken beside one read lower than the decode it was meant to bound.
std::int64_t fastestCallNs(const std::function<void()>& call, double seconds, int* calls) {
    call();  // warm-up: first-call packing, primitive creation, thread start-up
    const std::int64_t start = traceNowNs();
    std::int64_t elapsed = 0, fastest = 0;
    do {
        const std::int64_t t0 = traceNowNs();
        call();
        const std::int64_t t1 = traceNowNs();
        if (fastest == 0 || t1 - t0 < fastest) fastest = std::max<std::int64_t>(1, t1 - t0);
        ++*calls;
        elapsed = t1 - start;
    } while (elapsed < static_cast<std::int64_t>(seconds * 1e9));
    return fastest;
}

}  // namespace

std::string CpuPeak::describe() const {
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "fp32, %d threads, fastest call of GEMM %dx%d (%d calls: %.0f GFLOP/s) and 3-D convolution "
                  "192->192 3x3x3 (%d calls: %.0f GFLOP/s) in %.2f s",
                  threads, size, size, gemmCalls, gemmFlopsPerSecond / 1e9, convCalls, convFlopsPerSecond / 1e9, seconds);
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
    const std::int64_t start = traceNowNs();

    const at::Tensor a = at::rand({size, size}), b = at::rand({size, size});
    at::Tensor c = at::empty({size, size});
    const std::int64_t gemmNs = fastestCallNs([&] { at::mm_out(c, a, b); }, seconds / 2, &peak.gemmCalls);
    peak.gemmFlopsPerSecond = 2.0 * size * size * static_cast<double>(size) / (gemmNs / 1e9);

    // A full-resolution stage's convolution of a 256 px tile, two output frames, without
    // the padding argument (the engine pads itself: the padded path is ~40x slower here).
    constexpr int kChannels = 192, kFrames = 4, kSide = 34;
    const at::Tensor x = at::rand({1, kChannels, kFrames, kSide, kSide});
    const at::Tensor w = at::rand({kChannels, kChannels, 3, 3, 3}).mul_(0.01);
    const std::int64_t convNs = fastestCallNs([&] { (void)at::conv3d(x, w); }, seconds / 2, &peak.convCalls);
    const double outputs = (kFrames - 2.0) * (kSide - 2) * (kSide - 2);
    peak.convFlopsPerSecond = 2.0 * kChannels * kChannels * 27 * outputs / (convNs / 1e9);

    at::set_num_threads(before);
    peak.seconds = (traceNowNs() - start) / 1e9;
    peak.flopsPerSecond = std::max(peak.gemmFlopsPerSecond, peak.convFlopsPerSecond);
    return peak;
}

}  // namespace ts
