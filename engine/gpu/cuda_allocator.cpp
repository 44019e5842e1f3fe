#include "gpu/cuda_allocator.h"

#include "core/format_bytes.h"
#include "gpu/device_memory.h"

#ifdef TILESCOPE_TORCH_CUDA_ALLOCATOR
#include <ATen/ATen.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/util/Exception.h>
#endif

#include <algorithm>

namespace ts {

#ifdef TILESCOPE_TORCH_CUDA_ALLOCATOR

bool cudaAllocatorControlAvailable() { return true; }

std::string releaseCachedDeviceMemory() {
    try {
        c10::cuda::CUDACachingAllocator::emptyCache();
        return {};
    } catch (const c10::Error& e) {
        return e.what_without_backtrace();
    }
}

std::string limitDeviceMemory(int deviceIndex, std::int64_t bytes) {
    double fraction = 1.0;
    if (bytes > 0) {
        const DeviceMemory m = queryDeviceMemory(deviceIndex);
        if (m.totalBytes <= 0) return "cannot read the size of cuda:" + std::to_string(deviceIndex) + ": " + m.error;
        if (bytes > m.totalBytes)
            return "cuda:" + std::to_string(deviceIndex) + " has only " + formatBytes(m.totalBytes);
        fraction = std::clamp(static_cast<double>(bytes) / static_cast<double>(m.totalBytes), 0.0, 1.0);
    }
    try {
        // The allocator sets itself up on LibTorch's first CUDA tensor; before that it
        // refuses a fraction. An empty tensor on the device makes sure it exists.
        at::empty({0}, at::TensorOptions().device(at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(deviceIndex))));
        c10::cuda::CUDACachingAllocator::setMemoryFraction(fraction, static_cast<c10::DeviceIndex>(deviceIndex));
        return {};
    } catch (const c10::Error& e) {
        return e.what_without_backtrace();
    }
}

#else

namespace {
const char* const kNoCudaLibTorch = "this build's LibTorch has no CUDA caching allocator (CPU-only LibTorch)";
}

bool cudaAllocatorControlAvailable() { return false; }

std::string releaseCachedDeviceMemory() { return kNoCudaLibTorch; }

std::string limitDeviceMemory(int, std::int64_t bytes) { return bytes > 0 ? kNoCudaLibTorch : std::string(); }

#endif

}  // namespace ts
