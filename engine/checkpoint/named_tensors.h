#pragma once
// A checkpoint's content as the loaders hand it over: tensor name -> tensor (CPU,
// contiguous, dtype as stored). Ordered so that listings and errors are stable.
#include <ATen/core/Tensor.h>

#include <functional>
#include <map>
#include <string>

namespace ts {

using NamedTensors = std::map<std::string, at::Tensor>;

// Decides, from a tensor's name as stored in the file, whether a loader reads it.
// Loaders skip the bytes of tensors that are not kept (a decode never reads the
// encoder). An empty filter keeps everything.
using KeyFilter = std::function<bool(const std::string&)>;

}  // namespace ts
