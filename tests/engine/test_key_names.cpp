// Original Wan2.1 names <-> diffusers AutoencoderKLWan names: exact mappings (as in
// diffusers' scripts/convert_wan_to_diffusers.py) and lossless round trips.
#include "checkpoint/key_names.h"
#include "checkpoint/safetensors_reader.h"

#include <ATen/ATen.h>

#include <QtTest>

#include <set>

using namespace ts;

namespace {

std::set<std::string> keys(const NamedTensors& t) {
    std::set<std::string> s;
    for (const auto& kv : t) s.insert(kv.first);
    return s;
}

// The original layout for `stages` stages of `r` residual blocks, built the way
// Wan's Encoder3d/Decoder3d number their modules (flat lists, resample after every
// stage but the last; the decoder has r+1 residual blocks per stage).
NamedTensors syntheticWan(int r, int stages) {
    NamedTensors t;
    const at::Tensor x = at::zeros({1});
    auto residual = [&](const std::string& p, bool shortcut) {
        for (const char* s : {"residual.0.gamma", "residual.2.weight", "residual.2.bias", "residual.3.gamma",
                              "residual.6.weight", "residual.6.bias"})
            t[p + s] = x;
        if (shortcut) {
            t[p + "shortcut.weight"] = x;
            t[p + "shortcut.bias"] = x;
        }
    };
    auto resample = [&](const std::string& p, bool time) {
        t[p + "resample.1.weight"] = x;
        t[p + "resample.1.bias"] = x;
        if (time) {
            t[p + "time_conv.weight"] = x;
            t[p + "time_conv.bias"] = x;
        }
    };
    for (const std::string side : {"encoder.", "decoder."}) {
        t[side + "conv1.weight"] = x;
        t[side + "conv1.bias"] = x;
        residual(side + "middle.0.", false);
        for (const char* s : {"norm.gamma", "to_qkv.weight", "to_qkv.bias", "proj.weight", "proj.bias"})
            t[side + "middle.1." + s] = x;
        residual(side + "middle.2.", false);
        t[side + "head.0.gamma"] = x;
        t[side + "head.2.weight"] = x;
        t[side + "head.2.bias"] = x;
    }
    int n = 0;
    for (int s = 0; s < stages; ++s) {
        for (int j = 0; j < r; ++j, ++n) residual("encoder.downsamples." + std::to_string(n) + ".", j == 0 && s > 0);
        if (s + 1 < stages) resample("encoder.downsamples." + std::to_string(n++) + ".", s > 0);
    }
    n = 0;
    for (int s = 0; s < stages; ++s) {
        for (int j = 0; j <= r; ++j, ++n) residual("decoder.upsamples." + std::to_string(n) + ".", j == 0 && s == 1);
        if (s + 1 < stages) resample("decoder.upsamples." + std::to_string(n++) + ".", s + 2 < stages);
    }
    for (const char* s : {"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias"}) t[s] = x;
    return t;
}

}  // namespace

class TestKeyNames : public QObject {
    Q_OBJECT

private slots:
    void goldenRoundTrip() {
        const NamedTensors wan = readSafetensors(std::string(TILESCOPE_TEST_DATA) + "/vae.safetensors");
        const NamedTensors diff = toDiffusersNames(wan);
        QCOMPARE(diff.size(), wan.size());
        for (const auto& kv : diff) {
            QVERIFY2(kv.first.find("upsamples.") == std::string::npos, kv.first.c_str());
            QVERIFY2(kv.first.find("downsamples.") == std::string::npos, kv.first.c_str());
            QVERIFY2(kv.first.find("residual.") == std::string::npos, kv.first.c_str());
            QVERIFY2(kv.first.find("middle.") == std::string::npos, kv.first.c_str());
        }
        const NamedTensors back = toWanNames(diff);
        QVERIFY(keys(back) == keys(wan));
        for (const auto& [name, t] : wan) QVERIFY2(back.at(name).is_same(t), name.c_str());
        // Original names pass through toWanNames unchanged.
        QVERIFY(keys(toWanNames(wan)) == keys(wan));
    }

