#pragma once
// Padded convolution inputs kept and reused (--opt arena): one buffer per shape, dtype,
// device and layout, handed to every layer that needs that shape, in every chunk and
// tile a worker runs. Steady-state decoding then allocates no padded inputs, and their
// zero borders are written once (layers only ever write the interior).
//
// A buffer is in use only inside one convolution call on one thread (or one CUDA stream,
// which orders its reuse), so one arena belongs to one ForwardContext (one worker).
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>
#include <tuple>
#include <vector>

namespace ts {

class BufferArena {
public:
    // A buffer of `sizes`; *fresh is true when it was just allocated (contents undefined).
    // `border` (the zero border's widths) is part of the key: a buffer whose border was
    // zeroed for a 3x3 conv must not be handed to a layer that writes all of it.
    at::Tensor take(at::IntArrayRef sizes, at::IntArrayRef border, const at::TensorOptions& options,
                    at::MemoryFormat format, bool* fresh);

    int buffers() const { return static_cast<int>(buffers_.size()); }
    std::int64_t bytesHeld() const { return bytes_; }
    void clear() {
        buffers_.clear();
        bytes_ = 0;
    }

private:
    // sizes, border, dtype, device type, device index, layout
    using Key = std::tuple<std::vector<std::int64_t>, std::vector<std::int64_t>, int, int, int, int>;
    std::map<Key, at::Tensor> buffers_;
    std::int64_t bytes_ = 0;
};

}  // namespace ts
