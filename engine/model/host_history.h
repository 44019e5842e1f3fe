#pragma once
// --opt cache-host: the causal histories of a CUDA decode (the last two input frames of
// every 3-frame conv, the largest memory a decode keeps across frames) live in pinned host
// memory instead of on the card.
//
// Each chunk, a history leaves through one of two device staging buffers: the compute
// stream copies it there (device to device, fast), a side stream copies the staging buffer
// to the host while the compute stream goes on with the convolution. Before a staging
// buffer is reused the compute stream waits for its last copy out, so two of them keep
// the pipeline full. Coming back, the history is copied from the host on the compute
// stream once its copy out has ended. The staging buffers belong to the copier and are
// never freed while a copy reads them: the caching allocator needs no cross-stream
// bookkeeping (a first version that let the side stream read the conv's own padded buffer,
// with recordStream, measured 2.5x slower and reserved more memory than it saved:
// docs/benchmarks/2026-11-26-h200.md).
// Exact (copies); costs PCIe traffic. CUDA only: CPU tensors keep their histories.
//
// Only c10's device-generic Stream/Event/guard API: this compiles against a CPU-only
// LibTorch, and runs only where a CUDA tensor reaches it.
#include <ATen/core/Tensor.h>
#include <c10/core/Event.h>
#include <c10/core/Stream.h>

#include <array>
#include <memory>
#include <optional>

namespace ts {

// What a history kept on the host needs besides its frames: when its last copy out ends.
struct HostHistoryState {
    std::shared_ptr<c10::Event> copiedOut;  // recorded on the copy stream after each store
};

// One per worker (ForwardContext): the side stream and the two staging buffers.
class HostHistoryCopier {
public:
    HostHistoryCopier() = default;
    HostHistoryCopier(const HostHistoryCopier&) = delete;
    HostHistoryCopier& operator=(const HostHistoryCopier&) = delete;
    ~HostHistoryCopier();  // waits for copies still reading the staging buffers

    // True when `t` is a CUDA tensor: where cache-host applies.
    static bool appliesTo(const at::Tensor& t) { return t.is_cuda(); }

    // frames <- last, in `dtype`: `frames` becomes (or stays) a pinned host tensor of
    // last's shape, dense in `format` (the conv buffers' layout); the copy ends
    // asynchronously (state.copiedOut).
    void store(at::Tensor& frames, HostHistoryState& state, const at::Tensor& last, at::ScalarType dtype,
               at::MemoryFormat format);

    // dst (on the device) <- frames, on the compute stream after the last store ended.
    static void load(const at::Tensor& frames, const HostHistoryState& state, at::Tensor dst);

    // The first bytes of `bytes` viewed as a dense tensor of `sizes` and `dtype`, laid out in
    // `format`. Every staging and host copy keeps the layout of the conv buffers, so that each
    // copy walks both sides in the same order (a history staged NCDHW from channels-last
    // buffers costs a transposing copy each way, 3-5x slower than an ordered one on an
    // H200) and the device-host copies are plain memcpys.
    static at::Tensor denseView(const at::Tensor& bytes, at::ScalarType dtype, at::IntArrayRef sizes,
                                at::MemoryFormat format);

private:
    struct Staging {
        at::Tensor bytes;                         // device buffer, grown as needed
        std::shared_ptr<c10::Event> copiedOut;    // its last copy to the host
    };
    std::optional<c10::Stream> copyStream_;
    std::array<Staging, 2> staging_;
    int next_ = 0;
};

}  // namespace ts
