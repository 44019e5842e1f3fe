#include "gpu/device_memory.h"

#ifdef TILESCOPE_WITH_CUDA
#include <cuda_runtime_api.h>
#endif

namespace ts {

DeviceMemory queryDeviceMemory(int deviceIndex) {
    DeviceMemory m;
#ifdef TILESCOPE_WITH_CUDA
    int previous = 0;
    if (cudaGetDevice(&previous) != cudaSuccess) previous = 0;
    cudaError_t err = cudaSetDevice(deviceIndex);
    size_t freeBytes = 0, totalBytes = 0;
    if (err == cudaSuccess) err = cudaMemGetInfo(&freeBytes, &totalBytes);
    if (err != cudaSuccess) {
        m.error = cudaGetErrorString(err);
        cudaGetLastError();  // clear the sticky error so later calls are unaffected
    } else {
        m.totalBytes = static_cast<std::int64_t>(totalBytes);
        m.usedBytes = static_cast<std::int64_t>(totalBytes - freeBytes);
    }
    cudaSetDevice(previous);
#else
    (void)deviceIndex;
    m.error = "built without CUDA";
#endif
    return m;
}

}  // namespace ts
