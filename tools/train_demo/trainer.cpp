#include "trainer.h"

#include "checkpoint/safetensors_reader.h"
#include "checkpoint/safetensors_writer.h"
#include "core/error.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace ts::demo {

namespace {

constexpr const char* kParam = "param/";
constexpr const char* kMoment1 = "adam_m/";
constexpr const char* kMoment2 = "adam_v/";

struct AdamState {
    NamedTensors m, v;
};

// Warmup, then a cosine over the steps, or over the wall-clock budget when one is given
// (on a shared machine the step rate is unknown in advance; the budget makes the decay end
// when the time does).
double learningRate(const TrainOptions& o, int step, double elapsed) {
    if (step < o.warmupSteps) return o.lr * (step + 1) / o.warmupSteps;
    const double progress = o.scheduleSeconds > 0
                                ? elapsed / o.scheduleSeconds
                                : static_cast<double>(step - o.warmupSteps) / std::max(1, o.steps - o.warmupSteps);
    const double floor = 0.05;  // end at 5% of the peak rate
    return o.lr * (floor + (1 - floor) * 0.5 * (1 + std::cos(3.14159265358979 * std::min(1.0, progress))));
}

// Adam with bias correction and global gradient-norm clipping (maxNorm <= 0: none).
// Returns the gradient norm before clipping (logged: it shows whether clipping bites).
double adamStep(NamedTensors& params, AdamState& st, int step, double lr, double maxNorm) {
    at::NoGradGuard noGrad;
    double sq = 0;
    for (auto& [name, p] : params)
        if (p.grad().defined()) sq += p.grad().pow(2).sum().item<double>();
    const double norm = std::sqrt(sq);
    const double clip = (maxNorm > 0 && norm > maxNorm) ? maxNorm / norm : 1.0;
    const double b1 = 0.9, b2 = 0.99, eps = 1e-8;
    const double c1 = 1 - std::pow(b1, step + 1), c2 = 1 - std::pow(b2, step + 1);
    for (auto& [name, p] : params) {
        if (!p.grad().defined()) continue;
        at::Tensor g = p.grad() * clip;
        at::Tensor& m = st.m[name];
        at::Tensor& v = st.v[name];
        if (!m.defined()) m = at::zeros_like(p), v = at::zeros_like(p);
        m.mul_(b1).add_(g, 1 - b1);
        v.mul_(b2).addcmul_(g, g, 1 - b2);
        p.addcdiv_(m / c1, (v / c2).sqrt_().add_(eps), -lr);
        p.mutable_grad().reset();
    }
    return norm;
}

void saveCheckpoint(const std::string& path, const NamedTensors& params, const AdamState& st, int step,
                    double seconds) {
    NamedTensors all;
    for (const auto& [name, p] : params) all[kParam + name] = p.detach();
    for (const auto& [name, m] : st.m) all[kMoment1 + name] = m;
    for (const auto& [name, v] : st.v) all[kMoment2 + name] = v;
    all["meta/step"] = at::tensor({static_cast<int64_t>(step)});
    all["meta/seconds"] = at::tensor({seconds}, at::kDouble);
    writeSafetensors(path, all, {{"step", std::to_string(step)}});  // atomic: temp file + rename
}

NamedTensors withPrefix(const NamedTensors& all, const std::string& prefix) {
    NamedTensors out;
    for (const auto& [name, t] : all)
        if (name.rfind(prefix, 0) == 0) out[name.substr(prefix.size())] = t;
    return out;
}

// The weights of `path` in place of the random ones; every tensor of the architecture must be
// there with the same shape. An exported model's folded latent statistics are fine: folding
// is a reparametrisation the round trip does not see (only the loss's small 1e-5 mu^2 term
// sees the latents' new scale).
NamedTensors initialParametersFrom(const std::string& path, const NamedTensors& fresh) {
    const NamedTensors loaded = loadCheckpointParameters(path);
    NamedTensors params;
    for (const auto& [name, p] : fresh) {
        const auto it = loaded.find(name);
        if (it == loaded.end())
            throwInput(path + ": no tensor '" + name + "' (is it a model of this --dim and --res-blocks?)");
        if (!it->second.sizes().equals(p.sizes())) {
            std::ostringstream m;
            m << path << ": tensor '" << name << "' has shape " << it->second.sizes() << ", --dim "
              << "and --res-blocks need " << p.sizes();
            throwInput(m.str());
        }
        params[name] = it->second.clone().set_requires_grad(true);
    }
    return params;
}

}  // namespace

double psnrFromMse(double mse) { return 10.0 * std::log10(4.0 / std::max(mse, 1e-12)); }

