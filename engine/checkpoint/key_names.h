#pragma once
// Two naming schemes exist for the same Wan2.1 VAE tensors: the original
// (Wan-Video/Wan2.1, Wan2.1_VAE.pth) and diffusers' AutoencoderKLWan. The model uses
// the original names; everything read from a file passes through toWanNames first.
#include "checkpoint/named_tensors.h"

namespace ts {

// Renames diffusers keys to the original names; original keys pass unchanged.
// Needs the whole set, since diffusers' up_blocks.{i}.resnets.{j} maps to a flat index
// that depends on the residual-block count.
NamedTensors toWanNames(NamedTensors tensors);

// The inverse, for test fixtures and export.
NamedTensors toDiffusersNames(const NamedTensors& wanNamed);

// Classify a stored name in either scheme, so loaders can skip what a command does not
// need (decode reads post-quant conv + decoder only).
bool isDecoderKey(const std::string& storedName);
bool isEncoderKey(const std::string& storedName);

}  // namespace ts
