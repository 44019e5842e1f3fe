#pragma once
// How the host's malloc treats the decoder's large, short-lived tensors.
//
// glibc's defaults give the top of the heap back to the kernel whenever more than a
// (dynamically raised) trim threshold is free, and the next tensor of that size faults
// every page in again. Page faults are expensive on the VMs this was measured on: the
// full-size 9x128x128 decode takes 240-270 k of them with the defaults and 164 k with a
// fixed 32 MiB mmap threshold and no automatic trimming, at the same peak RSS; and with
// the defaults the fault count (and so the run time) moves by tens of thousands with any
// small change in the order of allocations, such as a profiler being on
// (docs/benchmarks/2026-11-26-host-allocator.md).
#include <string>

namespace ts {

// Called once at the start of main(), before threads start. Keeps freed heap memory
// for the next tensor instead of returning it to the kernel; blocks over 32 MiB are still
// mapped and unmapped on their own. Leaves malloc alone when GLIBC_TUNABLES sets any
// glibc.malloc.* tunable. Returns what it did ("" where the C library has no such knob).
std::string configureHostAllocator();

// Gives the heap's free memory back to the kernel (after a run, so that an idle GUI does
// not hold its peak). Cheap to call; does nothing where unsupported.
void releaseFreeHostMemory();

}  // namespace ts
