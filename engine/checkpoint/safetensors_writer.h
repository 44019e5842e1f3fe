#pragma once
// Writes tensors as a safetensors file, atomically: a temporary file renamed into
// place on success, removed on failure, so no half-written file is left as if complete.
#include "checkpoint/named_tensors.h"

#include <map>
#include <string>

namespace ts {

void writeSafetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace ts
