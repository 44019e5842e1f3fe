#include "model/vae_config.h"

#include "core/error.h"

#include <map>
#include <numeric>
#include <sstream>

namespace ts {

namespace {

using Shape = std::vector<int64_t>;
using Expected = std::vector<std::pair<std::string, Shape>>;

std::string shapeText(const Shape& s) {
    std::ostringstream out;
    out << '[';
    for (size_t i = 0; i < s.size(); ++i) out << (i ? ", " : "") << s[i];
    out << ']';
    return out.str();
}

Shape shapeOf(const at::Tensor& t) { return Shape(t.sizes().begin(), t.sizes().end()); }

void addConv3d(Expected& e, const std::string& p, int64_t out, int64_t in, Shape k) {
    e.push_back({p + ".weight", {out, in, k[0], k[1], k[2]}});
    e.push_back({p + ".bias", {out}});
}

void addResidual(Expected& e, const std::string& p, int64_t in, int64_t out) {
    e.push_back({p + ".residual.0.gamma", {in, 1, 1, 1}});
    addConv3d(e, p + ".residual.2", out, in, {3, 3, 3});
    e.push_back({p + ".residual.3.gamma", {out, 1, 1, 1}});
    addConv3d(e, p + ".residual.6", out, out, {3, 3, 3});
    if (in != out) addConv3d(e, p + ".shortcut", out, in, {1, 1, 1});
}

void addAttention(Expected& e, const std::string& p, int64_t c) {
    e.push_back({p + ".norm.gamma", {c, 1, 1}});
    e.push_back({p + ".to_qkv.weight", {3 * c, c, 1, 1}});
    e.push_back({p + ".to_qkv.bias", {3 * c}});
    e.push_back({p + ".proj.weight", {c, c, 1, 1}});
    e.push_back({p + ".proj.bias", {c}});
}

void addMiddle(Expected& e, const std::string& p, int64_t c) {
    addResidual(e, p + ".0", c, c);
    addAttention(e, p + ".1", c);
    addResidual(e, p + ".2", c, c);
}

void addDecoder(Expected& e, const VaeConfig& cfg) {
    const int64_t z = cfg.zDim, d = cfg.baseDim;
    const int stages = cfg.stageCount();
    const int64_t top = d * cfg.dimMult.back();
    addConv3d(e, "conv2", z, z, {1, 1, 1});
    addConv3d(e, "decoder.conv1", top, z, {3, 3, 3});
    addMiddle(e, "decoder.middle", top);
    const std::vector<bool> tUp = cfg.temporalUpsample();
    int k = 0;
    int64_t in = top;
    for (int i = 0; i < stages; ++i) {
        const int64_t out = d * cfg.dimMult[stages - 1 - i];
        for (int j = 0; j <= cfg.numResBlocks; ++j) {
            addResidual(e, "decoder.upsamples." + std::to_string(k++), in, out);
            in = out;
        }
        if (i != stages - 1) {
            const std::string p = "decoder.upsamples." + std::to_string(k++);
            e.push_back({p + ".resample.1.weight", {out / 2, out, 3, 3}});
            e.push_back({p + ".resample.1.bias", {out / 2}});
            if (tUp[i]) addConv3d(e, p + ".time_conv", out * 2, out, {3, 1, 1});
            in = out / 2;
        }
    }
    e.push_back({"decoder.head.0.gamma", {in, 1, 1, 1}});
    addConv3d(e, "decoder.head.2", 3, in, {3, 3, 3});
}

void addEncoder(Expected& e, const VaeConfig& cfg) {
    const int64_t z2 = 2 * cfg.zDim, d = cfg.baseDim;
    const int stages = cfg.stageCount();
    addConv3d(e, "encoder.conv1", d, 3, {3, 3, 3});
    int k = 0;
    int64_t in = d;
    for (int i = 0; i < stages; ++i) {
        const int64_t out = d * cfg.dimMult[i];
        for (int j = 0; j < cfg.numResBlocks; ++j) {
            addResidual(e, "encoder.downsamples." + std::to_string(k++), in, out);
            in = out;
        }
        if (i != stages - 1) {
            const std::string p = "encoder.downsamples." + std::to_string(k++);
            e.push_back({p + ".resample.1.weight", {out, out, 3, 3}});
            e.push_back({p + ".resample.1.bias", {out}});
            if (cfg.temporalDownsample[i]) addConv3d(e, p + ".time_conv", out, out, {3, 1, 1});
        }
    }
    addMiddle(e, "encoder.middle", in);
    e.push_back({"encoder.head.0.gamma", {in, 1, 1, 1}});
    addConv3d(e, "encoder.head.2", z2, in, {3, 3, 3});
    addConv3d(e, "conv1", z2, z2, {1, 1, 1});
}

const at::Tensor& require(const NamedTensors& t, const std::string& key, const std::string& why) {
    auto it = t.find(key);
    if (it == t.end()) throwInput("missing tensor '" + key + "' (" + why + ")");
    return it->second;
}

int64_t dimOf(const at::Tensor& t, int64_t i, const std::string& key) {
    if (t.dim() <= i) throwInput("tensor '" + key + "' has shape " + shapeText(shapeOf(t)) + ", too few dimensions");
    return t.size(i);
}

// Walks decoder.upsamples.{k}: residual blocks until a resample; each resample ends a stage.
void inferDecoder(const NamedTensors& t, VaeConfig& cfg) {
    cfg.zDim = static_cast<int>(dimOf(require(t, "conv2.weight", "decoder post-quant conv"), 0, "conv2.weight"));
    std::vector<int64_t> stageOut;
    std::vector<bool> tUp;
    int resPerStage = -1, count = 0;
    for (int k = 0;; ++k) {
        const std::string p = "decoder.upsamples." + std::to_string(k);
        if (t.count(p + ".residual.6.weight")) {
            ++count;
            continue;
        }
        const bool resample = t.count(p + ".resample.1.weight") != 0;
        if (count == 0) break;
        if (resPerStage < 0) resPerStage = count;
        if (count != resPerStage)
            throwInput("decoder stage " + std::to_string(stageOut.size()) + " has " + std::to_string(count) +
                       " residual blocks, stage 0 has " + std::to_string(resPerStage));
        const std::string last = "decoder.upsamples." + std::to_string(k - 1) + ".residual.6.weight";
        stageOut.push_back(dimOf(t.at(last), 0, last));
        count = 0;
        if (!resample) break;
        tUp.push_back(t.count(p + ".time_conv.weight") != 0);
    }
    if (stageOut.size() < 2) throwInput("no decoder upsampling stages found (expected decoder.upsamples.N.residual.*)");
    if (resPerStage < 1) throwInput("decoder stages have no residual blocks");
    cfg.numResBlocks = resPerStage - 1;
    int64_t base = 0;
    for (int64_t c : stageOut) base = std::gcd(base, c);
    cfg.baseDim = static_cast<int>(base);
    cfg.dimMult.assign(stageOut.rbegin(), stageOut.rend());
    for (int& m : cfg.dimMult) m = static_cast<int>(m / base);
    cfg.temporalDownsample.assign(tUp.rbegin(), tUp.rend());
    cfg.hasDecoder = true;
}

void inferEncoder(const NamedTensors& t, VaeConfig& cfg) {
    const at::Tensor& head = require(t, "encoder.head.2.weight", "encoder output conv");
    const at::Tensor& conv1 = require(t, "encoder.conv1.weight", "encoder input conv");
    const int64_t z2 = dimOf(head, 0, "encoder.head.2.weight");
    const int64_t d = dimOf(conv1, 0, "encoder.conv1.weight");
    std::vector<int64_t> stageOut;
    std::vector<bool> tDown;
    int resPerStage = -1, count = 0;
    for (int k = 0;; ++k) {
        const std::string p = "encoder.downsamples." + std::to_string(k);
        if (t.count(p + ".residual.6.weight")) {
            ++count;
            continue;
        }
        if (count == 0) break;
        if (resPerStage < 0) resPerStage = count;
        if (count != resPerStage)
            throwInput("encoder stage " + std::to_string(stageOut.size()) + " has " + std::to_string(count) +
                       " residual blocks, stage 0 has " + std::to_string(resPerStage));
        const std::string last = "encoder.downsamples." + std::to_string(k - 1) + ".residual.6.weight";
        stageOut.push_back(dimOf(t.at(last), 0, last));
        count = 0;
        if (!t.count(p + ".resample.1.weight")) break;
        tDown.push_back(t.count(p + ".time_conv.weight") != 0);
    }
    if (stageOut.size() < 2) throwInput("no encoder downsampling stages found (expected encoder.downsamples.N.residual.*)");
    VaeConfig enc;
    enc.zDim = static_cast<int>(z2 / 2);
    enc.baseDim = static_cast<int>(d);
    enc.numResBlocks = resPerStage;
    enc.temporalDownsample = tDown;
    enc.dimMult.clear();
    for (int64_t c : stageOut) {
        if (c % d != 0) throwInput("encoder stage width " + std::to_string(c) + " is not a multiple of the base width " + std::to_string(d));
        enc.dimMult.push_back(static_cast<int>(c / d));
    }
    if (cfg.hasDecoder) {
        // The decoder only fixes products base*mult; the encoder fixes the base itself.
        std::vector<int64_t> a, b;
        for (int m : cfg.dimMult) a.push_back(int64_t(m) * cfg.baseDim);
        for (int m : enc.dimMult) b.push_back(int64_t(m) * enc.baseDim);
        if (a != b || cfg.zDim != enc.zDim || cfg.numResBlocks != enc.numResBlocks ||
            cfg.temporalDownsample != enc.temporalDownsample)
            throwInput("encoder and decoder describe different architectures (encoder: " + enc.describe() +
                       "; decoder: " + cfg.describe() + ")");
    }
    enc.hasDecoder = cfg.hasDecoder;
    enc.hasEncoder = true;
    cfg = enc;
}

}  // namespace

std::vector<bool> VaeConfig::temporalUpsample() const {
    return std::vector<bool>(temporalDownsample.rbegin(), temporalDownsample.rend());
}

int VaeConfig::temporalFactor() const {
    int f = 1;
    for (bool b : temporalDownsample) f *= b ? 2 : 1;
    return f;
}

std::string VaeConfig::describe() const {
    std::ostringstream out;
    out << "z_dim " << zDim << ", dim " << baseDim << ", dim_mult [";
    for (size_t i = 0; i < dimMult.size(); ++i) out << (i ? "," : "") << dimMult[i];
    out << "], " << numResBlocks << " residual blocks, temporal downsample [";
    for (size_t i = 0; i < temporalDownsample.size(); ++i) out << (i ? "," : "") << (temporalDownsample[i] ? "T" : "F");
    out << "], spatial x" << spatialFactor() << ", temporal x" << temporalFactor();
    return out.str();
}

std::vector<std::pair<std::string, std::vector<int64_t>>> expectedTensors(const VaeConfig& cfg, VaeParts parts) {
    Expected e;
    if (parts != VaeParts::Encoder) addDecoder(e, cfg);
    if (parts != VaeParts::Decoder) addEncoder(e, cfg);
    return e;
}

VaeConfig inferVaeConfig(const NamedTensors& t, VaeParts parts) {
    VaeConfig cfg;
    if (parts != VaeParts::Encoder) inferDecoder(t, cfg);
    if (parts != VaeParts::Decoder) inferEncoder(t, cfg);
    if (static_cast<int>(cfg.temporalDownsample.size()) != cfg.stageCount() - 1)
        throwInput("inconsistent stage count in the checkpoint");
    for (const auto& [key, shape] : expectedTensors(cfg, parts)) {
        auto it = t.find(key);
        if (it == t.end())
            throwInput("missing tensor '" + key + "' (expected shape " + shapeText(shape) + " for " + cfg.describe() + ")");
        if (shapeOf(it->second) != shape)
            throwInput("tensor '" + key + "' has shape " + shapeText(shapeOf(it->second)) + ", expected " + shapeText(shape));
    }
    return cfg;
}

}  // namespace ts