NamedTensors loadCheckpointParameters(const std::string& path, int* step) {
    const NamedTensors all = readSafetensors(path);
    NamedTensors params = withPrefix(all, kParam);
    if (params.empty()) params = all;  // a plain Wan-named weights file
    if (step) *step = all.count("meta/step") ? static_cast<int>(all.at("meta/step").item<int64_t>()) : -1;
    for (auto& [name, p] : params) p = p.to(at::kFloat).contiguous();
    return params;
}

NamedTensors train(const TrainOptions& o) {
    at::set_num_threads(o.threads);
    at::globalContext().setFlushDenormal(true);
    std::filesystem::create_directories(o.outDir);
    const std::string ckpt = o.outDir + "/checkpoint.safetensors";
    const VaeConfig cfg = demoConfig(o.arch);
    NamedTensors params = initParameters(cfg, o.seed, o.zeroInitResidual);
    AdamState st;
    int start = 0;
    double before = 0;  // training seconds of earlier runs (resumed)
    if (std::filesystem::exists(ckpt)) {
        const NamedTensors all = readSafetensors(ckpt);
        for (auto& [name, p] : withPrefix(all, kParam)) params[name] = p.to(at::kFloat).clone().set_requires_grad(true);
        st.m = withPrefix(all, kMoment1);
        st.v = withPrefix(all, kMoment2);
        for (auto& [n, t] : st.m) t = t.clone();
        for (auto& [n, t] : st.v) t = t.clone();
        start = static_cast<int>(all.at("meta/step").item<int64_t>());
        if (all.count("meta/seconds")) before = all.at("meta/seconds").item<double>();
        std::cout << "resumed from " << ckpt << " at step " << start << std::endl;
    } else if (!o.initFrom.empty()) {
        params = initialParametersFrom(o.initFrom, params);
        std::cout << "starting from the weights in " << o.initFrom << std::endl;
    }
    std::ofstream log(o.outDir + "/train_log.csv", std::ios::app);
    if (start == 0) log << "step,seconds,lr,loss,mse,psnr_db,latent_rms,grad_norm\n";
    const auto t0 = std::chrono::steady_clock::now();
    double emaPsnr = 0;
    for (int step = start; step < o.steps; ++step) {
        // Training seeds: (seed << 32) + clip index, always below the held-out range.
        const std::uint64_t index = o.repeatData > 0 ? step % o.repeatData : step;  // overfit test
        const std::uint64_t first = (o.seed << 32) + index * o.batch;
        ClipSpec spec = o.clip;
        if (!o.mixFrames.empty()) spec.frames = o.mixFrames[static_cast<std::size_t>(step) % o.mixFrames.size()];
        const at::Tensor clips = makeBatch(first, o.batch, spec);
        const Reconstruction r = reconstruct(params, cfg, clips, o.computeDtype);
        const at::Tensor err = r.video - clips;
        const at::Tensor mse = err.pow(2).mean();
        // MSE is what PSNR measures; the L1 term keeps gradients alive on small errors
        // (sharper edges and text); the small latent penalty keeps the latent scale bounded.
        const at::Tensor loss = mse + 0.1 * err.abs().mean() + 1e-5 * r.mu.pow(2).mean();
        loss.backward();
        const double lr = learningRate(o, step, before + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        const double gradNorm = adamStep(params, st, step, lr, o.clipNorm);
        const double m = mse.item<double>(), psnr = psnrFromMse(m);
        emaPsnr = step == start ? psnr : 0.95 * emaPsnr + 0.05 * psnr;
        const double secs = before + std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        log << step + 1 << ',' << secs << ',' << lr << ',' << loss.item<double>() << ',' << m << ',' << psnr << ','
            << std::sqrt(r.mu.pow(2).mean().item<double>()) << ',' << gradNorm << '\n';
        log.flush();
        if ((step + 1) % 10 == 0)
            std::printf("step %d  %.1fs  lr %.2e  psnr %.2f (ema %.2f)\n", step + 1, secs, lr, psnr, emaPsnr), std::fflush(stdout);
        const bool last = step + 1 == o.steps;
        // A STOP file in the output directory ends the run cleanly (with a checkpoint).
        const bool stopFile = std::filesystem::exists(o.outDir + "/STOP");
        const bool outOfTime = (o.stopAfterSeconds > 0 && secs > o.stopAfterSeconds) ||
                               (o.scheduleSeconds > 0 && secs >= o.scheduleSeconds) || stopFile;
        if ((step + 1) % o.checkpointEvery == 0 || last || outOfTime) saveCheckpoint(ckpt, params, st, step + 1, secs);
        if (outOfTime) {
            std::cout << "stopping after " << secs << " s at step " << step + 1 << (stopFile ? " (STOP file)" : "") << std::endl;
            break;
        }
    }
    return params;
}

}  // namespace ts::demo
