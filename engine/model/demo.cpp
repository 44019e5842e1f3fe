#include "model/demo.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

namespace ts {

DemoAssets loadDemo(const std::string& resourceDir) {
    // Until the trained demo model ships (resources/), the demo is the golden test
    // layout with seeded random weights and smooth seeded latents: it exercises every
    // code path at interactive speed, though what it decodes is not a recognisable scene.
    (void)resourceDir;
    at::Generator gen = at::detail::createCPUGenerator(7);
    // Small enough to decode in seconds on two cores (this layout is narrow, and narrow
    // convolutions run far below the CPU's peak).
    const int64_t T = 5, h = 12, w = 16;
    at::Tensor coarse = at::randn({1, 16, T, h / 4, w / 4}, gen);
    at::Tensor latents = at::upsample_trilinear3d(coarse, {T, h, w}, /*align_corners=*/false).squeeze(0);
    return DemoAssets{"builtin:tiny", latents.contiguous(), "Demo: tiny Wan2.1-layout VAE (random weights)"};
}

}  // namespace ts
