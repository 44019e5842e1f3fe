#include "model_growth.h"

#include "core/error.h"
#include "demo_model.h"

#include <sstream>

namespace ts::demo {

namespace {

// "PREFIX.K.rest" -> K and "rest", if `name` starts with PREFIX.
bool splitIndexed(const std::string& name, const std::string& prefix, int* index, std::string* rest) {
    if (name.rfind(prefix, 0) != 0) return false;
    const std::size_t dot = name.find('.', prefix.size());
    if (dot == std::string::npos) return false;
    *index = std::stoi(name.substr(prefix.size(), dot - prefix.size()));
    *rest = name.substr(dot);
    return true;
}

// Where a tensor of the model with `blocks` residual blocks per encoder stage goes in the
// model with one more. Encoder stage s holds blocks s*(blocks+1) + 0..blocks-1, then its
// downsampler; decoder stage s holds s*(blocks+2) + 0..blocks, then its upsampler. The new
// block goes after a stage's blocks, before its resampler.
std::string movedName(const std::string& name, int blocks) {
    int k = 0;
    std::string rest;
    if (splitIndexed(name, "encoder.downsamples.", &k, &rest)) {
        const int per = blocks + 1, stage = k / per, j = k % per;
        return "encoder.downsamples." + std::to_string(stage * (per + 1) + (j < blocks ? j : j + 1)) + rest;
    }
    if (splitIndexed(name, "decoder.upsamples.", &k, &rest)) {
        const int per = blocks + 2, stage = k / per, j = k % per;
        return "decoder.upsamples." + std::to_string(stage * (per + 1) + (j <= blocks ? j : j + 1)) + rest;
    }
    return name;
}

}  // namespace

NamedTensors addResidualBlock(const NamedTensors& trained, const VaeConfig& from, std::uint64_t seed,
                              const std::string& source) {
    // Every tensor of the smaller model must be there: one left at its fresh value would
    // change what the model computes.
    for (const auto& [name, shape] : expectedTensors(from, VaeParts::Both))
        if (!trained.count(name))
            throwInput(source + ": no tensor '" + name + "' (is it a model of this --dim and --res-blocks?)");
    VaeConfig to = from;
    to.numResBlocks = from.numResBlocks + 1;
    NamedTensors grown = initParameters(to, seed, /*zeroInitResidual=*/true);
    for (const auto& [name, t] : trained) {
        const std::string target = movedName(name, from.numResBlocks);
        const auto it = grown.find(target);
        if (it == grown.end())
            throwInput(source + ": tensor '" + name + "' has no place in a model with " +
                       std::to_string(to.numResBlocks) + " residual blocks (is it a model of this --dim?)");
        if (!it->second.sizes().equals(t.sizes())) {
            std::ostringstream m;
            m << source << ": tensor '" << name << "' has shape " << t.sizes() << "; its place '" << target
              << "' needs " << it->second.sizes() << " (is it a model of this --dim and --res-blocks?)";
            throwInput(m.str());
        }
        it->second = t.detach().to(at::kFloat).clone();
    }
    return grown;
}

}  // namespace ts::demo
