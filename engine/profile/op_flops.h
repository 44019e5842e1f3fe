#pragma once
// FLOPs (2 x multiply-adds) of the ATen ops that carry nearly all of a VAE's arithmetic,
// from their input and output shapes, as the op profiler sees them. Elementwise ops,
// norms and copies count as 0 FLOPs here: the roofline figure is about the products.
#include <cstdint>
#include <string>
#include <vector>

namespace ts {

using Shape = std::vector<std::int64_t>;

// True for aten::conv1d/2d/3d, convolution, _convolution, matmul, mm, addmm, bmm,
// baddbmm, linear: the ops opFlops() counts.
bool isFlopOp(const std::string& name);

// inputs: the op's tensor inputs in order (the first is the data, the second the weight
// or right-hand matrix; addmm/baddbmm's bias first). transposed: aten::convolution's flag.
// Returns -1 for other ops or when the shapes do not fit the op.
std::int64_t opFlops(const std::string& name, const std::vector<Shape>& inputs, const Shape& output,
                     bool transposed = false);

}  // namespace ts
