// The fused RMS norm + SiLU kernels (`--opt fused-norm` on CUDA). Built by nvcc without
// LibTorch: gpu/norm_silu_cuda.cpp fills the launch from tensors and picks the stream.
//
// ATen runs this step as five to seven kernels (the norm's reduction, clamp, division,
// two multiplications, SiLU, and in bf16 the conversions around them), each a pass over
// the activation, and pad-in-place adds a copy into the conv's padded buffer. Here it is
// one pass that writes the result straight into the padded buffer, sums in fp32. The
// vectorised channels-last kernel (the usual one) reads each position's channels once, as
// 16-byte vectors kept in registers; the scalar fallbacks read them twice (the second time
// from L1/L2).
#include "gpu/norm_silu_kernel.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

namespace ts::gpu {

namespace {

template <typename T>
struct Element;

template <>
struct Element<float> {
    using Storage = float;
    __device__ static float load(const float* p) { return *p; }
    __device__ static void store(float* p, float v) { *p = v; }
};

template <>
struct Element<__nv_bfloat16> {
    using Storage = std::uint16_t;
    __device__ static float load(const std::uint16_t* p) { return bf16BitsToFloat(*p); }
    __device__ static void store(std::uint16_t* p, float v) { *p = floatToBf16Bits(v); }
};

// Storage as raw bits, as for bf16: the vectorised kernel reads both through a union.
template <>
struct Element<__half> {
    using Storage = std::uint16_t;
    __device__ static float load(const std::uint16_t* p) { return __half2float(__ushort_as_half(*p)); }
    __device__ static void store(std::uint16_t* p, float v) { *p = __half_as_ushort(__float2half_rn(v)); }
};

constexpr int kThreads = 256;
constexpr int kWarp = 32;

// One pixel's C values in x, its C outputs and the gains: what both kernels read per pixel.
template <typename T>
struct Pixel {
    using S = typename Element<T>::Storage;
    const S* x;
    S* out;
    const S* gamma;
    std::int64_t xStride, outStride;
    float scale;

