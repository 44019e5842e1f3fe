#pragma once
// Reads what torch.save writes (a zip with data.pkl and data/<key> storage records)
// without executing anything: a restricted unpickler that accepts only the globals
// torch.save emits for tensors and state dicts, and refuses every other one by name.
#include "checkpoint/named_tensors.h"

#include <string>

namespace ts {

bool looksLikeZip(const std::string& firstBytes);

// A saved state dict (possibly nested under "state_dict"/"model"): name -> tensor.
NamedTensors readPth(const std::string& path, const KeyFilter& keep = {});

// A file holding one saved tensor (torch.save(tensor)), or a dict with tensors: as
// NamedTensors, with the single tensor under the name "" when the top object is a tensor.
NamedTensors readPthTensors(const std::string& path);

}  // namespace ts
