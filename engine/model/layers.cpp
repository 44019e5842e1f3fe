#include "model/layers.h"

#include "core/error.h"
#include "gpu/norm_silu_cuda.h"
#include "model/fused_norm_silu.h"

#include <c10/core/GradMode.h>

#include <ATen/ATen.h>

#include <cmath>
#include <utility>

namespace ts {

void ForwardContext::checkCancelled() const {
    if (cancelled && cancelled()) throw Error(ErrorKind::Cancelled, "cancelled");
}

namespace layers {

namespace {

std::int64_t convMacs(const at::Tensor& out, const at::Tensor& w) {
    return out.numel() * (w.numel() / w.size(0));
}

}  // namespace

const at::Tensor& weight(const NamedTensors& w, const std::string& key) {
    auto it = w.find(key);
    if (it == w.end()) throwRuntime("model weight '" + key + "' is missing");
    return it->second;
}

at::Tensor conv3d(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b, at::IntArrayRef stride) {
    if (x.device().is_cpu() && x.scalar_type() == at::kFloat && w.scalar_type() == at::kFloat &&
        at::hasMKLDNN() && !c10::GradMode::is_enabled() && x.is_contiguous() && w.is_contiguous())
        return at::mkldnn_convolution(x, w, b.defined() ? c10::optional<at::Tensor>(b.contiguous()) : c10::nullopt,
                                      {0, 0, 0}, stride, {1, 1, 1}, 1);
    return at::conv3d(x, w, b, stride);
}

at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& gamma) {
    const double scale = std::sqrt(static_cast<double>(x.size(1)));
    if (x.scalar_type() == at::kFloat) {
        // One full-size result; the per-pixel reciprocal norm and the per-channel gain are
        // small, so the scaling is two broadcast multiplies into that one buffer.
        // clamp_min/reciprocal out of place: norm's backward reads its own result, so an
        // in-place op on it breaks autograd (the demo model trains through this code);
        // the tensor is 1/C of x, so the extra buffer costs nothing measurable.
        at::Tensor inv = x.norm(2, {1}, /*keepdim=*/true).clamp_min(1e-12).reciprocal();
        return at::mul(x, inv).mul_(gamma * scale);
    }
    // Reduced precision: the sum of squares and the scaling run in fp32.
    const at::Tensor xf = x.to(at::kFloat);
    at::Tensor inv = xf.norm(2, {1}, true).clamp_min(1e-12).reciprocal();  // out of place: see above
    return at::mul(xf, inv).mul_(gamma.to(at::kFloat) * scale).to(x.scalar_type());
}

at::Tensor rmsNormSilu(const at::Tensor& x, const at::Tensor& gamma) {
    at::Tensor y = rmsNorm(x, gamma);
    return at::silu_(y);
}

namespace {

// The layout of the buffers a conv reads. cuDNN runs channels-last-3d natively; LibTorch
// 1.13's CPU conv3d is slower with it. Every buffer and every tensor kept across chunks
// takes it from here: a tensor of another layout would be transposed by each copy_ into or
// out of it (a strided copy 3-5x slower than a straight one on an H200), and with a frame
// count of 1 suggest_memory_format() cannot tell the layouts apart.
at::MemoryFormat convInputFormat(const at::TensorOptions& options, const ForwardContext& ctx) {
    return ctx.graph.channelsLast && options.device().is_cuda() ? at::MemoryFormat::ChannelsLast3d
                                                                : at::MemoryFormat::Contiguous;
}

// A causal conv's input with its zero border: [B,C,pt+T,H+2ph,W+2pw]. `frames` is the
// [B,C,T,H,W] window where the producer writes x; the pt frames in front of it hold the
// causal history.
struct PaddedInput {
    at::Tensor buffer;
    at::Tensor inner;   // every frame, without the spatial border
    at::Tensor frames;  // inner's last T frames
    at::MemoryFormat format = at::MemoryFormat::Contiguous;  // the buffer's layout
    std::int64_t pt = 0;
    // skip-zero-history: one frame and no history, so the pt frames in front of it would be
    // zeros: the buffer holds the frame alone and the conv runs the kernel's last tap only.
    bool lastTapOnly = false;
};

// A padded buffer whose border (everything outside `interior`) is zero. From the arena
// (graph.arena) it is reused and its border was zeroed when it was made; with pad-in-place
// only the border is zeroed; otherwise all of it.
at::Tensor paddedBuffer(at::IntArrayRef sizes, at::IntArrayRef border, const at::TensorOptions& options,
                        at::MemoryFormat format, ForwardContext& ctx) {
    bool fresh = true;
    at::Tensor buffer = ctx.graph.arena ? ctx.arena.take(sizes, border, options, format, &fresh)
                                        : ctx.graph.padInPlace ? at::empty(sizes, options.memory_format(format))
                                                               : at::empty(sizes, options.memory_format(format)).zero_();
    if (!ctx.graph.padInPlace && !ctx.graph.arena) return buffer;  // zeros already
    if (!ctx.graph.padInPlace) return buffer.zero_();
    if (!fresh) return buffer;
    // border[d] = zero planes on each side of dimension 3 + d.
    for (int d = 0; d < 2; ++d) {
        const std::int64_t dim = 3 + d, edge = border[d], size = sizes[dim];
        if (edge == 0) continue;
        buffer.narrow(dim, 0, edge).zero_();
        buffer.narrow(dim, size - edge, edge).zero_();
    }
    return buffer;
}

PaddedInput allocatePadded(at::IntArrayRef xSizes, const at::Tensor& w, const at::TensorOptions& options,
                           bool haveHistory, ForwardContext& ctx) {
    const std::int64_t kt = w.size(2), ph = w.size(3) / 2, pw = w.size(4) / 2, pt = kt - 1;
    const std::int64_t B = xSizes[0], C = xSizes[1], T = xSizes[2], H = xSizes[3], W = xSizes[4];
    PaddedInput p;
    p.pt = pt;
    p.lastTapOnly = ctx.graph.skipZeroHistory && pt > 0 && T == 1 && !haveHistory;
    const std::int64_t front = p.lastTapOnly ? 0 : pt;  // time frames in front of x
    p.format = convInputFormat(options, ctx);
    p.buffer = paddedBuffer({B, C, front + T, H + 2 * ph, W + 2 * pw}, {ph, pw}, options, p.format, ctx);
    p.inner = p.buffer.narrow(3, ph, H).narrow(4, pw, W);
    p.frames = p.inner.narrow(2, front, T);
    // Before the first frame the time context is zeros (a reused buffer may hold another
    // layer's history there).
    if (front > 0 && !haveHistory && (ctx.graph.padInPlace || ctx.graph.arena)) p.inner.narrow(2, 0, front).zero_();
    return p;
}

// Fills the history frames, moves the history on to the last pt frames, runs the conv.
at::Tensor convPadded(PaddedInput& p, const at::Tensor& w, const at::Tensor& b, CausalHistory* history,
                      ForwardContext& ctx) {
    const std::int64_t pt = p.pt, T = p.frames.size(2);
    const bool onHost = ctx.graph.cacheHost && HostHistoryCopier::appliesTo(p.buffer);
    if (pt > 0 && history && history->frames.defined()) {
        if (onHost)
            HostHistoryCopier::load(history->frames, history->host, p.inner.narrow(2, 0, pt));
        else
            p.inner.narrow(2, 0, pt).copy_(history->frames);
    }
    if (history && pt > 0) {
        // The history is the last pt input frames: with the zero frames skipped, zeros and x.
        at::Tensor last;
        if (p.lastTapOnly) {
            const auto sz = p.frames.sizes();
            // at::zeros would drop the memory format (only empty() reads it from the options).
            last = at::empty({sz[0], sz[1], pt, sz[3], sz[4]}, p.frames.options().memory_format(p.format)).zero_();
            last.narrow(2, pt - 1, 1).copy_(p.frames);
        } else {
            last = p.inner.narrow(2, T, pt);
        }
        const bool reduce = ctx.graph.cacheBf16 && last.scalar_type() == at::kFloat;
        const at::ScalarType cacheType = reduce ? at::kBFloat16 : last.scalar_type();
        if (onHost)
            ctx.hostCopier.store(history->frames, history->host, last, cacheType, p.format);
        else if (ctx.graph.padInPlace && history->frames.defined() && history->frames.sizes() == last.sizes() &&
            history->frames.scalar_type() == cacheType)
            history->frames.copy_(last);  // same shape every chunk: no new allocation
        else
            history->frames = reduce ? last.to(last.options().dtype(at::kBFloat16), false, false, p.format)
                              : p.lastTapOnly ? last : last.clone(p.format);
    }
    // The zero frames would multiply the kernel's first pt taps: the last tap alone gives
    // the same sum (a third of the work and of the buffer for a 3-frame kernel).
    const at::Tensor kernel = p.lastTapOnly ? w.narrow(2, pt, 1).contiguous(w.suggest_memory_format()) : w;
    at::Tensor y = conv3d(p.buffer, kernel, b);
    ctx.macs += convMacs(y, kernel);
    return y;
}

// rmsNorm + SiLU written into `out` (a view of the same shape as x).
void rmsNormSiluInto(const at::Tensor& x, const at::Tensor& gamma, at::Tensor& out) {
    if (x.scalar_type() != at::kFloat) {
        out.copy_(rmsNormSilu(x, gamma));
        return;
    }
    const double scale = std::sqrt(static_cast<double>(x.size(1)));
    at::Tensor inv = x.norm(2, {1}, /*keepdim=*/true).clamp_min_(1e-12).reciprocal_();
    at::mul_out(out, x, inv);
    out.mul_(gamma * scale);
    at::silu_(out);
}

}  // namespace

at::Tensor causalConv3d(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b,
                        CausalHistory* history, ForwardContext& ctx) {
    ctx.checkCancelled();
    const std::int64_t kt = w.size(2), kh = w.size(3), kw = w.size(4);
    if (kt == 1 && kh == 1 && kw == 1) {
        at::Tensor y = conv3d(x, w, b);
        ctx.macs += convMacs(y, w);
        return y;
    }
    // One buffer holds [history | x] with the spatial zero border: one allocation and one
    // copy of x, where the reference makes a cat and a pad copy.
    PaddedInput p = allocatePadded(x.sizes(), w, x.options(), history && history->frames.defined(), ctx);
    p.frames.copy_(x);
    return convPadded(p, w, b, history, ctx);
}

namespace {

// fused-norm where it applies; on CUDA only where its kernel has code for the card (else
// the ATen ops run, as without the switch).
bool useFusedNorm(const at::Tensor& x, ForwardContext& ctx) {
    if (!ctx.graph.fusedNorm || !fusedNormSiluApplies(x)) return false;
    if (!x.is_cuda()) return true;
    if (!ctx.cudaNormSiluRuns)
        ctx.cudaNormSiluRuns = gpu::cudaNormSiluProblemOn(static_cast<int>(x.device().index())).empty();
    return *ctx.cudaNormSiluRuns;
}

}  // namespace

at::Tensor normSiluConv(at::Tensor x, const at::Tensor& gamma, const at::Tensor& w,
                        const at::Tensor& b, CausalHistory* history, ForwardContext& ctx) {
    const bool fused = useFusedNorm(x, ctx);
    if (!ctx.graph.padInPlace || (w.size(2) == 1 && w.size(3) == 1 && w.size(4) == 1)) {
        if (!fused) return causalConv3d(rmsNormSilu(x, gamma), w, b, history, ctx);
        at::Tensor y = at::empty_like(x);
        fusedRmsNormSiluInto(x, gamma, y);
        x.reset();  // dead: freed before the convolution if the caller moved it in
        return causalConv3d(y, w, b, history, ctx);
    }
    ctx.checkCancelled();
    PaddedInput p = allocatePadded(x.sizes(), w, x.options(), history && history->frames.defined(), ctx);
    if (fused)
        fusedRmsNormSiluInto(x, gamma, p.frames);
    else
        rmsNormSiluInto(x, gamma, p.frames);
    x.reset();  // freed here if the caller moved its reference in
    return convPadded(p, w, b, history, ctx);
}

at::Tensor residualBlock(at::Tensor x, const NamedTensors& w, const std::string& p,
                         CausalHistory& first, CausalHistory& second, ForwardContext& ctx) {
    at::Tensor h = x;
    auto sc = w.find(p + ".shortcut.weight");
    if (sc != w.end()) h = causalConv3d(x, sc->second, weight(w, p + ".shortcut.bias"), nullptr, ctx);
    at::Tensor y = normSiluConv(std::move(x), weight(w, p + ".residual.0.gamma"), weight(w, p + ".residual.2.weight"),
                                weight(w, p + ".residual.2.bias"), &first, ctx);
    y = normSiluConv(std::move(y), weight(w, p + ".residual.3.gamma"), weight(w, p + ".residual.6.weight"),
                     weight(w, p + ".residual.6.bias"), &second, ctx);
    return y.add_(h);
}

at::Tensor attentionBlock(const at::Tensor& x, const NamedTensors& w, const std::string& p,
                          ForwardContext& ctx) {
    ctx.checkCancelled();
    const std::int64_t B = x.size(0), C = x.size(1), T = x.size(2), H = x.size(3), W = x.size(4);
    const std::int64_t N = B * T, L = H * W;
    // [B,C,T,H,W] -> [B*T, C, H*W]: every frame attends within itself.
    at::Tensor frames = x.permute({0, 2, 1, 3, 4}).reshape({N, C, H, W});
    at::Tensor normed = rmsNorm(frames, weight(w, p + ".norm.gamma")).reshape({N, C, L});
    const at::Tensor wqkv = weight(w, p + ".to_qkv.weight").reshape({3 * C, C});
    at::Tensor qkv = at::matmul(wqkv, normed).add_(weight(w, p + ".to_qkv.bias").view({3 * C, 1}));
    at::Tensor q = qkv.narrow(1, 0, C), k = qkv.narrow(1, C, C), v = qkv.narrow(1, 2 * C, C);
    // scores[n, i, j] = q_i . k_j / sqrt(C); softmax over j in fp32.
    at::Tensor scores = at::bmm(q.transpose(1, 2), k).mul_(1.0 / std::sqrt(static_cast<double>(C)));
    at::Tensor attn = at::softmax(scores, -1, at::kFloat).to(x.scalar_type());
    at::Tensor out = at::bmm(v, attn.transpose(1, 2));  // [N, C, L]
    const at::Tensor wproj = weight(w, p + ".proj.weight").reshape({C, C});
    out = at::matmul(wproj, out).add_(weight(w, p + ".proj.bias").view({C, 1}));
    ctx.macs += N * (L * C * 3 * C + 2 * L * L * C + L * C * C);
    out = out.view({B, T, C, H, W}).permute({0, 2, 1, 3, 4});
    return out.add(x);
}

at::Tensor upsampleConv(const at::Tensor& x, const at::Tensor& w2d, const at::Tensor& b,
                        ForwardContext& ctx) {
    ctx.checkCancelled();
    const std::int64_t B = x.size(0), C = x.size(1), T = x.size(2), H = x.size(3), W = x.size(4);
    if (ctx.graph.frameSplit && T > 1) {
        // A 2-D conv per frame: the 4x-sized upsampled input (and oneDNN's copy of it) exists
        // one frame at a time instead of for the whole chunk.
        at::Tensor out;
        for (std::int64_t t = 0; t < T; ++t) {
            at::Tensor y = upsampleConv(x.narrow(2, t, 1), w2d, b, ctx);
            if (!out.defined())
                out = at::empty({B, y.size(1), T, y.size(3), y.size(4)},
                                y.options().memory_format(convInputFormat(y.options(), ctx)));
            out.narrow(2, t, 1).copy_(y);
        }
        return out;
    }
    at::Tensor padded = paddedBuffer({B, C, T, 2 * H + 2, 2 * W + 2}, {1, 1}, x.options(),
                                     convInputFormat(x.options(), ctx), ctx);
    padded.narrow(3, 1, 2 * H).narrow(4, 1, 2 * W)
        .view({B, C, T, H, 2, W, 2})
        .copy_(x.unsqueeze(4).unsqueeze(6).expand({B, C, T, H, 2, W, 2}));
    at::Tensor y = conv3d(padded, w2d.unsqueeze(2), b);
    ctx.macs += convMacs(y, w2d);
    return y;
}

at::Tensor interleaveTime(const at::Tensor& x) {
    const std::int64_t B = x.size(0), C = x.size(1) / 2, T = x.size(2), H = x.size(3), W = x.size(4);
    return x.view({B, 2, C, T, H, W}).permute({0, 2, 3, 1, 4, 5}).reshape({B, C, 2 * T, H, W});
}

at::Tensor downsampleConv(const at::Tensor& x, const at::Tensor& w2d, const at::Tensor& b,
                          ForwardContext& ctx) {
    ctx.checkCancelled();
    const std::int64_t B = x.size(0), C = x.size(1), T = x.size(2), H = x.size(3), W = x.size(4);
    at::Tensor padded = at::zeros({B, C, T, H + 1, W + 1}, x.options());
    padded.narrow(3, 0, H).narrow(4, 0, W).copy_(x);
    at::Tensor y = conv3d(padded, w2d.unsqueeze(2), b, {1, 2, 2});
    ctx.macs += convMacs(y, w2d);
    return y;
}

}  // namespace layers
}  // namespace ts
