#pragma once
// Finds files shipped in resources/ (the demo model and latents): next to the executable
// (an installed or copied tree) first, then the source tree the binary was built from.
#include <string>
#include <vector>

namespace ts {

// The resources/ directories searched, in order: <exe dir>/resources,
// <exe dir>/../resources, <exe dir>/../share/tilescope/resources, then the source
// tree's resources/ (a compile-time path; absent in a relocated install).
std::vector<std::string> resourceSearchDirs();

// The first existing <dir>/<relative> over resourceSearchDirs(); "" when none exists.
std::string findResource(const std::string& relative);

// findResource, or an Input error "<context>: <relative> not found in <the dirs searched>".
std::string requireResource(const std::string& relative, const std::string& context);

// The trained demo model (builtin:demo) and its latent clip ([16,9,32,32], normalised
// with the Wan2.1 constants like any Wan2.1 latents), relative to resources/.
inline constexpr const char* kDemoVaeResource = "demo/demo_vae.safetensors";
inline constexpr const char* kDemoLatentsResource = "demo/demo_latents.safetensors";

}  // namespace ts
