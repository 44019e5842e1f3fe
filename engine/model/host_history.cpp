#include "model/host_history.h"

#include <ATen/ATen.h>
#include <c10/core/StreamGuard.h>
#include <c10/core/impl/VirtualGuardImpl.h>

#include <c10/util/accumulate.h>
#include <c10/util/strides.h>

#include <chrono>
#include <thread>

namespace ts {

namespace {

// Host wait for an event (c10::Event has no synchronize() in LibTorch 1.13; query() is
// in every version). Used only before a staging buffer is freed: rare.
void waitFor(const c10::Event& e) {
    while (!e.query()) std::this_thread::sleep_for(std::chrono::microseconds(50));
}

std::vector<std::int64_t> denseStrides(at::IntArrayRef sizes, at::MemoryFormat format) {
    if (format == at::MemoryFormat::ChannelsLast3d && sizes.size() == 5) return c10::get_channels_last_strides_3d(sizes);
    if (format == at::MemoryFormat::ChannelsLast && sizes.size() == 4) return c10::get_channels_last_strides_2d(sizes);
    const auto strides = c10::contiguous_strides(sizes);
    return {strides.begin(), strides.end()};
}

}  // namespace

HostHistoryCopier::~HostHistoryCopier() {
    try {
        for (Staging& s : staging_)
            if (s.copiedOut) waitFor(*s.copiedOut);
    } catch (...) {
        // A device in an error state: the run has failed already and says why.
    }
}

at::Tensor HostHistoryCopier::denseView(const at::Tensor& bytes, at::ScalarType dtype, at::IntArrayRef sizes,
                                        at::MemoryFormat format) {
    const std::int64_t need = c10::multiply_integers(sizes) * static_cast<std::int64_t>(c10::elementSize(dtype));
    return bytes.narrow(0, 0, need).view(dtype).as_strided(sizes, denseStrides(sizes, format));
}

void HostHistoryCopier::store(at::Tensor& frames, HostHistoryState& state, const at::Tensor& last,
                              at::ScalarType dtype, at::MemoryFormat format) {
    const c10::Device device = last.device();
    c10::impl::VirtualGuardImpl impl(device.type());
    const c10::Stream compute = impl.getStream(device);
    if (!copyStream_) copyStream_ = impl.getStreamFromGlobalPool(device);
    const c10::Stream side = *copyStream_;

    Staging& slot = staging_[next_];
    next_ ^= 1;
    const std::int64_t need = last.numel() * static_cast<std::int64_t>(c10::elementSize(dtype));
    if (!slot.bytes.defined() || slot.bytes.numel() < need) {
        // The old buffer may still be read by its copy out: let that end before freeing it.
        if (slot.copiedOut) waitFor(*slot.copiedOut);
        slot.bytes = at::empty({need}, last.options().dtype(at::kByte));
    } else if (slot.copiedOut) {
        slot.copiedOut->block(compute);  // its previous copy out has read it
    }
    at::Tensor staged = denseView(slot.bytes, dtype, last.sizes(), format);
    staged.copy_(last);  // compute stream; converts to the cache dtype (cache-bf16)

    if (!frames.defined() || frames.is_cuda() || frames.sizes() != last.sizes() || frames.scalar_type() != dtype ||
        frames.strides() != staged.strides())
        frames = at::empty(last.sizes(),
                           last.options().dtype(dtype).device(at::kCPU).pinned_memory(true).memory_format(format));
    c10::Event staged_ready(device.type());
    staged_ready.record(compute);
    staged_ready.block(side);
    {
        c10::StreamGuard onSide(side);
        frames.copy_(staged, /*non_blocking=*/true);
    }
    auto done = std::make_shared<c10::Event>(device.type());
    done->record(side);
    slot.copiedOut = done;
    state.copiedOut = done;
}

void HostHistoryCopier::load(const at::Tensor& frames, const HostHistoryState& state, at::Tensor dst) {
    if (state.copiedOut) {
        c10::impl::VirtualGuardImpl impl(dst.device().type());
        state.copiedOut->block(impl.getStream(dst.device()));
    }
    // dst is a window of a padded buffer, not dense: a host copy straight into it would go
    // through a temporary in the default (NCDHW) layout. A dense device tensor with the host
    // tensor's strides takes a memcpy, then one ordered copy on the device fills the window.
    at::Tensor arrived = at::empty_strided(frames.sizes(), frames.strides(), dst.options().dtype(frames.scalar_type()));
    arrived.copy_(frames, /*non_blocking=*/true);
    dst.copy_(arrived);  // compute stream; from the cache dtype back to the compute dtype
}

}  // namespace ts