    void spotChecksGolden() {
        const NamedTensors wan = readSafetensors(std::string(TILESCOPE_TEST_DATA) + "/vae.safetensors");
        const std::set<std::string> d = keys(toDiffusersNames(wan));
        // R = 2: decoder stages are upsamples 0-3, 4-7, 8-11, 12-14.
        for (const char* k : {
                 "quant_conv.weight", "post_quant_conv.bias", "encoder.conv_in.weight", "decoder.conv_in.bias",
                 "encoder.down_blocks.0.norm1.gamma", "encoder.down_blocks.2.resample.1.weight",
                 "encoder.down_blocks.3.conv_shortcut.weight", "encoder.down_blocks.5.time_conv.bias",
                 "encoder.down_blocks.10.conv2.weight", "encoder.mid_block.resnets.1.norm2.gamma",
                 "encoder.mid_block.attentions.0.to_qkv.weight", "encoder.norm_out.gamma", "encoder.conv_out.bias",
                 "decoder.mid_block.resnets.0.conv1.weight", "decoder.mid_block.attentions.0.norm.gamma",
                 "decoder.up_blocks.0.resnets.2.conv2.bias", "decoder.up_blocks.0.upsamplers.0.resample.1.weight",
                 "decoder.up_blocks.0.upsamplers.0.time_conv.weight", "decoder.up_blocks.1.resnets.0.conv_shortcut.weight",
                 "decoder.up_blocks.2.upsamplers.0.resample.1.bias", "decoder.up_blocks.3.resnets.2.norm1.gamma",
                 "decoder.norm_out.gamma", "decoder.conv_out.weight"})
            QVERIFY2(d.count(k), k);
        QVERIFY(!d.count("decoder.up_blocks.2.upsamplers.0.time_conv.weight"));  // that stage upsamples space only

        NamedTensors one;
        const at::Tensor x = at::zeros({1});
        one["decoder.up_blocks.0.resnets.0.norm1.gamma"] = x;
        one["decoder.up_blocks.0.resnets.1.conv1.weight"] = x;
        one["decoder.up_blocks.0.resnets.2.conv2.weight"] = x;
        one["decoder.up_blocks.1.resnets.0.conv_shortcut.bias"] = x;
        one["decoder.up_blocks.2.upsamplers.0.resample.1.weight"] = x;
        one["decoder.up_blocks.3.resnets.2.norm2.gamma"] = x;
        const std::set<std::string> w = keys(toWanNames(one));
        for (const char* k : {"decoder.upsamples.0.residual.0.gamma", "decoder.upsamples.1.residual.2.weight",
                              "decoder.upsamples.2.residual.6.weight", "decoder.upsamples.4.shortcut.bias",
                              "decoder.upsamples.11.resample.1.weight", "decoder.upsamples.14.residual.3.gamma"})
            QVERIFY2(w.count(k), k);
    }

    void syntheticThreeResidualBlocks() {
        // R = 3 (and 4 stages): decoder stages are 5 modules wide (4 resnets + upsampler).
        const NamedTensors wan = syntheticWan(3, 4);
        const NamedTensors diff = toDiffusersNames(wan);
        QCOMPARE(diff.size(), wan.size());
        const std::set<std::string> d = keys(diff);
        QVERIFY(d.count("decoder.up_blocks.0.resnets.3.conv2.weight"));
        QVERIFY(d.count("decoder.up_blocks.0.upsamplers.0.time_conv.weight"));       // upsamples.4
        QVERIFY(d.count("decoder.up_blocks.1.resnets.0.conv_shortcut.weight"));      // upsamples.5
        QVERIFY(d.count("decoder.up_blocks.3.resnets.3.norm1.gamma"));               // upsamples.18
        QVERIFY(d.count("decoder.up_blocks.2.upsamplers.0.resample.1.weight"));      // upsamples.14
        QVERIFY(d.count("encoder.down_blocks.3.resample.1.weight"));
        QVERIFY(d.count("encoder.down_blocks.4.conv_shortcut.bias"));
        QVERIFY(keys(toWanNames(diff)) == keys(wan));
        QVERIFY(keys(toWanNames(NamedTensors(wan))) == keys(wan));

        // One residual block per stage, two stages: still exact.
        const NamedTensors small = syntheticWan(1, 2);
        QVERIFY(keys(toWanNames(toDiffusersNames(small))) == keys(small));
    }

    void classifiesKeys() {
        for (const char* k : {"decoder.conv1.weight", "conv2.bias", "post_quant_conv.weight",
                              "decoder.up_blocks.0.resnets.0.norm1.gamma"}) {
            QVERIFY2(isDecoderKey(k), k);
            QVERIFY2(!isEncoderKey(k), k);
        }
        for (const char* k : {"encoder.conv1.weight", "conv1.bias", "quant_conv.weight",
                              "encoder.down_blocks.0.conv1.weight"}) {
            QVERIFY2(isEncoderKey(k), k);
            QVERIFY2(!isDecoderKey(k), k);
        }
        QVERIFY(!isDecoderKey("conv2") && !isEncoderKey("conv10.weight") && !isDecoderKey("decoders.x"));
    }
};

QTEST_APPLESS_MAIN(TestKeyNames)
#include "test_key_names.moc"
