#pragma once
// The Wan2.1 VAE architecture as found in a checkpoint. Nothing is stored but tensor
// shapes, so every field is inferred from them (inferVaeConfig); the same code loads the
// released 508 MB Wan2.1_VAE.pth (base dim 96) and a tiny test model.
#include "checkpoint/named_tensors.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ts {

struct VaeConfig {
    int zDim = 16;                      // latent channels
    int baseDim = 96;                   // "dim"
    std::vector<int> dimMult{1, 2, 4, 4};
    int numResBlocks = 2;               // per encoder stage; the decoder has one more
    std::vector<bool> temporalDownsample{false, true, true};  // encoder, per stage
    bool hasEncoder = false;            // encoder + conv1 (quant conv) present
    bool hasDecoder = false;            // decoder + conv2 (post-quant conv) present

    // The decoder's temporal upsampling per stage: the encoder's, reversed.
    std::vector<bool> temporalUpsample() const;
    int stageCount() const { return static_cast<int>(dimMult.size()); }
    int spatialFactor() const { return 1 << (stageCount() - 1); }  // 8 for Wan2.1
    // With the frame-split graph option, the decoder stages after this one run one video
    // frame at a time: the last (full-resolution) stage; -1 (none) with one stage.
    int frameSplitAfterStage() const { return stageCount() - 2; }
    int temporalFactor() const;                                       // 4 for Wan2.1
    // Video frames for T latent frames: 1 + temporalFactor * (T - 1).
    int64_t videoFrames(int64_t latentFrames) const { return 1 + temporalFactor() * (latentFrames - 1); }
    std::string describe() const;  // one line: "z 16, dim 96, mult [1,2,4,4], ..."
};

// Which parts a command needs; a decode never reads the encoder's bytes.
enum class VaeParts { Decoder, Encoder, Both };

// Infers the configuration from Wan-named tensors and checks every expected tensor
// exists with the expected shape. Throws ts::Error(Input) naming the key, the expected
// and the actual shape.
VaeConfig inferVaeConfig(const NamedTensors& wanNamed, VaeParts parts);

// Every tensor name and shape the configuration needs, in Wan names. Used for
// validation, for building random-weight models, and by the tests.
std::vector<std::pair<std::string, std::vector<int64_t>>> expectedTensors(const VaeConfig& cfg,
                                                                          VaeParts parts);

}  // namespace ts
