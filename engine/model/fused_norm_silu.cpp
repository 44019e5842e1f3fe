#include "model/fused_norm_silu.h"

#include "core/error.h"
#include "gpu/norm_silu_cuda.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/record_function.h>
#include <c10/core/GradMode.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

namespace ts::layers {

namespace {

// The row loops below are plain C++ the compiler vectorises; built once per ISA and
// chosen at load time, so the default x86-64 build still runs AVX2/AVX-512 code where the
// CPU has it (the machine this was measured on has AVX-512; bf16 needs its BW part for
// 16-bit lanes).
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__)
#define TS_ISA_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define TS_ISA_CLONES
#endif
#define TS_INLINE inline __attribute__((always_inline))

TS_INLINE float bitsToFloat(std::uint32_t u) {
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
}

TS_INLINE std::uint32_t floatToBits(float f) {
    std::uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
}

// Value selects (std::min/max pick between references, which the vectoriser treats as
// control flow on AVX2 and older).
TS_INLINE float minf(float a, float b) { return a < b ? a : b; }
TS_INLINE float maxf(float a, float b) { return a > b ? a : b; }

TS_INLINE float bf16ToFloat(std::uint16_t v) { return bitsToFloat(std::uint32_t(v) << 16); }

// Round to nearest even, as c10::BFloat16 does; NaN stays a quiet NaN.
TS_INLINE std::uint16_t floatToBf16(float f) {
    const std::uint32_t u = floatToBits(f);
    const std::uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
    return f != f ? std::uint16_t(0x7fc0) : std::uint16_t(rounded);
}

// exp(x) by Cody-Waite range reduction and a degree-6 polynomial (the Cephes expf
// coefficients): no library call, so the loop vectorises. Clamped to [-87, 88], where
// 2^n stays a normal float; SiLU needs no more (exp(-v) for |v| > 87 is 0 or huge either way).
TS_INLINE float expPoly(float x) {
    x = minf(maxf(x, -87.0f), 88.0f);
    // n = round(x / ln 2): adding and removing 1.5 * 2^23 rounds to nearest (|x/ln2| < 2^22).
    const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    const float r = (x - n * 0.693359375f) + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * (r * r) + r + 1.0f;
    return p * bitsToFloat(std::uint32_t(static_cast<std::int32_t>(n) + 127) << 23);
}

TS_INLINE float silu(float v) { return v / (1.0f + expPoly(-v)); }

// One (b, t, h) row: C channel rows of W values, `xStride`/`outStride` apart.
struct Row {
    const void* x;
    void* out;
    std::int64_t xStride, outStride;
    std::int64_t channels, width;
    const float* gain;  // gamma * sqrt(C) per channel
    float* inv;         // scratch, width values
};

// First pass: inv[w] = 1 / max(sqrt(sum_c x^2), 1e-12).
template <typename Load>
TS_INLINE void reciprocalNorms(const Row& r, Load load) {
    float* __restrict inv = r.inv;
    for (std::int64_t w = 0; w < r.width; ++w) inv[w] = 0.0f;
    for (std::int64_t c = 0; c < r.channels; ++c)
        for (std::int64_t w = 0; w < r.width; ++w) {
            const float v = load(c, w);
            inv[w] += v * v;
        }
    // A NaN norm stays NaN (as ATen's clamp_min keeps it; maxf would make it 1e-12).
    for (std::int64_t w = 0; w < r.width; ++w) {
        const float norm = std::sqrt(inv[w]);
        inv[w] = 1.0f / (norm < 1e-12f ? 1e-12f : norm);
    }
}

TS_ISA_CLONES void normSiluRowFloat(const Row& r) {
    const float* __restrict x = static_cast<const float*>(r.x);
    reciprocalNorms(r, [&](std::int64_t c, std::int64_t w) { return x[c * r.xStride + w]; });
    const float* __restrict inv = r.inv;
    for (std::int64_t c = 0; c < r.channels; ++c) {
        const float* __restrict xc = x + c * r.xStride;
        float* __restrict oc = static_cast<float*>(r.out) + c * r.outStride;
        const float g = r.gain[c];
        for (std::int64_t w = 0; w < r.width; ++w) oc[w] = silu(xc[w] * inv[w] * g);
    }
}

TS_ISA_CLONES void normSiluRowBf16(const Row& r) {
    const std::uint16_t* __restrict x = static_cast<const std::uint16_t*>(r.x);
    reciprocalNorms(r, [&](std::int64_t c, std::int64_t w) { return bf16ToFloat(x[c * r.xStride + w]); });
    const float* __restrict inv = r.inv;
    for (std::int64_t c = 0; c < r.channels; ++c) {
        const std::uint16_t* __restrict xc = x + c * r.xStride;
        std::uint16_t* __restrict oc = static_cast<std::uint16_t*>(r.out) + c * r.outStride;
        const float g = r.gain[c];
        for (std::int64_t w = 0; w < r.width; ++w) oc[w] = floatToBf16(silu(bf16ToFloat(xc[w]) * inv[w] * g));
    }
}

}  // namespace

