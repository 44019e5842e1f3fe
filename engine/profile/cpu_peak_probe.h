#pragma once
// The CPU's achievable GEMM rate, measured: the roofline's ceiling for CPU runs (there is
// no preset table for CPUs, and what matters is what LibTorch reaches with the run's
// thread count). A short loop of fp32 at::mm on square matrices; the rate of the fastest
// call. Run it outside any profiled region: its ops would land in the trace.
#include <string>

namespace ts {

struct CpuPeak {
    double flopsPerSecond = 0;
    int threads = 0;
    int size = 0;
    int iterations = 0;
    double seconds = 0;
    std::string describe() const;  // "fp32 GEMM probe 512x512, 2 threads, fastest of 41 calls in 0.20 s"
};

// threads <= 0: LibTorch's current setting. Restores the thread count afterwards.
// Throws ts::Error(Usage) for seconds outside (0, 10] or size outside [16, 4096].
CpuPeak probeCpuPeak(int threads, double seconds = 0.2, int size = 512);

}  // namespace ts
