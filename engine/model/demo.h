#pragma once
// The built-in demo the GUI opens on first launch and `--demo` selects: a model and a
// latent clip that need no download.
#include <ATen/core/Tensor.h>

#include <string>

namespace ts {

struct DemoAssets {
    std::string vaeSource;  // a path or builtin:* name for WanVae::load
    at::Tensor latents;     // [16,T,h,w] fp32, normalised
    std::string title;      // shown in the GUI
};

// resourceDir: where resources/ was installed or lies in the source tree ("" = search
// next to the executable and in the source tree).
DemoAssets loadDemo(const std::string& resourceDir = "");

}  // namespace ts
