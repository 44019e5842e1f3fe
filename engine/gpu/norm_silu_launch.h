#pragma once
// What one fused RMS norm + SiLU kernel launch needs, as plain data, and the per-position
// arithmetic the kernel runs. Shared by the CUDA kernel (gpu/norm_silu_kernel.cu, built by
// nvcc, no LibTorch), the LibTorch glue (gpu/norm_silu_cuda.cpp) and the host tests, which
// check the indexing and the arithmetic against ATen on machines without a GPU.
//
// out = silu(x / max(||x||_2 over C, 1e-12) * (gamma[c] * scale)), scale = sqrt(C): the
// same formula and order of operations as the CPU loops (model/fused_norm_silu.cpp).
#include <cmath>
#include <cstdint>
#include <cstring>
#include <initializer_list>

#if defined(__CUDACC__)
#define TS_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define TS_HOST_DEVICE inline
#endif

namespace ts::gpu {

enum class NormSiluDtype : std::int32_t { Float32 = 0, BFloat16 = 1, Float16 = 2 };

struct NormSiluLaunch {
    const void* x = nullptr;
    void* out = nullptr;
    const void* gamma = nullptr;  // C values, contiguous, the same dtype as x
    NormSiluDtype dtype = NormSiluDtype::Float32;
    float scale = 1.0f;              // sqrt(C)
    std::int64_t sizes[5] = {};      // B, C, T, H, W
    std::int64_t xStrides[5] = {};   // in elements
    std::int64_t outStrides[5] = {};
    void* stream = nullptr;          // the cudaStream_t to launch on
    // > 0: the vectorised channels-last kernel with this many lanes per position (a power
    // of two up to 32, C / vector width <= 4 per lane); makeNormSiluLaunch sets it from
    // normSiluVectorLanes. 0: the scalar kernels.
    int vectorLanes = 0;

    TS_HOST_DEVICE std::int64_t positions() const { return sizes[0] * sizes[2] * sizes[3] * sizes[4]; }
    // Channels adjacent in memory: one warp per position reads them coalesced.
    TS_HOST_DEVICE bool channelsInnermost() const { return xStrides[1] == 1; }
};

// The vectorised channels-last kernel moves 16 bytes per load and store (8 bf16/fp16 or 4
// fp32 channels) and keeps a position's channels in registers between its two passes.
constexpr int kNormSiluVectorBytes = 16;
constexpr int kNormSiluMaxVectorsPerLane = 4;

inline int normSiluElementBytes(NormSiluDtype d) { return d == NormSiluDtype::Float32 ? 4 : 2; }

// Whether the vectorised kernel can run launch a with `lanes` lanes per position: x and out
// channels-last, C a multiple of the vector width, every position's channels 16-byte
// aligned in x, out and gamma (pointers and strides), and lanes a power of two up to a
// warp that holds C's vectors at most 4 per lane.
inline bool vectorLanesValid(const NormSiluLaunch& a, int lanes) {
    const std::int64_t perVector = kNormSiluVectorBytes / normSiluElementBytes(a.dtype);
    const std::int64_t C = a.sizes[1];
    if (a.xStrides[1] != 1 || a.outStrides[1] != 1 || C <= 0 || C % perVector != 0) return false;
    if (lanes < 1 || lanes > 32 || (lanes & (lanes - 1)) != 0) return false;
    if (C / perVector > std::int64_t(lanes) * kNormSiluMaxVectorsPerLane) return false;
    for (const void* p : {a.x, static_cast<const void*>(a.out), a.gamma})
        if (reinterpret_cast<std::uintptr_t>(p) % kNormSiluVectorBytes != 0) return false;
    for (int d : {0, 2, 3, 4})
        if (a.sizes[d] > 1 && (a.xStrides[d] % perVector != 0 || a.outStrides[d] % perVector != 0)) return false;
    return true;
}

// The lanes per position makeNormSiluLaunch chooses, or 0 where the vectorised kernel does
// not apply and the scalar kernels run: the fewest (a power of two) that hold C at up to four
// vectors per lane. More positions per warp and more loads in flight per lane beat more lanes
// per position: on an H100, one 480x832 bf16 frame with 96 channels runs at 1.9 TB/s with 4
// lanes, 1.3 TB/s with 16 and 0.66 TB/s with 32 (docs/benchmarks/2026-11-26-h100-norm-flows.md).
inline int normSiluVectorLanes(const NormSiluLaunch& a) {
    const std::int64_t vectors = a.sizes[1] / (kNormSiluVectorBytes / normSiluElementBytes(a.dtype));
    int lanes = 1;
    while (lanes < 32 && std::int64_t(lanes) * kNormSiluMaxVectorsPerLane < vectors) lanes *= 2;
    return vectorLanesValid(a, lanes) ? lanes : 0;
}

// Element offsets of channel 0 of position p (b, t, h, w in row-major order) in x and out.
// Index is the type the position is split in: the kernels use 32 bits where the positions
// fit (a 64-bit division is a long software sequence on a GPU, and every thread does three).
template <typename Index = std::int64_t>
TS_HOST_DEVICE void positionOffsets(const NormSiluLaunch& a, std::int64_t position, std::int64_t& xOffset,
                                    std::int64_t& outOffset) {
    Index p = static_cast<Index>(position);
    const Index W = static_cast<Index>(a.sizes[4]), H = static_cast<Index>(a.sizes[3]),
                T = static_cast<Index>(a.sizes[2]);
    const std::int64_t w = p % W;
    p /= W;
    const std::int64_t h = p % H;
    p /= H;
    const std::int64_t t = p % T;
    const std::int64_t b = p / T;
    xOffset = b * a.xStrides[0] + t * a.xStrides[2] + h * a.xStrides[3] + w * a.xStrides[4];
    outOffset = b * a.outStrides[0] + t * a.outStrides[2] + h * a.outStrides[3] + w * a.outStrides[4];
}

// Whether positions can be split in 32-bit arithmetic.
TS_HOST_DEVICE bool positionsFit32(const NormSiluLaunch& a) { return a.positions() <= 0xffffffffLL; }

// 1 / max(norm, 1e-12), where a NaN norm stays NaN (as ATen's clamp_min keeps it): fmaxf
// would turn it into 1e-12 and the pixel's other channels into x * 1e12.
TS_HOST_DEVICE float reciprocalNorm(float sumOfSquares) {
    const float norm = sqrtf(sumOfSquares);
    return 1.0f / (norm < 1e-12f ? 1e-12f : norm);
}

// SiLU of the normalised, scaled value: ((x * inv) * gain) as the CPU loops multiply.
TS_HOST_DEVICE float normSiluValue(float x, float inv, float gain) {
    const float v = x * inv * gain;
    return v / (1.0f + expf(-v));
}

// bf16 as its 16 bits: widening is exact; narrowing rounds to nearest even (NaN stays a
// quiet NaN), as c10::BFloat16 and __float2bfloat16_rn do.
TS_HOST_DEVICE float bf16BitsToFloat(std::uint16_t bits) {
    const std::uint32_t u = std::uint32_t(bits) << 16;
#if defined(__CUDA_ARCH__)
    return __uint_as_float(u);
#else
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
#endif
}

TS_HOST_DEVICE std::uint16_t floatToBf16Bits(float f) {
#if defined(__CUDA_ARCH__)
    const std::uint32_t u = __float_as_uint(f);
#else
    std::uint32_t u;
    std::memcpy(&u, &f, sizeof u);
#endif
    if (f != f) return std::uint16_t(0x7fc0);
    return std::uint16_t((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

}  // namespace ts::gpu
