// tilescope-train-demo: trains, evaluates and exports the built-in demo model (a small
// Wan2.1 VAE) on synthetic clips. See docs/demo-model.md for the command that produced
// resources/demo/.
//
//   tilescope-train-demo check-grad
//   tilescope-train-demo train  --out-dir DIR [--steps N] [--seed S] [--dim D] [--res-blocks R]
//                               [--frames F] [--size PX] [--batch B] [--lr LR] [--bf16]
//                               [--stop-after SECONDS] [--schedule-seconds SECONDS] [--threads N]
//                               [--init WEIGHTS (fine-tune from them)] [--mix-frames 5,9,17,33 (by step)]
//   tilescope-train-demo eval   --checkpoint FILE [--frames F] [--size PX] [--count N]
//   tilescope-train-demo export --checkpoint FILE --out-dir DIR [--frames F --size PX (training clips)]
//                               [--eval-frames F] [--eval-size PX] [--eval-count N] [--stats-clips N]
//                               [--demo-frames F] [--demo-size PX] [--demo-precision fp32|bf16] [--fp32]
//   tilescope-train-demo grow   --checkpoint FILE --out FILE.safetensors [--seed S]
//                               (one more residual block per stage, computing the same: train it
//                               with --init FILE.safetensors --res-blocks R+1)
//   tilescope-train-demo demo-latents --vae FILE --out-dir DIR [--demo-frames F] [--demo-size PX]
//                               (the demo clip encoded by an exported model: export's last step)
//   tilescope-train-demo render --held-out N | --demo 1 --out-dir DIR [--frames F] [--size PX]
//                               (a synthetic clip as PNG frames)
#include "checkpoint/safetensors_writer.h"
#include "core/error.h"
#include "decode/decoder_run.h"
#include "demo_model.h"
#include "evaluator.h"
#include "io/video_writer.h"
#include "model_growth.h"
#include "trainer.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

using namespace ts;
using namespace ts::demo;

