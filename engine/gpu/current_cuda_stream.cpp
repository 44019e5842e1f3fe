#include "gpu/current_cuda_stream.h"

#ifdef TILESCOPE_TORCH_CUDA_STREAMS
#include <c10/cuda/CUDAStream.h>
#endif

namespace ts::gpu {

#ifdef TILESCOPE_TORCH_CUDA_STREAMS

bool currentCudaStreamAvailable() { return true; }

void* currentCudaStream(int deviceIndex) {
    return static_cast<void*>(c10::cuda::getCurrentCUDAStream(static_cast<c10::DeviceIndex>(deviceIndex)).stream());
}

#else

bool currentCudaStreamAvailable() { return false; }

void* currentCudaStream(int) { return nullptr; }

#endif

}  // namespace ts::gpu
