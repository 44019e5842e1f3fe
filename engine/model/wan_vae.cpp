#include "model/wan_vae.h"

#include "checkpoint/checkpoint_reader.h"
#include "checkpoint/key_names.h"
#include "core/error.h"
#include "core/resource_path.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <cmath>
#include <functional>

namespace ts {

namespace {

bool wanted(const std::string& wanName, VaeParts parts) {
    const bool dec = wanName.rfind("decoder.", 0) == 0 || wanName.rfind("conv2.", 0) == 0;
    const bool enc = wanName.rfind("encoder.", 0) == 0 || wanName.rfind("conv1.", 0) == 0;
    switch (parts) {
    case VaeParts::Decoder: return dec;
    case VaeParts::Encoder: return enc;
    case VaeParts::Both: return dec || enc;
    }
    return false;
}

VaeConfig builtinConfig(const std::string& name) {
    VaeConfig cfg;  // defaults are the released Wan2.1 layout
    if (name == "wan2.1") {
        cfg.baseDim = 96;
    } else if (name == "tiny") {
        cfg.baseDim = 8;
    } else {
        throwUsage("--vae builtin:" + name + ": unknown built-in model (builtin:wan2.1, builtin:tiny, builtin:demo)");
    }
    return cfg;
}

}  // namespace

const std::vector<float>& wan21LatentMean() {
    static const std::vector<float> mean{-0.7571f, -0.7089f, -0.9113f, 0.1075f, -0.1745f, 0.9653f,
                                         -0.1517f, 1.5508f,  0.4134f,  -0.0715f, 0.5517f, -0.3632f,
                                         -0.1922f, -0.9497f, 0.2503f,  -0.2921f};
    return mean;
}

const std::vector<float>& wan21LatentStd() {
    static const std::vector<float> std{2.8184f, 1.4541f, 2.3275f, 2.6558f, 1.2196f, 1.7708f, 2.6052f, 2.0743f,
                                        3.2687f, 2.1526f, 2.8652f, 1.5579f, 1.6382f, 1.1253f, 2.8251f, 1.9160f};
    return std;
}

WanVae WanVae::load(const std::string& path, VaeParts parts) {
    const std::string builtin = "builtin:";
    if (path.rfind(builtin, 0) == 0) {
        const std::string name = path.substr(builtin.size());
        if (name == "demo") {
            // The trained demo model (tools/train_demo, docs/demo-model.md) in resources/.
            return load(requireResource(kDemoVaeResource, "--vae builtin:demo"), parts);
        }
        return randomWeights(builtinConfig(name), parts, 20241125, path);
    }
    KeyFilter keep = [parts](const std::string& stored) {
        switch (parts) {
        case VaeParts::Decoder: return isDecoderKey(stored);
        case VaeParts::Encoder: return isEncoderKey(stored);
        case VaeParts::Both: return isDecoderKey(stored) || isEncoderKey(stored);
        }
        return true;
    };
    NamedTensors stored = readCheckpoint(path, keep);
    // A damaged or foreign file fails here, naming the tensor as the file does, instead of
    // decoding to a video of NaNs. (Here and not in fromTensors: the demo trainer builds a
    // model from its parameters every step.)
    for (const auto& [name, t] : stored) {
        if (!at::isFloatingType(t.scalar_type()))
            throwInput(path + ": tensor " + name + " is stored as " + std::string(c10::toString(t.scalar_type())) +
                       "; a VAE's weights are floating point");
        if (!at::isfinite(t).all().item<bool>()) throwInput(path + ": tensor " + name + " holds NaN or Inf values");
    }
    try {
        return fromTensors(toWanNames(std::move(stored)), parts, path);
    } catch (const Error& e) {
        throw Error(e.kind(), path + ": " + e.what());
    }
}

WanVae WanVae::fromTensors(NamedTensors wanNamed, VaeParts parts, std::string source) {
    WanVae vae;
    vae.config_ = inferVaeConfig(wanNamed, parts);
    for (auto& [name, t] : wanNamed) {
        if (!wanted(name, parts)) continue;
        vae.weights_[name] = t.to(at::kFloat).contiguous();
    }
    vae.source_ = std::move(source);
    return vae;
}

namespace {

// splitmix64: a counter-based generator, so every weight is a pure function of (seed,
// tensor name, index) and the fill runs in parallel without temporaries.
std::uint64_t mix(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

// Uniform in [center - halfWidth, center + halfWidth).
at::Tensor seededUniform(const std::vector<int64_t>& shape, std::uint64_t stream, float center, float halfWidth) {
    at::Tensor t = at::empty(shape, at::kFloat);
    float* data = t.data_ptr<float>();
    at::parallel_for(0, t.numel(), 1 << 16, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            const double u = (mix(stream + static_cast<std::uint64_t>(i) * 0x9e3779b97f4a7c15ULL) >> 11) *
                             (1.0 / 9007199254740992.0);
            data[i] = center + halfWidth * static_cast<float>(2.0 * u - 1.0);
        }
    });
    return t;
}

}  // namespace

WanVae WanVae::randomWeights(const VaeConfig& base, VaeParts parts, std::uint64_t seed, std::string source) {
    NamedTensors t;
    for (const auto& [name, shape] : expectedTensors(base, parts)) {
        const std::uint64_t stream = mix(seed ^ std::hash<std::string>{}(name));
        const bool isGamma = name.size() > 6 && name.compare(name.size() - 6, 6, ".gamma") == 0;
        const bool isBias = name.size() > 5 && name.compare(name.size() - 5, 5, ".bias") == 0;
        if (isGamma) {
            t[name] = seededUniform(shape, stream, 1.0f, 0.2f);
        } else if (isBias) {
            t[name] = seededUniform(shape, stream, 0.0f, 0.03f);
        } else {
            // Uniform with variance 1/fan_in, so activations stay O(1) through every stage.
            int64_t fanIn = 1;
            for (size_t i = 1; i < shape.size(); ++i) fanIn *= shape[i];
            t[name] = seededUniform(shape, stream, 0.0f, static_cast<float>(std::sqrt(3.0 / fanIn)));
        }
    }
    return fromTensors(std::move(t), parts, std::move(source));
}

const at::Tensor& WanVae::weight(const std::string& wanName) const {
    auto it = weights_.find(wanName);
    if (it == weights_.end()) throwRuntime(source_ + ": model weight '" + wanName + "' is not loaded");
    return it->second;
}

std::int64_t WanVae::parameterCount(VaeParts parts) const {
    std::int64_t n = 0;
    for (const auto& [name, t] : weights_)
        if (wanted(name, parts)) n += t.numel();
    return n;
}

WanVae WanVae::to(c10::Device device, c10::ScalarType dtype) const {
    WanVae copy;
    copy.config_ = config_;
    copy.source_ = source_;
    for (const auto& [name, t] : weights_) copy.weights_[name] = t.to(device, dtype).contiguous();
    return copy;
}

c10::Device WanVae::device() const {
    return weights_.empty() ? c10::Device(c10::kCPU) : weights_.begin()->second.device();
}

c10::ScalarType WanVae::dtype() const {
    return weights_.empty() ? c10::kFloat : weights_.begin()->second.scalar_type();
}

}  // namespace ts
