#pragma once
// LibTorch's CUDA caching allocator, reached where this LibTorch has one: release its
// cached blocks after a run (so the device's used memory, another process and the next
// run see them free), and cap it at a byte count to act like a smaller card
// (--simulate-vram: runs over the cap meet the real c10::OutOfMemoryError, which is how
// the OOM-retry path is exercised on a large GPU).
//
// Why this is the one file that includes a c10/cuda header: the allocator has no
// device-generic control in LibTorch 1.13 (c10::Allocator has no emptyCache or limit).
// The file compiles that part only when the LibTorch found by CMake was built with CUDA
// (TILESCOPE_TORCH_CUDA_ALLOCATOR); the CPU-only build (Debian's, CI) compiles the
// fallback, which says why it cannot.
#include <cstdint>
#include <string>

namespace ts {

// True when this build can control the allocator (the calls below can succeed).
bool cudaAllocatorControlAvailable();

// Returns the caching allocator's unused cached blocks to the driver. Empty on success,
// else why not (no CUDA LibTorch, no device).
std::string releaseCachedDeviceMemory();

// Caps the allocator's reserved bytes on `deviceIndex` at `bytes` (<= 0: no cap, the
// whole device). Allocations beyond it throw c10::OutOfMemoryError as on a card of that
// size (the CUDA context and other processes are not counted). Empty on success, else why
// not.
std::string limitDeviceMemory(int deviceIndex, std::int64_t bytes);

}  // namespace ts
