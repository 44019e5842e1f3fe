#pragma once
// Per-frame fidelity of a reconstructed clip against its source, both [3,F,H,W] in
// [-1,1]:
//   PSNR over all three channels, peak-to-peak 2 (the range), as decode --check-* does;
//        identical frames report kIdenticalPsnrDb instead of infinity (a sentinel: JSON
//        writers give null for it) and are left out of the mean (counted apart).
//   SSIM on luma (BT.601 Y of RGB mapped to [0,1]) with the standard 11x11 Gaussian
//        window (sigma 1.5), K1 0.01, K2 0.03, averaged over valid window positions
//        (Wang et al. 2004); frames under 11 px use the largest odd window that fits.
#include <ATen/core/Tensor.h>

#include <vector>

namespace ts {

constexpr double kIdenticalPsnrDb = 999.0;

struct VideoQuality {
    std::vector<double> psnrDb;  // one per frame
    std::vector<double> ssim;    // one per frame, in [-1, 1]
    double meanPsnrDb = 0, minPsnrDb = 0;  // mean: of the frames that differ
    double meanSsim = 0, minSsim = 0;
    int identicalFrames = 0;
};

// Throws ErrorKind::Input when the shapes differ.
VideoQuality compareVideos(const at::Tensor& reference, const at::Tensor& test);

}  // namespace ts
