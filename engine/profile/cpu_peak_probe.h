#pragma once
// The CPU's ceiling for "% of peak", measured: there is no preset table for CPUs, and what
// matters is what LibTorch reaches with the run's thread count. Two short loops, fp32: a
// GEMM (at::mm, through the BLAS) and a 3-D convolution of a decoder stage's shape
// (through oneDNN, as the decode's convolutions run); the rate of the fastest call of
// either. A GEMM alone was no ceiling: OpenBLAS's kernels ran slower than oneDNN's
// convolutions, so every decode "beat" it. Run it outside any profiled region: its ops
// would land in the trace.
#include <string>

namespace ts {

struct CpuPeak {
    double flopsPerSecond = 0;
    int threads = 0;
    int size = 0;             // the GEMM's square size
    int gemmCalls = 0;
    int convCalls = 0;
    double gemmFlopsPerSecond = 0;
    double convFlopsPerSecond = 0;
    double seconds = 0;
    // "fp32, 2 threads, fastest call of GEMM 512x512 (41 calls: 120 GFLOP/s) and 3-D
    // convolution 192->192 3x3x3 (5 calls: 210 GFLOP/s) in 0.20 s"
    std::string describe() const;
};

// threads <= 0: LibTorch's current setting. Restores the thread count afterwards. Half the
// time for each loop. Throws ts::Error(Usage) for seconds outside (0, 10] or size outside
// [16, 4096].
CpuPeak probeCpuPeak(int threads, double seconds = 0.2, int size = 512);

}  // namespace ts
