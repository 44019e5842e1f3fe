#pragma once
// Synthetic training and test clips for the demo model: moving and rotating shapes over
// gradients, textured backgrounds panned like a camera, and scrolling text. Every clip is
// a pure function of (seed, index), so the training set, the held-out set and the demo
// clip are reproducible without storing any data.
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace ts::demo {

struct ClipSpec {
    int frames = 9;    // 1 + 4k, as the encoder needs
    int height = 64;   // multiples of 8
    int width = 64;
};

// One clip [3, frames, height, width] fp32 in [-1, 1]. Training uses seeds from one
// stream, evaluation from another (see kHeldOutSeedBase), so held-out clips are never
// seen in training.
at::Tensor makeClip(std::uint64_t seed, const ClipSpec& spec);

// A batch [B, 3, F, H, W] of clips seed, seed + 1, ...
at::Tensor makeBatch(std::uint64_t firstSeed, int batch, const ClipSpec& spec);

// Seeds at or above this are reserved for held-out evaluation clips.
constexpr std::uint64_t kHeldOutSeedBase = 1ULL << 40;

// The demo clip the shipped latents encode: a held-out seed chosen by eye among
// 2^40 + 10^6 + 0..47 (`tilescope-train-demo render`) for what a first launch should show:
// moving shapes and three lines of scrolling text, "TILESCOPE" among them, over a gradient.
// Until 2026-11-27 it was 2^40 + 10^6, a panned texture with nothing on it.
constexpr std::uint64_t kDemoClipSeed = kHeldOutSeedBase + 1000040;

}  // namespace ts::demo