namespace {

using Args = std::map<std::string, std::string>;

Args parseArgs(int argc, char** argv, int first) {
    Args a;
    for (int i = first; i < argc; ++i) {
        std::string k = argv[i];
        if (k.rfind("--", 0) != 0) throwUsage("unexpected argument '" + k + "'");
        k = k.substr(2);
        if (k == "bf16" || k == "fp32") {  // flags without a value
            a[k] = "1";
            continue;
        }
        if (i + 1 >= argc) throwUsage("--" + k + " needs a value");
        a[k] = argv[++i];
    }
    return a;
}

int intArg(const Args& a, const std::string& k, int def) {
    auto it = a.find(k);
    if (it == a.end()) return def;
    try {
        return std::stoi(it->second);
    } catch (...) {
        throwUsage("--" + k + ": not an integer: '" + it->second + "'");
    }
}

double doubleArg(const Args& a, const std::string& k, double def) {
    auto it = a.find(k);
    if (it == a.end()) return def;
    try {
        return std::stod(it->second);
    } catch (...) {
        throwUsage("--" + k + ": not a number: '" + it->second + "'");
    }
}

std::string need(const Args& a, const std::string& k) {
    auto it = a.find(k);
    if (it == a.end()) throwUsage("--" + k + " is required");
    return it->second;
}

ClipSpec clipArgs(const Args& a, int frames, int size) {
    ClipSpec s;
    s.frames = intArg(a, "frames", frames);
    s.height = s.width = intArg(a, "size", size);
    if ((s.frames - 1) % 4 != 0 || s.frames < 1) throwUsage("--frames must be 1 + 4k");
    if (s.height % 8 != 0 || s.height < 8) throwUsage("--size must be a positive multiple of 8");
    return s;
}

double seconds(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Gradients must reach every parameter the reconstruction uses through the engine's
// chunked encoder/decoder, match finite differences, and the forward with GradMode on
// must equal the engine's inference path.
int checkGrad() {
    at::set_num_threads(2);
    const VaeConfig cfg = demoConfig(DemoArch{8, 1});
    NamedTensors params = initParameters(cfg, 3);
    {   // non-zero second convs, so every gradient path is exercised
        at::NoGradGuard g;
        for (auto& [n, p] : params)
            if (n.find("residual.6.weight") != std::string::npos) p.normal_(0, 0.05);
    }
    const ClipSpec spec{5, 16, 16};
    const at::Tensor clip = makeClip(42, spec).unsqueeze(0);
    Reconstruction r = reconstruct(params, cfg, clip, at::kFloat);
    at::Tensor loss = (r.video - clip).pow(2).mean();
    loss.backward();
    int missing = 0, zero = 0;
    for (const auto& [n, p] : params) {
        if (!p.grad().defined()) {
            std::cout << "no gradient: " << n << "\n";
            ++missing;
        } else if (p.grad().abs().sum().item<double>() == 0) {
            ++zero;
        }
    }
    std::cout << params.size() << " parameters, " << missing << " without gradient, " << zero
              << " with an all-zero gradient\n";
    // Directional finite difference.
    at::Generator gen = at::detail::createCPUGenerator(5);
    // A random unit direction over all parameters.
    double analytic = 0, norm2 = 0;
    NamedTensors dir;
    for (const auto& [n, p] : params) {
        dir[n] = at::randn(p.sizes(), gen);
        norm2 += dir[n].pow(2).sum().item<double>();
    }
    for (auto& [n, d] : dir) {
        d.div_(std::sqrt(norm2));
        if (params.at(n).grad().defined()) analytic += (params.at(n).grad() * d).sum().item<double>();
    }
    auto lossAt = [&](double eps) {
        at::NoGradGuard g;
        NamedTensors q;
        for (const auto& [n, p] : params) q[n] = p.detach() + eps * dir[n];
        Reconstruction rr = reconstruct(q, cfg, clip, at::kFloat);
        return (rr.video - clip).pow(2).mean().item<double>();
    };
    const double eps = 1e-2;  // fp32 loss: a smaller step drowns in rounding
    const double numeric = (lossAt(eps) - lossAt(-eps)) / (2 * eps);
    const double rel = std::abs(numeric - analytic) / std::max(1e-12, std::abs(analytic));
    std::printf("directional derivative: analytic %.6e, finite difference %.6e, relative error %.2e\n", analytic,
                numeric, rel);
    // Same forward as the engine's inference path (raw latents, fp32).
    NamedTensors plain;
    for (const auto& [n, p] : params) plain[n] = p.detach();
    const WanVae vae = WanVae::fromTensors(plain, VaeParts::Both, "check");
    DecodeSettings s;
    s.threads = 2;
    s.rawLatents = true;
    const at::Tensor lat = encodeToLatents(vae, clip.squeeze(0), s);
    const at::Tensor video = decodeToTensor(vae, lat, s);
    const double dLat = (lat - r.mu.squeeze(0).detach()).abs().max().item<double>();
    // decodeToTensor clamps to [-1, 1]; random weights go beyond it.
    const double dVid = (video - r.video.squeeze(0).detach().clamp(-1, 1)).abs().max().item<double>();
    std::printf("training forward vs engine inference: latents max |diff| %.2e, video max |diff| %.2e\n", dLat, dVid);
    const bool ok = missing == 0 && rel < 5e-2 && dLat < 1e-4 && dVid < 1e-4;
    std::cout << (ok ? "OK" : "FAILED") << std::endl;
    return ok ? 0 : 1;
}

int evalCommand(const Args& a) {
    at::set_num_threads(intArg(a, "threads", 2));
    int step = 0;
    const NamedTensors params = loadCheckpointParameters(need(a, "checkpoint"), &step);
    const WanVae vae = WanVae::fromTensors(params, VaeParts::Both, "eval");
    const ClipSpec spec = clipArgs(a, 9, 64);
    const auto t0 = std::chrono::steady_clock::now();
    // Raw latents: the normalisation cancels in a round trip; the exported model is
    // evaluated after folding by `export`.
    const EvalResult r = evaluateHeldOut(vae, spec, intArg(a, "count", 4));
    std::printf("step %d: held-out %dx%dx%d, %d clips: mean PSNR %.2f dB, min %.2f dB (mean colour alone: %.2f dB) (%.1fs)\n",
                step, spec.frames, spec.height, spec.width, r.clips, r.meanPsnr, r.minPsnr, r.meanColourPsnr, seconds(t0));
    std::printf("per frame (dB):");
    for (const double p : r.framePsnr) std::printf(" %.1f", p);
    std::printf("\n");
    return 0;
}

int growCommand(const Args& a) {
    const std::string in = need(a, "checkpoint"), out = need(a, "out");
    const NamedTensors params = loadCheckpointParameters(in);
    const VaeConfig from = inferVaeConfig(params, VaeParts::Both);
    const NamedTensors grown =
        addResidualBlock(params, from, static_cast<std::uint64_t>(intArg(a, "seed", 1)), in);
    writeSafetensors(out, grown, {{"grown_from", in}});  // atomic: temp file + rename
    std::printf("%s: %d -> %d residual blocks per encoder stage, %zu -> %zu tensors, written to %s\n", in.c_str(),
                from.numResBlocks, from.numResBlocks + 1, params.size(), grown.size(), out.c_str());
    return 0;
}

// The demo clip, encoded by `vae` into DIR/demo_latents.safetensors, and the check
// test_demo_model repeats. `export` ends with it; `demo-latents` runs it alone on an
// exported model (a new demo clip for the same weights).
void writeDemoLatents(const WanVae& vae, const Args& a, const std::string& outDir,
                      std::chrono::steady_clock::time_point t0) {
    ClipSpec ds;
    ds.frames = intArg(a, "demo-frames", 33);
    ds.height = ds.width = intArg(a, "demo-size", 256);
    const at::Tensor clip = demoClip(ds);
    DecodeSettings s;
    s.threads = intArg(a, "threads", 2);
    s.precision = parsePrecision(a.count("demo-precision") ? a.at("demo-precision") : "fp32");
    const at::Tensor latents = encodeToLatents(vae, clip, s);
    writeSafetensors(outDir + "/demo_latents.safetensors", {{"latents", latents.contiguous()}},
                     {{"source", "tilescope-train-demo: demo clip (seed 2^40 + " +
                                     std::to_string(kDemoClipSeed - kHeldOutSeedBase) + ") " +
                                     std::to_string(ds.frames) + "x" + std::to_string(ds.height) + "x" +
                                     std::to_string(ds.width) + ", " + toString(s.precision) + " encode"}});
    std::printf("demo latents [%ld,%ld,%ld,%ld], rms %.3f (%.0fs)\n", (long)latents.size(0), (long)latents.size(1),
                (long)latents.size(2), (long)latents.size(3), latents.pow(2).mean().sqrt().item<double>(), seconds(t0));
    // The check test_demo_model repeats: the first two latent frames over the top-left
    // 16x16 latent pixels, against the clip's first 5 frames there (crop border excluded).
    DecodeSettings f;
    f.threads = s.threads;
    const int64_t lh = std::min<int64_t>(16, latents.size(2)), lw = std::min<int64_t>(16, latents.size(3));
    const at::Tensor part = latents.narrow(1, 0, std::min<int64_t>(2, latents.size(1))).narrow(2, 0, lh).narrow(3, 0, lw);
    const at::Tensor video = decodeToTensor(vae, part.contiguous(), f);
    const int64_t ch = std::max<int64_t>(8, lh * 8 - 16), cw = std::max<int64_t>(8, lw * 8 - 16);
    const at::Tensor ref = clip.narrow(1, 0, video.size(1)).narrow(2, 0, ch).narrow(3, 0, cw);
    const double psnr = psnrFromMse((video.narrow(2, 0, ch).narrow(3, 0, cw) - ref).pow(2).mean().item<double>());
    if (a.count("clip-out")) writeSafetensors(a.at("clip-out"), {{"video", clip}, {"decoded_crop", video}});
    std::printf("demo latents -> first %ld frames, %ldx%ld crop: PSNR %.2f dB (%.0fs)\n", (long)video.size(1), (long)ch,
                (long)cw, psnr, seconds(t0));
}

int exportCommand(const Args& a) {
    at::set_num_threads(intArg(a, "threads", 2));
    const auto t0 = std::chrono::steady_clock::now();
    const std::string outDir = need(a, "out-dir");
    std::filesystem::create_directories(outDir);
    int step = 0;
    const NamedTensors params = loadCheckpointParameters(need(a, "checkpoint"), &step);
    const VaeConfig cfg = inferVaeConfig(params, VaeParts::Both);
    // Latent statistics over training-distribution clips (the trainer's seed stream).
    const ClipSpec trainSpec = clipArgs(a, 5, 32);
    at::Tensor mean, std;
    latentStats(params, cfg, trainSpec, intArg(a, "stats-clips", 16), static_cast<std::uint64_t>(intArg(a, "seed", 1)),
                &mean, &std);
    std::cout << "latent mean " << mean.view({1, -1}) << "\nlatent std " << std.view({1, -1}) << std::endl;
    const NamedTensors folded = foldLatentStats(params, mean, std);
    // fp16 storage halves the file; the loader converts to fp32. The log-variance half
    // of conv1 is never trained nor used by the engine; it ships so the layout is Wan's.
    const bool half = a.count("fp32") == 0;
    NamedTensors stored;
    for (const auto& [n, t] : folded) stored[n] = half ? t.to(at::kHalf) : t;
    const std::string vaePath = outDir + "/demo_vae.safetensors";
    writeSafetensors(vaePath, stored,
                     {{"format", "pt"}, {"model", "TileScope demo: Wan2.1 VAE architecture, " + cfg.describe()},
                      {"training_step", std::to_string(step)},
                      {"latent_normalisation", "Wan2.1 constants; the model's own latent statistics are folded into conv1/conv2"}});
    const WanVae vae = WanVae::load(vaePath, VaeParts::Both);
    ClipSpec evalSpec;
    evalSpec.frames = intArg(a, "eval-frames", 9);
    evalSpec.height = evalSpec.width = intArg(a, "eval-size", 64);
    const EvalResult r = evaluateHeldOut(vae, evalSpec, intArg(a, "eval-count", 4));
    std::printf("exported model (step %d): held-out %dx%dx%d, %d clips: mean PSNR %.2f dB, min %.2f dB (mean colour "
                "alone: %.2f dB) (%.0fs)\n",
                step, evalSpec.frames, evalSpec.height, evalSpec.width, r.clips, r.meanPsnr, r.minPsnr, r.meanColourPsnr,
                seconds(t0));
    std::fflush(stdout);
    writeDemoLatents(vae, a, outDir, t0);
    return 0;
}

// An exported model's latents of the demo clip, without re-exporting the weights.
int demoLatentsCommand(const Args& a) {
    at::set_num_threads(intArg(a, "threads", 2));
    const auto t0 = std::chrono::steady_clock::now();
    const std::string outDir = need(a, "out-dir");
    std::filesystem::create_directories(outDir);
    writeDemoLatents(WanVae::load(need(a, "vae"), VaeParts::Both), a, outDir, t0);
    return 0;
}

// A synthetic clip as PNG frames DIR/frame_0001.png..., to see what the model trains and
// is judged on: --held-out N is held-out clip N (seed 2^40 + N), --demo the demo clip.
int renderCommand(const Args& a) {
    if (a.count("held-out") == a.count("demo")) throwUsage("render: give one of --held-out N or --demo 1");
    const std::uint64_t seed = a.count("demo") ? kDemoClipSeed
                                               : kHeldOutSeedBase + static_cast<std::uint64_t>(intArg(a, "held-out", 0));
    const at::Tensor clip = makeClip(seed, clipArgs(a, 33, 256));
    const std::string outDir = need(a, "out-dir");
    std::filesystem::create_directories(outDir);
    for (int64_t f = 0; f < clip.size(1); ++f) {
        char name[32];
        std::snprintf(name, sizeof name, "/frame_%04ld.png", static_cast<long>(f + 1));
        std::ofstream(outDir + name, std::ios::binary) << encodePng(clip.select(1, f));
    }
    std::printf("clip (seed 2^40 + %llu): %ld frames of %ldx%ld in %s\n",
                static_cast<unsigned long long>(seed - kHeldOutSeedBase), static_cast<long>(clip.size(1)),
                static_cast<long>(clip.size(3)), static_cast<long>(clip.size(2)), outDir.c_str());
    return 0;
}

int trainCommand(const Args& a) {
    TrainOptions o;
    o.arch.baseDim = intArg(a, "dim", 16);
    o.arch.numResBlocks = intArg(a, "res-blocks", 1);
    o.clip = clipArgs(a, 9, 64);
    o.batch = intArg(a, "batch", 2);
    o.steps = intArg(a, "steps", 1000);
    o.lr = doubleArg(a, "lr", 1e-3);
    o.warmupSteps = intArg(a, "warmup", 50);
    o.seed = static_cast<std::uint64_t>(intArg(a, "seed", 1));
    if (a.count("bf16") && a.count("fp32")) throwUsage("--bf16 and --fp32 contradict each other");
    // fp32 is the default: at batch 8 of 5x32x32 a step took 1.7 s in fp32 and 4.6 s in
    // bf16 on the shared build machine (small convs; docs/demo-model.md).
    o.computeDtype = a.count("bf16") ? at::kBFloat16 : at::kFloat;
    o.checkpointEvery = intArg(a, "checkpoint-every", 50);
    o.threads = intArg(a, "threads", 2);
    o.outDir = need(a, "out-dir");
    o.stopAfterSeconds = doubleArg(a, "stop-after", 0);
    o.scheduleSeconds = doubleArg(a, "schedule-seconds", 0);
    o.repeatData = intArg(a, "repeat-data", 0);
    o.clipNorm = doubleArg(a, "clip-norm", 1.0);
    o.zeroInitResidual = intArg(a, "zero-init-residual", 1) != 0;
    if (a.count("init")) o.initFrom = a.at("init");
    if (a.count("mix-frames")) {
        std::stringstream list(a.at("mix-frames"));
        std::string item;
        while (std::getline(list, item, ',')) {
            int f = 0;
            try {
                f = std::stoi(item);
            } catch (const std::exception&) {
                throwUsage("--mix-frames: '" + item + "' is not a frame count");
            }
            if (f < 1 || (f - 1) % 4 != 0) throwUsage("--mix-frames: " + item + " is not 1 + 4k");
            o.mixFrames.push_back(f);
        }
        if (o.mixFrames.empty()) throwUsage("--mix-frames: expected a list like 5,9,17,33");
    }
    train(o);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const std::string cmd = argc > 1 ? argv[1] : "";
        const Args a = parseArgs(argc, argv, 2);
        if (cmd == "check-grad") return checkGrad();
        if (cmd == "train") return trainCommand(a);
        if (cmd == "eval") return evalCommand(a);
        if (cmd == "export") return exportCommand(a);
        if (cmd == "grow") return growCommand(a);
        if (cmd == "demo-latents") return demoLatentsCommand(a);
        if (cmd == "render") return renderCommand(a);
        std::cerr << "usage: tilescope-train-demo check-grad|train|eval|export|grow|demo-latents|render [options]"
                     " (see main.cpp)\n";
        return 2;
    } catch (const Error& e) {
        std::cerr << "error: " << e.what() << std::endl;
        return exitCodeFor(e.kind());
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << std::endl;
        return 1;
    }
}
