#pragma once
// Helpers the test suites share: whole-file bytes in and out, catching the one
// ts::Error a call is expected to throw, and comparing decoded videos.
#include "core/error.h"
#include "core/process_memory.h"
#include "profile/trace_event.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

namespace ts::test {

// Why glibc's malloc statistics (ts::heapInUseBytes) cannot back a memory check here, or
// "" when they can: some C libraries do not report them, and under another allocator
// (preloaded, or a sanitizer's) they read but do not move. So they must see a known 8 MiB.
inline std::string heapStatisticsProblem() {
    const std::int64_t start = heapInUseBytes();
    if (start < 0) return "this C library does not report the heap in use";
    std::vector<std::unique_ptr<char[]>> blocks;
    for (int i = 0; i < 8192; ++i) blocks.emplace_back(new char[1024]);
    const std::int64_t seen = heapInUseBytes() - start;
    // Only a lower bound: in a process with other threads (the GUI suites) their own
    // allocations land in the same window.
    if (seen < 7 * (1 << 20))
        return "malloc statistics saw " + std::to_string(seen) + " bytes of 8 MiB: not glibc's allocator";
    return "";
}

// The top-left corner of latents [C,T,h,w]: at most `frames` latent frames of at most
// size x size (clamped like a slice), contiguous. The UI suites decode 2 frames of 8x8
// (5 frames of 64x64) to stay fast.
inline at::Tensor latentCorner(const at::Tensor& latents, std::int64_t frames, std::int64_t size) {
    return latents.narrow(1, 0, std::min(frames, latents.size(1)))
        .narrow(2, 0, std::min(size, latents.size(2)))
        .narrow(3, 0, std::min(size, latents.size(3)))
        .contiguous();
}

// Largest absolute difference of two tensors of the same shape.
inline double maxAbs(const at::Tensor& a, const at::Tensor& b) { return (a - b).abs().max().item<double>(); }

// PSNR in dB of two videos in [-1, 1] (peak-to-peak 2), accumulated in double.
inline double psnr(const at::Tensor& a, const at::Tensor& b) {
    const double mse = (a.to(at::kDouble) - b.to(at::kDouble)).pow(2).mean().item<double>();
    return 10.0 * std::log10(4.0 / mse);
}

inline std::string slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), {}};
}

inline void spit(const std::string& path, const std::string& bytes) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Runs fn and returns the ts::Error it threw; a Runtime error "NO ERROR" when it threw none.
template <typename Fn>
Error caughtError(Fn fn) {
    try {
        fn();
    } catch (const Error& e) {
        return e;
    }
    return Error(ErrorKind::Runtime, "NO ERROR");
}

// Runs fn, expects a ts::Error of `kind`; returns its message, or a marker the test's
// string checks will fail on.
template <typename Fn>
std::string expectError(Fn fn, ErrorKind kind = ErrorKind::Input) {
    const Error e = caughtError(fn);
    if (e.kind() != kind) return std::string("WRONG KIND: ") + e.what();
    return e.what();
}

// A trace event built by hand (spans need dur; flows and counters set flowId / value after).
inline TraceEvent traceEvent(TraceEvent::Kind kind, const char* name, const char* category, int pid, std::int64_t tid,
                             std::int64_t startNs, std::int64_t durationNs = 0) {
    TraceEvent e;
    e.kind = kind;
    e.name = name;
    e.category = category;
    e.pid = pid;
    e.tid = tid;
    e.startNs = startNs;
    e.durationNs = durationNs;
    return e;
}

}  // namespace ts::test
