#pragma once
// NumPy .npy files (format versions 1, 2 and 3): little-endian floating point
// ('<f4', '<f2', '<f8') and a few integer types, C order only. The header's shape is
// checked against the file size before anything is allocated, so a crafted header
// cannot drive a huge allocation or a read past the end.
#include <ATen/core/Tensor.h>

#include <string>

namespace ts {

// True when the bytes start with the .npy magic "\x93NUMPY".
bool looksLikeNpy(const std::string& firstBytes);

// The array as stored (dtype kept), CPU, contiguous. Throws ts Input errors naming path.
at::Tensor readNpy(const std::string& path);

}  // namespace ts
