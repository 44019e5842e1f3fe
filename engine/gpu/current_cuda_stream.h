#pragma once
// The cudaStream_t behind LibTorch's current stream on a CUDA device, for launching our own
// kernels in order with LibTorch's. c10's device-generic Stream has no portable native
// handle in LibTorch 1.13, so this one file reads it through c10/cuda where the LibTorch
// found has CUDA (TILESCOPE_TORCH_CUDA_STREAMS, set by engine/CMakeLists.txt).
namespace ts::gpu {

// Whether this build can hand out LibTorch's CUDA streams (false with a CPU-only LibTorch).
bool currentCudaStreamAvailable();

// The current stream of cuda:deviceIndex as a cudaStream_t, or nullptr where unavailable.
void* currentCudaStream(int deviceIndex);

}  // namespace ts::gpu
