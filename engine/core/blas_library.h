#pragma once
// Which BLAS LibTorch's matrix products run on in this process.
//
// Debian's LibTorch links the generic libblas.so.3, and which library that is depends on
// the machine: with only libblas3 installed it is the netlib reference implementation,
// which runs the attention block's products 15-25x slower than OpenBLAS (measured: a
// 1024-pixel frame's two bmm calls 2.04 s against 0.09 s, the qkv/proj mm calls 1.4 s
// against under 0.01 s; docs/benchmarks/2026-11-26-cpu-blas.md). tilescope.sh installs
// libopenblas0-openmp, which the alternatives system then selects; this says which one a
// run actually got, so that benchmark figures name it and a slow setup is reported, not
// silently measured.
#include <string>

namespace ts {

struct BlasLibrary {
    std::string name;    // "OpenBLAS", "netlib reference BLAS", "MKL", "BLIS", "ATLAS", "unknown"
    std::string path;    // the shared object it was found in ("" if built into LibTorch)
    std::string detail;  // e.g. OpenBLAS's own configuration string
    bool reference = false;  // the unoptimised netlib implementation

    // One line, e.g. "OpenBLAS (OpenBLAS 0.3.21 DYNAMIC_ARCH ... SkylakeX MAX_THREADS=64)".
    std::string describe() const;
};

// Classifies the libraries named in a /proc/<pid>/maps text (pure: tested on samples).
BlasLibrary blasFromMappedFiles(const std::string& mapsText);

// This process: /proc/self/maps, LibTorch's own MKL, and OpenBLAS's configuration string.
BlasLibrary currentBlasLibrary();

// A warning for runs on the CPU when the BLAS is the reference one ("" otherwise).
std::string blasWarning(const BlasLibrary& blas);

}  // namespace ts
