#pragma once
// Reads a checkpoint file of either format, chosen by content (not by extension):
// a torch.save zip (.pth/.pt/.ckpt) or a safetensors file. Names are returned as
// stored; key_names.h maps them to the Wan2.1 names the model uses.
#include "checkpoint/named_tensors.h"

namespace ts {

NamedTensors readCheckpoint(const std::string& path, const KeyFilter& keep = {});

}  // namespace ts
