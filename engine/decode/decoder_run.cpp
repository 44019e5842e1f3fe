#include "decode/decoder_run.h"

#include "core/error.h"
#include "core/large_block_cache.h"
#include "gpu/cuda_allocator.h"
#include "model/causal_decoder.h"
#include "model/causal_encoder.h"
#include "model/cost_model.h"
#include "plan/memory_budget.h"
#include "plan/tile_plan.h"
#include "profile/trace_scope.h"
#include "schedule/cpu_balance.h"
#include "schedule/tiled_decoder.h"

#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <chrono>

namespace ts {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// `device` is s.device parsed (by the caller, which needs it too).
void prepareDevice(const DecodeSettings& s, c10::Device device) {
    s.validate();
    if (device.is_cuda() && !at::hasCUDA())
        throwUnsupported("--device " + s.device + ": this build's LibTorch has no CUDA support (or no CUDA driver/GPU is present)");
    at::set_num_threads(s.effectiveThreads());
    // Denormal floats make x86 arithmetic many times slower; values that small do not
    // change a decode (far below the 1e-4 tolerance), so flush them to zero.
    at::globalContext().setFlushDenormal(true);
    // LibTorch lets cuDNN use TF32 for fp32 by default (1e-3 errors); fp32 here means fp32.
    at::globalContext().setAllowTF32CuDNN(s.allowTf32);
    at::globalContext().setAllowTF32CuBLAS(s.allowTf32);
    // cuDNN's autotuner, when asked for (--opt cudnn-benchmark); off otherwise so that
    // runs are reproducible.
    at::globalContext().setBenchmarkCuDNN(device.is_cuda() && s.graph.cudnnBenchmark);
    // The allocator's cap is process state: set (or lifted) on every CUDA run, so a run
    // never inherits an earlier run's --simulate-vram (GUI, bench sweeps). validate()
    // refused a cap where the allocator cannot be controlled.
    if (device.is_cuda() && cudaAllocatorControlAvailable()) {
        const std::string why = limitDeviceMemory(device.index(), s.simulateVramBytes);
        // Lifting a cap that could not be set is no reason to fail a run; setting one is.
        if (!why.empty() && s.simulateVramBytes > 0) throwRuntime("--simulate-vram: cannot cap " + device.str() + ": " + why);
    }
}

// What the run may plan with: --max-memory, and with --simulate-vram never more than the
// simulated card.
std::int64_t runBudget(const DecodeSettings& s, const c10::Device& device) {
    std::int64_t budget = s.maxMemoryBytes != 0 ? resolveBudget(s.maxMemoryBytes, device) : 0;
    if (s.maxMemoryBytes == -1 && s.simulateVramBytes > 0) budget = std::min(budget, s.simulateVramBytes);
    return budget;
}

at::Tensor latentStats(const std::vector<float>& v) {
    return at::tensor(at::ArrayRef<float>(v)).view({1, static_cast<int64_t>(v.size()), 1, 1, 1});
}

void checkNormalisable(const WanVae& model, const DecodeSettings& s) {
    if (!s.rawLatents && model.config().zDim != static_cast<int>(wan21LatentMean().size()))
        throwUsage("the Wan2.1 latent normalisation has 16 channels but the model has " +
                   std::to_string(model.config().zDim) + "; pass --raw-latents for un-normalised latents");
}

// Weights move once per run; a model already on the device in the dtype is used as is.
WanVae placed(const WanVae& model, c10::Device device, c10::ScalarType dtype) {
    return model.to(device, dtype);
}

// The workers and threads of this run: auto resolved for the machine, the plan and the
// memory it may use (the budget, else what the device has available).
WorkerBalance balanceFor(const DecodeSettings& s, const TilePlan& plan, c10::Device device, std::int64_t budget) {
    BalanceRequest request;
    request.cores = availableCores();
    request.streams = s.streams;
    request.threads = s.threads;
    request.cuda = device.is_cuda();
    request.budgetBytes = budget;
    if (budget <= 0 && s.streams == DecodeSettings::kAutoCount && plan.tiles.size() > 1) {
        try {
            request.budgetBytes = resolveBudget(-1, device);
        } catch (const Error&) {
            request.budgetBytes = 0;  // unknown: tiles and cores still bound the choice
        }
    }
    return chooseWorkerBalance(request, plan);
}

}  // namespace

