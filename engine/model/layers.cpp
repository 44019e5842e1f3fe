#include "model/layers.h"

#include "core/error.h"

#include <ATen/ATen.h>

#include <cmath>

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

at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& gamma) {
    const double scale = std::sqrt(static_cast<double>(x.size(1)));
    if (x.scalar_type() == at::kFloat) {
        // One full-size result; the per-pixel reciprocal norm and the per-channel gain are
        // small, so the scaling is two broadcast multiplies into that one buffer.
        at::Tensor inv = x.norm(2, {1}, /*keepdim=*/true).clamp_min_(1e-12).reciprocal_();
        return at::mul(x, inv).mul_(gamma * scale);
    }
    // Reduced precision: the sum of squares and the scaling run in fp32.
    const at::Tensor xf = x.to(at::kFloat);
    at::Tensor inv = xf.norm(2, {1}, true).clamp_min_(1e-12).reciprocal_();
    return at::mul(xf, inv).mul_(gamma.to(at::kFloat) * scale).to(x.scalar_type());
}

at::Tensor rmsNormSilu(const at::Tensor& x, const at::Tensor& gamma) {
    at::Tensor y = rmsNorm(x, gamma);
    return at::silu_(y);
}

at::Tensor causalConv3d(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b,
                        CausalHistory* history, ForwardContext& ctx) {
    ctx.checkCancelled();
    const std::int64_t kt = w.size(2), kh = w.size(3), kw = w.size(4);
    if (kt == 1 && kh == 1 && kw == 1) {
        at::Tensor y = at::conv3d(x, w, b);
        ctx.macs += convMacs(y, w);
        return y;
    }
    const std::int64_t ph = kh / 2, pw = kw / 2, pt = kt - 1;  // causal: all time padding in front
    const std::int64_t B = x.size(0), C = x.size(1), T = x.size(2), H = x.size(3), W = x.size(4);
    // One buffer holds [history | x] with the spatial zero border: one allocation and one
    // copy of x, where the reference makes a cat and a pad copy.
    at::Tensor padded = at::zeros({B, C, pt + T, H + 2 * ph, W + 2 * pw}, x.options());
    at::Tensor inner = padded.narrow(3, ph, H).narrow(4, pw, W);
    if (pt > 0 && history && history->frames.defined())
        inner.narrow(2, 0, pt).copy_(history->frames);
    inner.narrow(2, pt, T).copy_(x);
    if (history && pt > 0) history->frames = inner.narrow(2, T, pt).clone();
    at::Tensor y = at::conv3d(padded, w, b);
    ctx.macs += convMacs(y, w);
    return y;
}

at::Tensor residualBlock(const at::Tensor& x, const NamedTensors& w, const std::string& p,
                         CausalHistory& first, CausalHistory& second, ForwardContext& ctx) {
    at::Tensor h = x;
    auto sc = w.find(p + ".shortcut.weight");
    if (sc != w.end()) h = causalConv3d(x, sc->second, weight(w, p + ".shortcut.bias"), nullptr, ctx);
    at::Tensor y = rmsNormSilu(x, weight(w, p + ".residual.0.gamma"));
    y = causalConv3d(y, weight(w, p + ".residual.2.weight"), weight(w, p + ".residual.2.bias"), &first, ctx);
    y = rmsNormSilu(y, weight(w, p + ".residual.3.gamma"));
    y = causalConv3d(y, weight(w, p + ".residual.6.weight"), weight(w, p + ".residual.6.bias"), &second, ctx);
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
    at::Tensor padded = at::zeros({B, C, T, 2 * H + 2, 2 * W + 2}, x.options());
    padded.narrow(3, 1, 2 * H).narrow(4, 1, 2 * W)
        .view({B, C, T, H, 2, W, 2})
        .copy_(x.unsqueeze(4).unsqueeze(6).expand({B, C, T, H, 2, W, 2}));
    at::Tensor y = at::conv3d(padded, w2d.unsqueeze(2), b);
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
    at::Tensor y = at::conv3d(padded, w2d.unsqueeze(2), b, {1, 2, 2});
    ctx.macs += convMacs(y, w2d);
    return y;
}

}  // namespace layers
}  // namespace ts
