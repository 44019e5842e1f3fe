#include "checkpoint/key_names.h"

#include <algorithm>
#include <set>
#include <utility>

namespace ts {

namespace {

bool startsWith(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

// Replaces prefix `from` of s with `to`; false (s unchanged) when s does not start with it.
bool swapPrefix(std::string& s, const std::string& from, const std::string& to) {
    if (!startsWith(s, from)) return false;
    s = to + s.substr(from.size());
    return true;
}

// Parses "<number>.<rest>" at the start of s.
bool splitIndex(const std::string& s, long& index, std::string& rest) {
    std::size_t k = 0;
    while (k < s.size() && s[k] >= '0' && s[k] <= '9') ++k;
    if (k == 0 || k > 9 || k >= s.size() || s[k] != '.') return false;
    index = std::stol(s.substr(0, k));
    rest = s.substr(k + 1);
    return true;
}

// A residual block's layers: the original nn.Sequential indices vs diffusers' names.
const std::pair<const char*, const char*> kResidual[] = {
    {"residual.0.", "norm1."}, {"residual.2.", "conv1."}, {"residual.3.", "norm2."},
    {"residual.6.", "conv2."}, {"shortcut.", "conv_shortcut."},
};

std::string residualToDiffusers(std::string rest) {
    for (const auto& [wan, diff] : kResidual)
        if (swapPrefix(rest, wan, diff)) break;
    return rest;
}

std::string residualToWan(std::string rest) {
    for (const auto& [wan, diff] : kResidual)
        if (swapPrefix(rest, diff, wan)) break;
    return rest;
}

// Names shared by encoder and decoder: conv_in, head, middle block.
bool sideToDiffusers(std::string& k, const std::string& side) {
    if (swapPrefix(k, side + "conv1.", side + "conv_in.")) return true;
    if (swapPrefix(k, side + "head.0.", side + "norm_out.")) return true;
    if (swapPrefix(k, side + "head.2.", side + "conv_out.")) return true;
    if (swapPrefix(k, side + "middle.1.", side + "mid_block.attentions.0.")) return true;
    for (const char* m : {"0", "2"}) {
        const std::string from = side + "middle." + m + ".";
        if (startsWith(k, from)) {
            k = side + "mid_block.resnets." + (m[0] == '0' ? "0." : "1.") + residualToDiffusers(k.substr(from.size()));
            return true;
        }
    }
    return false;
}

bool sideToWan(std::string& k, const std::string& side) {
    if (swapPrefix(k, side + "conv_in.", side + "conv1.")) return true;
    if (swapPrefix(k, side + "norm_out.", side + "head.0.")) return true;
    if (swapPrefix(k, side + "conv_out.", side + "head.2.")) return true;
    if (swapPrefix(k, side + "mid_block.attentions.0.", side + "middle.1.")) return true;
    for (const char* r : {"0", "1"}) {
        const std::string from = side + "mid_block.resnets." + r + ".";
        if (startsWith(k, from)) {
            k = side + "middle." + (r[0] == '0' ? "0." : "2.") + residualToWan(k.substr(from.size()));
            return true;
        }
    }
    return false;
}

// Residual blocks per decoder stage in the original numbering (R+1 in Wan's terms):
// the first flat index holding an upsampler. Every stage but the last ends in one.
long decoderStageResnetsWan(const NamedTensors& t) {
    long firstResample = -1, maxIndex = -1;
    for (const auto& kv : t) {
        long n;
        std::string rest;
        std::string k = kv.first;
        if (!swapPrefix(k, "decoder.upsamples.", "") || !splitIndex(k, n, rest)) continue;
        maxIndex = std::max(maxIndex, n);
        if ((startsWith(rest, "resample.") || startsWith(rest, "time_conv.")) && (firstResample < 0 || n < firstResample))
            firstResample = n;
    }
    return firstResample >= 0 ? firstResample : maxIndex + 1;
}

long decoderStageResnetsDiffusers(const NamedTensors& t) {
    std::set<long> stage0, any;
    for (const auto& kv : t) {
        long i, j;
        std::string rest, rest2;
        std::string k = kv.first;
        if (!swapPrefix(k, "decoder.up_blocks.", "") || !splitIndex(k, i, rest)) continue;
        if (!swapPrefix(rest, "resnets.", "") || !splitIndex(rest, j, rest2)) continue;
        (i == 0 ? stage0 : any).insert(j);
    }
    const std::set<long>& s = stage0.empty() ? any : stage0;
    return s.empty() ? 0 : *s.rbegin() + 1;
}

}  // namespace

NamedTensors toWanNames(NamedTensors tensors) {
    const long perStage = decoderStageResnetsDiffusers(tensors);  // R+1
    NamedTensors out;
    for (auto& [name, t] : tensors) {
        std::string k = name;
        long i, j;
        std::string rest, rest2;
        if (swapPrefix(k, "quant_conv.", "conv1.") || swapPrefix(k, "post_quant_conv.", "conv2.") ||
            sideToWan(k, "encoder.") || sideToWan(k, "decoder.")) {
        } else if (startsWith(k, "encoder.down_blocks.") &&
                   splitIndex(k.substr(20), i, rest)) {
            // The encoder's list is flat in both schemes: same index, resamples as they are.
            k = "encoder.downsamples." + std::to_string(i) + "." + residualToWan(rest);
        } else if (startsWith(k, "decoder.up_blocks.") && splitIndex(k.substr(18), i, rest)) {
            if (swapPrefix(rest, "resnets.", "") && splitIndex(rest, j, rest2))
                k = "decoder.upsamples." + std::to_string(i * (perStage + 1) + j) + "." + residualToWan(rest2);
            else if (swapPrefix(rest, "upsamplers.0.", ""))
                k = "decoder.upsamples." + std::to_string(i * (perStage + 1) + perStage) + "." + rest;
        }
        out.insert_or_assign(k, std::move(t));
    }
    return out;
}

NamedTensors toDiffusersNames(const NamedTensors& wanNamed) {
    const long perStage = decoderStageResnetsWan(wanNamed);  // R+1
    NamedTensors out;
    for (const auto& [name, t] : wanNamed) {
        std::string k = name;
        long n;
        std::string rest;
        if (swapPrefix(k, "conv1.", "quant_conv.") || swapPrefix(k, "conv2.", "post_quant_conv.") ||
            sideToDiffusers(k, "encoder.") || sideToDiffusers(k, "decoder.")) {
        } else if (startsWith(k, "encoder.downsamples.") && splitIndex(k.substr(20), n, rest)) {
            k = "encoder.down_blocks." + std::to_string(n) + "." + residualToDiffusers(rest);
        } else if (startsWith(k, "decoder.upsamples.") && splitIndex(k.substr(18), n, rest) && perStage > 0) {
            const long i = n / (perStage + 1), j = n % (perStage + 1);
            k = "decoder.up_blocks." + std::to_string(i) +
                (j < perStage ? ".resnets." + std::to_string(j) + "." + residualToDiffusers(rest)
                              : ".upsamplers.0." + rest);
        }
        out.emplace(k, t);
    }
    return out;
}

bool isDecoderKey(const std::string& storedName) {
    return startsWith(storedName, "decoder.") || startsWith(storedName, "conv2.") ||
           startsWith(storedName, "post_quant_conv.");
}

bool isEncoderKey(const std::string& storedName) {
    return startsWith(storedName, "encoder.") || startsWith(storedName, "conv1.") ||
           startsWith(storedName, "quant_conv.");
}

}  // namespace ts
