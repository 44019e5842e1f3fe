#include "profile/op_flops.h"

#include <cstring>

namespace ts {

namespace {

std::int64_t numel(const Shape& s) {
    std::int64_t n = 1;
    for (std::int64_t d : s) n *= d;
    return n;
}

std::int64_t productFrom(const Shape& s, std::size_t first) {
    std::int64_t n = 1;
    for (std::size_t i = first; i < s.size(); ++i) n *= s[i];
    return n;
}

bool startsWith(const std::string& s, const char* prefix) { return s.compare(0, std::strlen(prefix), prefix) == 0; }

}  // namespace

bool isFlopOp(const std::string& name) {
    static const char* const kOps[] = {"aten::conv1d", "aten::conv2d",  "aten::conv3d", "aten::convolution",
                                       "aten::_convolution", "aten::matmul", "aten::mm", "aten::addmm",
                                       "aten::bmm",   "aten::baddbmm", "aten::linear",
                                       // called directly by the engine's CPU layers (model/layers.h)
                                       "aten::mkldnn_convolution"};
    for (const char* op : kOps)
        if (name == op) return true;
    return false;
}

std::int64_t opFlops(const std::string& name, const std::vector<Shape>& inputs, const Shape& output,
                     bool transposed) {
    if (!isFlopOp(name) || output.empty()) return -1;
    if (startsWith(name, "aten::conv") || name == "aten::_convolution" || name == "aten::mkldnn_convolution") {
        // weight [Cout, Cin/groups, k...] (transposed: [Cin, Cout/groups, k...]): every
        // output (input, when transposed) element takes prod(weight[1:]) multiply-adds.
        if (inputs.size() < 2 || inputs[1].size() < 3 || inputs[0].size() != inputs[1].size()) return -1;
        const std::int64_t perElement = productFrom(inputs[1], 1);
        return 2 * (transposed ? numel(inputs[0]) : numel(output)) * perElement;
    }
    // Products: every output element is a dot product over the left operand's last dim.
    const bool biasFirst = name == "aten::addmm" || name == "aten::baddbmm";
    const std::size_t left = biasFirst ? 1 : 0;
    if (inputs.size() <= left || inputs[left].empty()) return -1;
    if ((name == "aten::mm" || name == "aten::addmm") && inputs[left].size() != 2) return -1;
    if ((name == "aten::bmm" || name == "aten::baddbmm") && inputs[left].size() != 3) return -1;
    return 2 * numel(output) * inputs[left].back();
}

}  // namespace ts
