#include "model/demo.h"

#include "core/error.h"
#include "core/resource_path.h"
#include "io/latents_reader.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

namespace ts {

namespace {

// Smooth seeded latents (coarse noise, trilinearly upsampled): random-weight models decode
// them to structured colour fields rather than per-pixel noise.
at::Tensor smoothLatents(std::int64_t T, std::int64_t h, std::int64_t w, std::uint64_t seed) {
    at::Generator gen = at::detail::createCPUGenerator(seed);
    at::Tensor coarse = at::randn({1, 16, T, std::max<std::int64_t>(1, h / 4), std::max<std::int64_t>(1, w / 4)}, gen);
    return at::upsample_trilinear3d(coarse, {T, h, w}, /*align_corners=*/false).squeeze(0).contiguous();
}

}  // namespace

std::vector<std::string> demoKindNames() { return {"trained", "tiny", "wan2.1"}; }

DemoKind parseDemoKind(const std::string& name, const std::string& option) {
    if (name == "trained") return DemoKind::Trained;
    if (name == "tiny") return DemoKind::TinyRandom;
    if (name == "wan2.1") return DemoKind::FullSizeRandom;
    throwUsage(option + ": unknown demo '" + name + "' (trained, tiny or wan2.1)");
}

DemoAssets loadDemo(DemoKind kind) {
    switch (kind) {
    case DemoKind::TinyRandom:
        // Small: about 0.1 s to decode on two cores (the GUI tests' runs).
        return {"builtin:tiny", smoothLatents(5, 12, 16, 7), "Demo: tiny Wan2.1-layout VAE (random weights), 17 frames at 128x96"};
    case DemoKind::FullSizeRandom:
        // 9 frames at 128x128: the CPU benchmark's shape (1.2-1.3 TFLOP, 3.8-3.9 s on two cores:
        // docs/benchmarks/2026-11-27-cpu-vs-reference.md).
        return {"builtin:wan2.1", smoothLatents(3, 16, 16, 7),
                "Demo: full-size Wan2.1 VAE (random weights), 9 frames at 128x128: its compute and memory per pixel"};
    case DemoKind::Trained:
        break;
    }
    return {"builtin:demo", readLatents(requireResource(kDemoLatentsResource, "the demo latents")),
            "Demo: small trained Wan2.1 VAE, 33 frames at 256x256"};
}

}  // namespace ts