    __device__ Pixel(const NormSiluLaunch& a, std::int64_t p, bool fits32)
        : gamma(static_cast<const S*>(a.gamma)), xStride(a.xStrides[1]), outStride(a.outStrides[1]), scale(a.scale) {
        std::int64_t xo = 0, oo = 0;
        if (fits32) positionOffsets<std::uint32_t>(a, p, xo, oo);
        else positionOffsets(a, p, xo, oo);
        x = static_cast<const S*>(a.x) + xo;
        out = static_cast<S*>(a.out) + oo;
    }
    __device__ float square(std::int64_t c) const {
        const float v = Element<T>::load(x + c * xStride);
        return v * v;
    }
    __device__ void write(std::int64_t c, float inv) const {
        const float gain = Element<T>::load(gamma + c) * scale;
        Element<T>::store(out + c * outStride, normSiluValue(Element<T>::load(x + c * xStride), inv, gain));
    }
};

// Channels far apart in memory (NCDHW): one thread per pixel; neighbouring threads read
// neighbouring pixels of the same channel, so every load is coalesced.
template <typename T>
__global__ void __launch_bounds__(kThreads) normSiluPerThread(NormSiluLaunch a) {
    const std::int64_t p = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (p >= a.positions()) return;
    const Pixel<T> px(a, p, positionsFit32(a));
    const std::int64_t C = a.sizes[1];
    float sum = 0.0f;
    for (std::int64_t c = 0; c < C; ++c) sum += px.square(c);
    const float inv = reciprocalNorm(sum);
    for (std::int64_t c = 0; c < C; ++c) px.write(c, inv);
}

// Channels adjacent in memory (channels-last): one warp per pixel, lanes across the
// channels, the sum of squares reduced with shuffles.
template <typename T>
__global__ void __launch_bounds__(kThreads) normSiluPerWarp(NormSiluLaunch a) {
    const std::int64_t p = (std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x) / kWarp;
    const int lane = threadIdx.x % kWarp;
    if (p >= a.positions()) return;  // the same for the whole warp: no lane is left waiting
    const Pixel<T> px(a, p, positionsFit32(a));
    const std::int64_t C = a.sizes[1];
    float sum = 0.0f;
    for (std::int64_t c = lane; c < C; c += kWarp) sum += px.square(c);
    for (int offset = kWarp / 2; offset > 0; offset /= 2) sum += __shfl_xor_sync(0xffffffffu, sum, offset);
    const float inv = reciprocalNorm(sum);
    for (std::int64_t c = lane; c < C; c += kWarp) px.write(c, inv);
}

// Channels adjacent and 16-byte aligned (normSiluVectorLanes): `lanes` lanes per position,
// each loading 16-byte vectors of channels once into registers, so x is read once, not
// twice, and every load and store is a full 16-byte one. The scalar per-warp kernel moves
// 2 bytes per lane per instruction (bf16) and re-reads x for its second pass.
template <typename T>
__global__ void __launch_bounds__(kThreads) normSiluVectorised(NormSiluLaunch a, int lanes) {
    using S = typename Element<T>::Storage;
    constexpr int kPerVector = kNormSiluVectorBytes / int(sizeof(S));
    union Vector {
        uint4 bits;
        S e[kPerVector];
    };
    const std::int64_t thread = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    // lanes is a power of two: a shift and a mask, not a 64-bit division.
    const std::int64_t p = thread >> (__ffs(lanes) - 1);
    const int lane = int(thread & (lanes - 1));
    // Positions past the end still take part in the shuffles below (a full-warp mask), with
    // nothing loaded or stored.
    const bool active = p < a.positions();
    const int vectors = int(a.sizes[1] / kPerVector);
    Vector v[kNormSiluMaxVectorsPerLane];
    const uint4* x = nullptr;
    uint4* out = nullptr;
    float sum = 0.0f;
    if (active) {
        std::int64_t xo = 0, oo = 0;
        if (positionsFit32(a)) positionOffsets<std::uint32_t>(a, p, xo, oo);
        else positionOffsets(a, p, xo, oo);
        x = reinterpret_cast<const uint4*>(static_cast<const S*>(a.x) + xo);
        out = reinterpret_cast<uint4*>(static_cast<S*>(a.out) + oo);
#pragma unroll
        for (int k = 0; k < kNormSiluMaxVectorsPerLane; ++k) {
            const int i = lane + k * lanes;
            if (i >= vectors) break;
            v[k].bits = x[i];
#pragma unroll
            for (int j = 0; j < kPerVector; ++j) {
                const float f = Element<T>::load(&v[k].e[j]);
                sum += f * f;
            }
        }
    }
    for (int offset = lanes / 2; offset > 0; offset /= 2) sum += __shfl_xor_sync(0xffffffffu, sum, offset);
    if (!active) return;
    const float inv = reciprocalNorm(sum);
    const uint4* gamma = static_cast<const uint4*>(a.gamma);
#pragma unroll
    for (int k = 0; k < kNormSiluMaxVectorsPerLane; ++k) {
        const int i = lane + k * lanes;
        if (i >= vectors) break;
        Vector g;
        g.bits = gamma[i];
        Vector r;
#pragma unroll
        for (int j = 0; j < kPerVector; ++j)
            Element<T>::store(&r.e[j], normSiluValue(Element<T>::load(&v[k].e[j]), inv,
                                                     Element<T>::load(&g.e[j]) * a.scale));
        out[i] = r.bits;
    }
}

template <typename T>
cudaError_t launchTyped(const NormSiluLaunch& a) {
    const std::int64_t positions = a.positions();
    const auto stream = static_cast<cudaStream_t>(a.stream);
    if (const int lanes = a.vectorLanes) {
        const std::int64_t blocks = (positions * lanes + kThreads - 1) / kThreads;
        normSiluVectorised<T><<<dim3(static_cast<unsigned>(blocks)), kThreads, 0, stream>>>(a, lanes);
    } else if (a.channelsInnermost()) {
        const std::int64_t blocks = (positions * kWarp + kThreads - 1) / kThreads;
        normSiluPerWarp<T><<<dim3(static_cast<unsigned>(blocks)), kThreads, 0, stream>>>(a);
    } else {
        const std::int64_t blocks = (positions + kThreads - 1) / kThreads;
        normSiluPerThread<T><<<dim3(static_cast<unsigned>(blocks)), kThreads, 0, stream>>>(a);
    }
    return cudaGetLastError();
}

}  // namespace

const char* normSiluKernelProblem(int device) {
    int previous = -1;
    if (cudaGetDevice(&previous) != cudaSuccess) previous = -1;
    cudaError_t e = cudaSetDevice(device);
    cudaFuncAttributes attributes{};
    // The attributes exist only where the fat binary has code the device can load.
    if (e == cudaSuccess) e = cudaFuncGetAttributes(&attributes, normSiluPerWarp<__nv_bfloat16>);
    if (previous >= 0) cudaSetDevice(previous);
    // A failed query leaves its error for the next cudaGetLastError, which would be LibTorch's
    // check after its own next launch: clear it.
    cudaGetLastError();
    return e == cudaSuccess ? nullptr : cudaGetErrorString(e);
}

const char* launchNormSiluKernel(const NormSiluLaunch& a) {
    if (a.positions() <= 0 || a.sizes[1] <= 0) return nullptr;
    if (a.vectorLanes != 0 && !vectorLanesValid(a, a.vectorLanes))
        return "fused RMS norm + SiLU: the launch's vector lanes do not fit its tensors";
    // One block per 256 positions (8 per warp kernel block): the grid's x limit (2^31 - 1)
    // is far beyond any frame, but a wrong size must not wrap around silently.
    if (a.positions() > ((std::int64_t(1) << 31) - 1) * (kThreads / kWarp))
        return "fused RMS norm + SiLU: tensor too large";
    cudaError_t e = cudaSuccess;
    switch (a.dtype) {
    case NormSiluDtype::Float32: e = launchTyped<float>(a); break;
    case NormSiluDtype::BFloat16: e = launchTyped<__nv_bfloat16>(a); break;
    case NormSiluDtype::Float16: e = launchTyped<__half>(a); break;
    default: return "fused RMS norm + SiLU: unsupported dtype";
    }
    return e == cudaSuccess ? nullptr : cudaGetErrorString(e);
}

}  // namespace ts::gpu
