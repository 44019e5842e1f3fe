#pragma once
// The built-in demos the GUI opens on first launch and `--demo` selects: a model and a
// latent clip that need no download.
#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

namespace ts {

enum class DemoKind {
    Trained,         // builtin:demo, the small trained model, and its 33x256x256 latent clip
    TinyRandom,      // builtin:tiny with seeded smooth latents: every code path in a second
    FullSizeRandom,  // builtin:wan2.1 (random weights): realistic compute and memory load
};

struct DemoAssets {
    std::string vaeSource;  // a path or builtin:* name for WanVae::load
    at::Tensor latents;     // [16,T,h,w] fp32, normalised
    std::string title;      // shown in the GUI
};

// "trained", "tiny", "wan2.1"; anything else is a Usage error naming `option`.
DemoKind parseDemoKind(const std::string& name, const std::string& option);
std::vector<std::string> demoKindNames();

// Trained reads its latents from resources/ (core/resource_path.h); a missing file is an
// Input error naming where it looked.
DemoAssets loadDemo(DemoKind kind = DemoKind::Trained);

}  // namespace ts