bool fusedNormSiluApplies(const at::Tensor& x) {
    if (gpu::cudaNormSiluApplies(x)) return true;
    // Any strides but a unit one along W: the rows are read through the strides, so the
    // crops of exact tiles (views into the previous layer's output) need no copy. Requiring
    // a dense tensor sent every block of an exact tile to ATen's norm, mul and SiLU instead.
    return x.defined() && x.device().is_cpu() && x.dim() == 5 &&
           (x.scalar_type() == at::kFloat || x.scalar_type() == at::kBFloat16) && x.stride(4) == 1 &&
           !c10::GradMode::is_enabled();
}

void fusedRmsNormSiluInto(const at::Tensor& x, const at::Tensor& gamma, const at::Tensor& out) {
    // Shown as an op in the profile (a user scope, as the profiler's record_function regions
    // are), so the time the fused pass takes stays visible where the norm, mul and silu ops
    // used to be; on CUDA, around the kernel's launch.
    const std::vector<c10::IValue> recordedInputs{x};
    RECORD_USER_SCOPE_WITH_INPUTS("tilescope::fused_rms_norm_silu", recordedInputs);
    if (x.defined() && x.device().is_cuda()) {
        gpu::cudaRmsNormSiluInto(x, gamma, out);
        return;
    }
    if (!fusedNormSiluApplies(x) || out.sizes() != x.sizes() || out.scalar_type() != x.scalar_type() ||
        !out.device().is_cpu() || out.stride(4) != 1 || gamma.numel() != x.size(1))
        throwRuntime("fused RMS norm + SiLU: unsupported tensors (expects CPU fp32/bf16 [B,C,T,H,W] with unit stride "
                     "along W, an output of the same shape with unit stride along W, and one gain per channel)");
    const std::int64_t B = x.size(0), C = x.size(1), T = x.size(2), H = x.size(3), W = x.size(4);
    const at::Tensor gain = gamma.reshape({C}).to(at::kFloat).mul(std::sqrt(static_cast<double>(C))).contiguous();
    const float* gainData = gain.data_ptr<float>();
    const std::size_t elementBytes = x.element_size();
    const char* xBase = static_cast<const char*>(x.data_ptr());
    char* outBase = static_cast<char*>(out.data_ptr());
    const std::int64_t rows = B * T * H;
    // Rows of at least ~32k values per task: smaller ones cost more to hand out than to do.
    const std::int64_t grain = std::max<std::int64_t>(1, 32768 / std::max<std::int64_t>(1, C * W));
    const bool bf16 = x.scalar_type() == at::kBFloat16;
    const auto xs = x.strides(), os = out.strides();
    // Scratch per pool thread, made here: an allocation on a pool thread would give that
    // thread a malloc arena of its own, which stays resident.
    const int slots = std::max(1, at::get_num_threads());
    std::vector<float> scratch(static_cast<std::size_t>(slots * W));
    at::parallel_for(0, rows, grain, [&](std::int64_t begin, std::int64_t end) {
        const int tid = at::get_thread_num();
        std::vector<float> own;  // only if the pool ever numbers a thread beyond its size
        if (tid < 0 || tid >= slots) own.resize(static_cast<std::size_t>(W));
        float* inv = own.empty() ? scratch.data() + std::int64_t(tid) * W : own.data();
        for (std::int64_t row = begin; row < end; ++row) {
            const std::int64_t b = row / (T * H), t = (row / H) % T, h = row % H;
            Row r;
            r.x = xBase + (b * xs[0] + t * xs[2] + h * xs[3]) * elementBytes;
            r.out = outBase + (b * os[0] + t * os[2] + h * os[3]) * elementBytes;
            r.xStride = xs[1];
            r.outStride = os[1];
            r.channels = C;
            r.width = W;
            r.gain = gainData;
            r.inv = inv;
            if (bf16) normSiluRowBf16(r);
            else normSiluRowFloat(r);
        }
    });
}

}  // namespace ts::layers
