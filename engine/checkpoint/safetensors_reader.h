#pragma once
// safetensors: 8-byte little-endian header length, JSON header, raw little-endian data.
// Every offset and shape in the header is checked against the file size before a byte
// of data is read, so a crafted header cannot make the reader over-allocate or read
// out of bounds.
#include "checkpoint/named_tensors.h"

#include <cstdint>
#include <string>

namespace ts {

// True when the first bytes of a file could start a safetensors file (plausible
// header length followed by '{').
bool looksLikeSafetensors(const std::string& firstBytes, std::uint64_t fileSize);

NamedTensors readSafetensors(const std::string& path, const KeyFilter& keep = {});

}  // namespace ts