namespace {

RunStats runDecodeOnce(const WanVae& model, const at::Tensor& latents, const DecodeSettings& settings,
                       c10::Device device, DecodeObserver& observer) {
    const auto t0 = Clock::now();
    TraceSink* const trace = observer.traceSink();
    // The whole call, weight conversion included, so it contains every other span.
    TraceScope runSpan(trace, "decode", "run", 0, kMainTrack,
                       {{"device", settings.device}, {"precision", toString(settings.precision)},
                        {"tiling", toString(settings.tiling)}});
    if (trace) trace->nameTrack(0, kMainTrack, "main");
    ThreadTrackScope mainTrack(trace, 0, kMainTrack);
    prepareDevice(settings, device);
    if (trace && device.is_cuda())
        trace->note("engine spans measure host time (kernel launches); GPU time needs the CUDA activity tracks");
    const VaeConfig& cfg = model.config();
    if (!cfg.hasDecoder) throwUsage("the model was loaded without its decoder");
    if (latents.dim() != 4)
        throwInput("latents must be [C,T,h,w]; got " + std::to_string(latents.dim()) + " dimensions");
    if (latents.size(0) != cfg.zDim)
        throwInput("latents have " + std::to_string(latents.size(0)) + " channels but the model expects " +
                   std::to_string(cfg.zDim) + " (" + cfg.describe() + ")");
    checkNormalisable(model, settings);

    c10::InferenceMode inference;
    const c10::ScalarType dtype = scalarTypeOf(settings.precision);
    const WanVae m = placed(model, device, dtype);
    at::Tensor z = latents.to(at::kFloat).unsqueeze(0);
    if (!settings.rawLatents) {
        // As the reference: z / (1/std) + mean, in fp32 before the cast.
        z = z / (1.0 / latentStats(wan21LatentStd())) + latentStats(wan21LatentMean());
    }
    z = z.to(device, dtype);

    // A budget may turn an untiled request into exact tiles that fit.
    const std::int64_t budget = runBudget(settings, device);
    DecodeSettings effective = settings;
    TilePlan plan = planWithinBudget(cfg, z.size(2), z.size(3), z.size(4), effective, budget);
    refuseBeyondHostMemory(plan, budget, device);
    const WorkerBalance balance = balanceFor(effective, plan, device, budget);
    if (effective.streams == DecodeSettings::kAutoCount) {
        // The plan's memory estimate (and the per-tile budget) counts the chosen workers.
        effective.streams = balance.workers;
        plan = makeTilePlan(cfg, z.size(2), z.size(3), z.size(4), effective);
    }
    runSpan.arg("workers", std::to_string(balance.workers));
    runSpan.arg("threads_per_worker", std::to_string(balance.threadsPerWorker));
    runSpan.arg("balance_reason", balance.reason);
    RunStats stats;
    stats.workers = balance.workers;
    stats.threadsPerWorker = balance.threadsPerWorker;
    stats.balanceReason = balance.reason;
    stats.plannedMacs = plan.totalMacs;
    stats.tiles = static_cast<int>(plan.tiles.size());
    stats.tiling = toString(effective.tiling);
    stats.tilePx = effective.tiling == TilingMode::Off ? 0 : effective.tilePx;
    // What the observer does with the frames (encoding an MP4, copies for the GUI) is
    // outside the decode time, GFLOP/s count the network only; its own span, so that the
    // timeline shows where the decode waited on it.
    auto deliver = [&](int first, const at::Tensor& frames) {
        const auto tDeliver = Clock::now();
        {
            TraceScope span(trace, "deliver frames", "output", 0, kMainTrack, {{"first_frame", std::to_string(first)}});
            observer.onFrames(first, frames);
        }
        stats.deliverSeconds += secondsSince(tDeliver);
    };
    if (effective.tiling != TilingMode::Off) {
        const auto tDecode = Clock::now();
        TiledResult result = runTilePlan(m, z, plan, effective, balance, observer, budget);
        deliver(0, result.video);
        // Retries may have split tiles: report what ran, not what was planned.
        DecodeProgress done;
        done.chunksDone = done.chunksTotal = static_cast<int>(result.tilesRun * plan.latentFrames);
        done.framesDone = done.framesTotal = static_cast<int>(plan.videoFrames);
        done.tilesDone = done.tilesTotal = result.tilesRun;
        done.elapsedSeconds = secondsSince(t0);
        done.etaSeconds = 0;
        done.stage = "done";
        observer.onProgress(done);
        stats.decodeSeconds = secondsSince(tDecode) - stats.deliverSeconds;
        stats.wallSeconds = secondsSince(t0);
        stats.macs = result.macs;
        stats.outputFrames = plan.videoFrames;
        stats.schedule = std::move(result.schedule);
        stats.retries = result.retries;
        stats.tiles = result.tilesRun;
        stats.arenaBuffers = result.arenaBuffers;
        stats.arenaBytes = result.arenaBytes;
        runSpan.arg("macs", std::to_string(stats.macs));
        runSpan.arg("tiles", std::to_string(stats.tiles));
        return stats;
    }

    // Untiled: stream latent frames, hand each frame chunk over as soon as it exists.
    ForwardContext ctx;
    ctx.cancelled = [&observer] { return observer.cancelRequested(); };
    ctx.graph = settings.graph;
    ctx.trace = trace;
    ctx.traceTid = kMainTrack;
    CausalDecoder decoder(m);
    DecodeProgress progress;
    progress.chunksTotal = static_cast<int>(z.size(2));
    progress.framesTotal = static_cast<int>(cfg.videoFrames(z.size(2)));
    const auto tDecode = Clock::now();
    for (int t = 0; t < progress.chunksTotal; ++t) {
        progress.stage = "decoder frame " + std::to_string(t + 1) + "/" + std::to_string(progress.chunksTotal);
        observer.onProgress(progress);
        at::Tensor frames;
        {
            TraceScope chunk(trace, "latent frame " + std::to_string(t), "chunk", 0, kMainTrack,
                             {{"latent_frame", std::to_string(t)}});
            at::Tensor out;
            try {
                out = decoder.decodeFrame(z.narrow(2, t, 1), ctx);
            } catch (const c10::OutOfMemoryError&) {
                throw Error(ErrorKind::OutOfMemory, "out of memory on " + device.str() +
                                                        " decoding untiled; use --tiling exact (e.g. --tile 256) or --max-memory auto");
            }
            frames = out.squeeze(0).to(at::kFloat).clamp_(-1.0, 1.0).to(at::kCPU);
        }
        deliver(progress.framesDone, frames);  // outside the chunk's span
        progress.framesDone += static_cast<int>(frames.size(1));
        progress.chunksDone = t + 1;
        progress.elapsedSeconds = secondsSince(t0);
        const double perChunk = secondsSince(tDecode) / progress.chunksDone;
        progress.etaSeconds = perChunk * (progress.chunksTotal - progress.chunksDone);
    }
    progress.tilesDone = 1;
    progress.stage = "done";
    observer.onProgress(progress);

    stats.decodeSeconds = secondsSince(tDecode) - stats.deliverSeconds;
    stats.wallSeconds = secondsSince(t0);
    stats.macs = ctx.macs;
    stats.outputFrames = progress.framesDone;
    stats.arenaBuffers = ctx.arena.buffers();
    stats.arenaBytes = ctx.arena.bytesHeld();
    // From the decode's start to its end, as tiled schedules are: delivery included.
    stats.schedule.push_back(TileSpan{-1, 0, 0, 0, stats.decodeSeconds + stats.deliverSeconds, ctx.macs, "untiled decode"});
    runSpan.arg("macs", std::to_string(stats.macs));
    return stats;
}

// --opt release-cache: once the run's tensors (weights on the device included) are gone,
// hand the allocator's cached blocks back, also after a failed or cancelled run.
void releaseCacheAfterRun(const DecodeSettings& settings, c10::Device device) noexcept {
    if (!settings.graph.releaseCache || !device.is_cuda() || !cudaAllocatorControlAvailable()) return;
    try {
        releaseCachedDeviceMemory();
    } catch (...) {
        // Best effort: the run's own outcome (result or error) is what the caller needs.
    }
}

}  // namespace

