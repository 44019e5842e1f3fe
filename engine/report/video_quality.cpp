#include "report/video_quality.h"

#include "core/error.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

namespace ts {

namespace {

// [3,F,H,W] in [-1,1] -> [F,1,H,W] luma in [0,1], double for stable variances.
at::Tensor luma(const at::Tensor& v) {
    const at::Tensor x = (v.to(at::kCPU, at::kDouble).clamp(-1.0, 1.0) + 1.0) * 0.5;
    return (0.299 * x[0] + 0.587 * x[1] + 0.114 * x[2]).unsqueeze(1);
}

at::Tensor gaussianWindow(int size, double sigma) {
    const at::Tensor r = at::arange(size, at::kDouble) - (size - 1) / 2.0;
    at::Tensor g = at::exp(-(r * r) / (2 * sigma * sigma));
    g = g / g.sum();
    return at::outer(g, g).view({1, 1, size, size});
}

std::vector<double> ssimPerFrame(const at::Tensor& a, const at::Tensor& b) {
    const int64_t h = a.size(2), w = a.size(3);
    int size = static_cast<int>(std::min<int64_t>({11, h, w}));
    if (size % 2 == 0) --size;
    const at::Tensor win = gaussianWindow(size, 1.5 * size / 11.0);
    auto blur = [&](const at::Tensor& x) { return at::conv2d(x, win); };  // valid positions only
    const double c1 = 0.01 * 0.01, c2 = 0.03 * 0.03;  // (K * L)^2 with L = 1
    const at::Tensor muA = blur(a), muB = blur(b);
    const at::Tensor varA = blur(a * a) - muA * muA, varB = blur(b * b) - muB * muB, cov = blur(a * b) - muA * muB;
    const at::Tensor map = ((2 * muA * muB + c1) * (2 * cov + c2)) / ((muA * muA + muB * muB + c1) * (varA + varB + c2));
    const at::Tensor perFrame = map.flatten(1).mean(1).contiguous();
    return {perFrame.data_ptr<double>(), perFrame.data_ptr<double>() + perFrame.numel()};
}

}  // namespace

VideoQuality compareVideos(const at::Tensor& reference, const at::Tensor& test) {
    if (reference.dim() != 4 || reference.size(0) != 3 || reference.sizes() != test.sizes())
        throwInput("cannot compare videos of shapes " + c10::str(reference.sizes()) + " and " + c10::str(test.sizes()));
    VideoQuality q;
    const at::Tensor diff = reference.to(at::kCPU, at::kDouble) - test.to(at::kCPU, at::kDouble);
    const at::Tensor mse = diff.pow(2).transpose(0, 1).flatten(1).mean(1).contiguous();  // per frame
    for (int64_t i = 0; i < mse.numel(); ++i) {
        const double m = mse.data_ptr<double>()[i];
        q.psnrDb.push_back(m > 0 ? std::min(kIdenticalPsnrDb, 10.0 * std::log10(4.0 / m)) : kIdenticalPsnrDb);
    }
    q.ssim = ssimPerFrame(luma(reference), luma(test));
    // An identical frame's PSNR is infinite: averaged in as the sentinel it would lift the
    // mean by 999/F dB, so the mean is over the frames that differ.
    double psnrSum = 0;
    for (std::size_t i = 0; i < q.psnrDb.size(); ++i) {
        if (q.psnrDb[i] >= kIdenticalPsnrDb) ++q.identicalFrames;
        else psnrSum += q.psnrDb[i];
        q.meanSsim += q.ssim[i] / q.ssim.size();
    }
    const std::size_t differing = q.psnrDb.size() - static_cast<std::size_t>(q.identicalFrames);
    q.meanPsnrDb = differing > 0 ? psnrSum / differing : kIdenticalPsnrDb;
    q.minPsnrDb = *std::min_element(q.psnrDb.begin(), q.psnrDb.end());
    q.minSsim = *std::min_element(q.ssim.begin(), q.ssim.end());
    return q;
}

}  // namespace ts
