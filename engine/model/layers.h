#pragma once
// The Wan2.1 VAE's building blocks as functions over weights, device- and dtype-generic.
// Convolutions always get explicitly padded inputs and padding=0: on Debian's LibTorch
// 1.13 conv3d with a padding argument takes a path about 40x slower (measured).
// Per-frame 2-D convolutions run as conv3d with a 1-frame kernel, which is the same sum
// and avoids the (b t) c h w rearrange copies the reference makes.
#include "checkpoint/named_tensors.h"
#include "model/buffer_arena.h"
#include "model/graph_options.h"
#include "model/host_history.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <optional>

namespace ts {

class TraceSink;

// What a forward pass reports back and polls: multiply-adds executed, cancellation.
struct ForwardContext {
    std::int64_t macs = 0;
    std::function<bool()> cancelled;  // may be empty
    TraceSink* trace = nullptr;       // stage spans go here (host track pid 0, traceTid)
    std::int64_t traceTid = 0;
    GraphOptions graph;               // which optimised paths to take (default: the plain one)
    BufferArena arena;                // reused padded inputs (graph.arena); one per worker
    HostHistoryCopier hostCopier;     // histories in pinned host memory (graph.cacheHost, CUDA)
    // fused-norm's CUDA kernel has code for this run's device: asked the driver once, on
    // the first norm (gpu::cudaNormSiluProblemOn), not per layer.
    std::optional<bool> cudaNormSiluRuns;
    void checkCancelled() const;      // throws ts::Error(Cancelled)
};

// The causal time context of one 3-frame-kernel conv: the last two input frames seen
// (undefined = zeros, the state before the first frame).
struct CausalHistory {
    at::Tensor frames;      // on the device, or pinned on the host with cache-host
    HostHistoryState host;  // cache-host: when the last copy out ends
};

namespace layers {

// x / max(||x||_2 over channels, 1e-12) * sqrt(C) * gamma, accumulated in fp32.
at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& gamma);

// rmsNorm then SiLU, in place on the normalised result.
at::Tensor rmsNormSilu(const at::Tensor& x, const at::Tensor& gamma);

// conv3d without padding, the one every layer calls. LibTorch 1.13 hands a CPU fp32 conv to
// oneDNN only when N*C*D*H of the input exceeds 20480 (or the kernel is wider than 3), so
// narrow layers (the demo and test models: 8-32 channels) fall to slow_conv3d, about 10x
// slower on these cores (measured: the demo model decodes 9 frames at 128x128 in 7.4 s that
// way, in bf16 through oneDNN in 0.7 s). Inference on the CPU therefore calls oneDNN directly;
// with autograd on (the demo trainer) the dispatcher's choice stays.
at::Tensor conv3d(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b, at::IntArrayRef stride = {1, 1, 1});

// Causal conv3d with kernel (kt,kh,kw): spatial zero padding kh/2, kw/2; time context
// from `history` (kt == 3) which is updated to the last two input frames. kt == 1
// convs pass history == nullptr.
at::Tensor causalConv3d(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b,
                        CausalHistory* history, ForwardContext& ctx);

// rmsNorm, SiLU, then the causal conv (w, b, history) on the result: the pair every
// residual block and the head run. With graph.padInPlace the normalised result is
// written straight into the conv's padded input. x is taken by value: a caller that
// moves its last reference in lets it be freed before the convolution runs (it is dead
// by then), which lowers the peak by one activation.
at::Tensor normSiluConv(at::Tensor x, const at::Tensor& gamma, const at::Tensor& w,
                        const at::Tensor& b, CausalHistory* history, ForwardContext& ctx);

// Residual block `prefix` (residual.0/2/3/6, optional shortcut) with two histories. x by
// value for the same reason as normSiluConv (it is dead after the shortcut and first norm).
at::Tensor residualBlock(at::Tensor x, const NamedTensors& w, const std::string& prefix,
                         CausalHistory& first, CausalHistory& second, ForwardContext& ctx);

// Per-frame single-head self-attention `prefix` (norm, to_qkv, proj) + identity.
at::Tensor attentionBlock(const at::Tensor& x, const NamedTensors& w, const std::string& prefix,
                          ForwardContext& ctx);

// Nearest 2x spatial upsampling of every frame followed by the 3x3 conv `prefix`
// (resample.1), built in one padded buffer.
at::Tensor upsampleConv(const at::Tensor& x, const at::Tensor& w2d, const at::Tensor& b,
                        ForwardContext& ctx);

// Interleave the time conv's doubled channels into doubled frames:
// [B,2C,T,H,W] -> [B,C,2T,H,W], frame 2t from channels [0,C), 2t+1 from [C,2C).
at::Tensor interleaveTime(const at::Tensor& x);

// Zero pad right/bottom by one, 3x3 conv with stride 2, every frame (encoder).
at::Tensor downsampleConv(const at::Tensor& x, const at::Tensor& w2d, const at::Tensor& b,
                          ForwardContext& ctx);

const at::Tensor& weight(const NamedTensors& w, const std::string& key);

}  // namespace layers
}  // namespace ts