BlockCachePolicy hostBlockPolicy(const GraphOptions& graph) {
    BlockCachePolicy p;
    if (graph.blockCache) p = {LargeBlockCache::kDefaultMinBlock, LargeBlockCache::kDefaultCap};
    if (graph.unmapFreed) p.minBlock = LargeBlockCache::kUnmapMinBlock;
    return p;
}

RunStats runDecode(const WanVae& model, const at::Tensor& latents, const DecodeSettings& settings,
                   DecodeObserver& observer) {
    // --opt unmap-freed / block-cache (CPU): blocks mapped on their own and freed ones kept
    // for this run, unmapped after it, whatever its outcome (core/large_block_cache.h).
    const c10::Device device = parseDevice(settings.device);  // a bad one is refused here, named
    BlockCacheScope blockCache(device.is_cpu() ? hostBlockPolicy(settings.graph) : BlockCachePolicy{});
    try {
        RunStats stats = runDecodeOnce(model, latents, settings, device, observer);
        stats.blockCache = blockCache.stats();
        releaseCacheAfterRun(settings, device);
        return stats;
    } catch (...) {
        releaseCacheAfterRun(settings, device);
        throw;
    }
}

namespace {

// Collects streamed frames into one preallocated video tensor.
class TensorCollector : public DecodeObserver {
public:
    TensorCollector(at::Tensor video, TraceSink* trace) : video_(std::move(video)), trace_(trace) {}
    TraceSink* traceSink() override { return trace_; }
    void onFrames(int first, const at::Tensor& frames) override {
        video_.narrow(1, first, frames.size(1)).copy_(frames);
    }

private:
    at::Tensor video_;
    TraceSink* trace_;
};

}  // namespace

