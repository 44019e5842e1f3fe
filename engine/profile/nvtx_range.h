#pragma once
// NVTX ranges for the engine's spans, so that a user who runs Nsight Systems (or any
// NVTX tool) on TileScope sees the run, chunk, stage and tile structure there too, with
// or without TileScope's own trace. Built against the CUDA toolkit's header-only NVTX3;
// without a tool attached each call is a load and a branch, and in a build without the
// toolkit they are empty. Defined in nvtx_range.cpp, the only file that sees NVTX.
#include <string>

namespace ts {

void nvtxPushRange(const std::string& name);
void nvtxPopRange();
bool nvtxCompiledIn();  // false when built without the CUDA toolkit's NVTX3 headers

// RAII: one NVTX range on the calling thread (NVTX ranges are per thread, as our spans).
class NvtxRange {
public:
    explicit NvtxRange(const std::string& name) { nvtxPushRange(name); }
    ~NvtxRange() { nvtxPopRange(); }
    NvtxRange(const NvtxRange&) = delete;
    NvtxRange& operator=(const NvtxRange&) = delete;
};

}  // namespace ts
