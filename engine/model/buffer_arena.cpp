#include "model/buffer_arena.h"

#include <ATen/ATen.h>

namespace ts {

at::Tensor BufferArena::take(at::IntArrayRef sizes, at::IntArrayRef border, const at::TensorOptions& options,
                             at::MemoryFormat format, bool* fresh) {
    const c10::Device device = options.device();
    Key key{sizes.vec(), border.vec(), static_cast<int>(c10::typeMetaToScalarType(options.dtype())),
            static_cast<int>(device.type()), static_cast<int>(device.index()), static_cast<int>(format)};
    auto it = buffers_.find(key);
    if (it != buffers_.end()) {
        *fresh = false;
        return it->second;
    }
    at::Tensor buffer = at::empty(sizes, options.memory_format(format));
    bytes_ += buffer.nbytes();
    buffers_.emplace(std::move(key), buffer);
    *fresh = true;
    return buffer;
}

}  // namespace ts