at::Tensor decodeToTensor(const WanVae& model, const at::Tensor& latents, const DecodeSettings& settings,
                          RunStats* stats, TraceSink* trace) {
    const VaeConfig& cfg = model.config();
    if (latents.dim() != 4) throwInput("latents must be [C,T,h,w]");
    const int64_t f = cfg.spatialFactor();
    at::Tensor video = at::empty({3, cfg.videoFrames(latents.size(1)), latents.size(2) * f, latents.size(3) * f});
    TensorCollector collector(video, trace);
    RunStats s = runDecode(model, latents, settings, collector);
    if (stats) *stats = s;
    return video;
}

at::Tensor encodeToLatents(const WanVae& model, const at::Tensor& video, const DecodeSettings& settings,
                           RunStats* stats) {
    const auto t0 = Clock::now();
    const c10::Device device = parseDevice(settings.device);
    prepareDevice(settings, device);
    const VaeConfig& cfg = model.config();
    if (!cfg.hasEncoder) throwUsage("the model was loaded without its encoder");
    checkNormalisable(model, settings);
    if (video.dim() != 4 || video.size(0) != 3)
        throwInput("video must be [3,F,H,W]");
    const int64_t frames = video.size(1), tf = cfg.temporalFactor(), sf = cfg.spatialFactor();
    if ((frames - 1) % tf != 0)
        throwInput("video has " + std::to_string(frames) + " frames; the encoder needs 1 + " + std::to_string(tf) +
                   "k frames (trim to " + std::to_string(1 + (frames - 1) / tf * tf) + ")");
    if (video.size(2) % sf != 0 || video.size(3) % sf != 0)
        throwInput("video is " + std::to_string(video.size(3)) + "x" + std::to_string(video.size(2)) +
                   "; width and height must be multiples of " + std::to_string(sf));

    c10::InferenceMode inference;
    const c10::ScalarType dtype = scalarTypeOf(settings.precision);
    const WanVae m = placed(model, device, dtype);
    at::Tensor x = video.unsqueeze(0).to(device, dtype);
    ForwardContext ctx;
    ctx.graph = settings.graph;  // frame-split is the decoder's; the rest applies here too
    CausalEncoder encoder(m);
    std::vector<at::Tensor> outs;
    const auto tRun = Clock::now();
    outs.push_back(encoder.encodeChunk(x.narrow(2, 0, 1), ctx));
    for (int64_t start = 1; start < frames; start += tf) outs.push_back(encoder.encodeChunk(x.narrow(2, start, tf), ctx));
    at::Tensor h = at::cat(outs, 2);
    h = at::conv3d(h, m.weight("conv1.weight"), m.weight("conv1.bias"));
    ctx.macs += h.numel() * h.size(1);
    at::Tensor mu = h.narrow(1, 0, cfg.zDim).to(at::kFloat).to(at::kCPU);
    if (!settings.rawLatents) mu = (mu - latentStats(wan21LatentMean())) * (1.0 / latentStats(wan21LatentStd()));
    if (stats) {
        stats->decodeSeconds = secondsSince(tRun);
        stats->wallSeconds = secondsSince(t0);
        stats->macs = ctx.macs;
        stats->outputFrames = mu.size(2);
    }
    return mu.squeeze(0).contiguous();
}

}  // namespace ts
