// bench: one decode with timing, memory and throughput as one JSON object. Speed and
// memory goals live here (and in docs/benchmarks/), not in timed tests.
#include "commands.h"
#include "trace_outputs.h"

#include "core/error.h"
#include "core/blas_library.h"
#include "core/host_allocator.h"
#include "core/process_memory.h"
#include "decode/decoder_run.h"
#include "gpu/device_memory.h"
#include "gpu/norm_silu_cuda.h"
#include "io/latents_reader.h"
#include "model/cost_model.h"
#include "model/wan_vae.h"
#include "plan/tile_plan.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <sstream>

namespace ts::cli {

namespace {

// Samples device memory once per decoded frame (the caching allocator keeps blocks, so
// the device's used memory only grows during a run: the last sample is close to the peak),
// and hands frames to the report.
class BenchObserver : public DecodeObserver {
public:
    BenchObserver(c10::Device device, TraceOutputs& outputs, int totalFrames)
        : device_(device), outputs_(outputs), totalFrames_(totalFrames) {}
    TraceSink* traceSink() override { return outputs_.sink(); }
    void onProgress(const DecodeProgress&) override {
        if (!device_.is_cuda()) return;
        const DeviceMemory m = queryDeviceMemory(device_.index());
        peakDeviceUsed = std::max(peakDeviceUsed, m.usedBytes);
    }
    void onFrames(int first, const at::Tensor& frames) override { outputs_.offerFrames(first, frames, totalFrames_); }
    std::int64_t peakDeviceUsed = -1;

private:
    c10::Device device_;
    TraceOutputs& outputs_;
    int totalFrames_;
};

}  // namespace

namespace {

std::vector<std::string> splitList(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) out.push_back(item);
    if (out.empty()) out.push_back(text);
    return out;
}

// Every combination of the comma-separated values of the sweepable flags.
std::vector<std::vector<std::string>> settingSweep(const CliArgs& a) {
    const std::vector<std::pair<std::string, std::string>> axes{
        {"device", "cpu"}, {"precision", "fp32"}, {"tiling", "off"}, {"tile", "256"},
        {"overlap", "32"}, {"streams", "1"},      {"threads", "auto"}, {"max-memory", "0"},
        {"simulate-vram", "0"}};
    std::vector<std::vector<std::string>> combos{{}};
    for (const auto& [flag, fallback] : axes) {
        std::vector<std::vector<std::string>> next;
        for (const auto& combo : combos)
            for (const std::string& v : splitList(a.get(flag, fallback))) {
                auto c = combo;
                c.push_back("--" + flag);
                c.push_back(v);
                next.push_back(c);
            }
        combos = next;
    }
    // --opt takes comma-joined names for one configuration; `each` sweeps none, every
    // switch alone, and all, so one call compares each optimisation against none.
    std::vector<std::string> opts{a.get("opt", "all")};
    if (opts.front() == "each") {
        opts = {"none"};
        for (const std::string& name : graphOptionNames()) opts.push_back(name);
        opts.push_back("all");
    }
    std::vector<std::vector<std::string>> withOpts;
    for (const auto& combo : combos)
        for (const std::string& o : opts) {
            auto c = combo;
            c.push_back("--opt");
            c.push_back(o);
            withOpts.push_back(c);
        }
    return withOpts;
}

nlohmann::json benchOne(const WanVae& model, const std::string& vaePath, const at::Tensor& latents,
                        const DecodeSettings& settings, double loadSeconds, int warmupRuns, TraceOutputs& outputs) {
    const c10::Device device = parseDevice(settings.device);
    const VaeConfig& cfg = model.config();
    // --warmup: untimed decodes of the same configuration first, so the timed one finds
    // one-time costs paid (cuDNN's per-shape plans and CUDA's lazy kernel loading, oneDNN's
    // primitive cache, first-touch page faults), as the PyTorch profiler's warm-up steps do.
    nlohmann::json warmupSeconds = nlohmann::json::array();
    for (int i = 0; i < warmupRuns; ++i) {
        DecodeObserver quiet;
        warmupSeconds.push_back(runDecode(model, latents, settings, quiet).decodeSeconds);
    }
    BenchObserver sampler(device, outputs, static_cast<int>(cfg.videoFrames(latents.size(1))));
    // Each configuration's own peak, also when a sweep runs several in this process.
    const bool peakIsPerRun = resetPeakRss();
    const std::int64_t rssBefore = peakRssBytes();
    outputs.start(device, settings.effectiveThreads());
    const RunStats stats = runDecode(model, latents, settings, sampler);
    outputs.stopSources();
    const nlohmann::json cupti = outputs.cuptiResult();
    nlohmann::json out{
        {"vae", vaePath},
        {"device", settings.device},
        {"precision", toString(settings.precision)},
        {"settings",
         {{"tiling", toString(settings.tiling)},
          {"tile", settings.tilePx},
          {"overlap", settings.overlapPx},
          {"streams", countText(settings.streams)},
          {"threads", countText(settings.threads)},
          {"tf32", settings.allowTf32},
          {"opt", toString(settings.graph)},
          {"max_memory_bytes", settings.maxMemoryBytes},
          {"simulate_vram_bytes", settings.simulateVramBytes}}},
        {"latent_shape", latents.sizes().vec()},
        {"video_shape",
         {3, cfg.videoFrames(latents.size(1)), latents.size(2) * cfg.spatialFactor(), latents.size(3) * cfg.spatialFactor()}},
        {"tiles", stats.tiles},
        {"tiling_run", stats.tiling},
        {"tile_run", stats.tilePx},
        {"retries", stats.retries},
        {"workers", stats.workers},
        {"threads_per_worker", stats.threadsPerWorker},
        {"balance_reason", stats.balanceReason},
        {"load_s", loadSeconds},
        {"wall_s", stats.wallSeconds},
        {"decode_s", stats.decodeSeconds},
        {"warmup_decode_s", warmupSeconds},
        {"peak_rss_bytes", peakRssBytes()},
        {"peak_rss_before_decode_bytes", rssBefore},
        {"peak_rss_is_per_run", peakIsPerRun},
        // Idempotent: says how malloc is set up for this run (core/host_allocator.h).
        {"host_allocator", configureHostAllocator()},
        // Which BLAS the attention's matrix products ran on (core/blas_library.h).
        {"blas", currentBlasLibrary().describe()},
        // What fused-norm ran as on CUDA (gpu/norm_silu_cuda.h); null on the CPU.
        {"cuda_norm_silu", device.is_cuda() ? nlohmann::json(gpu::describeCudaNormSilu()) : nlohmann::json()},
        {"macs", stats.macs},
        {"arena_bytes", stats.arenaBytes},
        {"macs_vs_untiled", double(stats.macs) / double(estimateDecodeCost(cfg, latents.size(1), latents.size(2),
                                                                               latents.size(3), 4, settings.graph).macs)},
        {"gflop", 2.0 * stats.macs / 1e9},
        {"gflops", 2.0 * stats.macs / 1e9 / stats.decodeSeconds}};
    // --opt block-cache / unmap-freed: how often kept blocks were reused (null when off).
    out["block_cache"] = hostBlockPolicy(settings.graph).on() && device.is_cpu()
                             ? nlohmann::json{{"hits", stats.blockCache.hits},
                                              {"misses", stats.blockCache.misses},
                                              {"peak_kept_bytes", stats.blockCache.peakKeptBytes}}
                             : nlohmann::json(nullptr);
    out["cupti"] = cupti;  // null unless --profile records CUPTI on CUDA
    out["peak_device_used_bytes"] = device.is_cuda() ? nlohmann::json(sampler.peakDeviceUsed) : nlohmann::json(nullptr);
    // What the card holds once the run is over (the CUDA context, what the allocator kept;
    // --opt release-cache hands its cached blocks back).
    out["device_used_after_bytes"] =
        device.is_cuda() ? nlohmann::json(queryDeviceMemory(device.index()).usedBytes) : nlohmann::json(nullptr);
    // The memory model's prediction for this plan (weights, histories, largest layer per
    // tile, output; not the process's own footprint), next to the measured peaks.
    // The plan that ran: a budget may have turned an untiled request into exact tiles, and
    // auto streams are resolved (retries may have split tiles further; not modelled here).
    DecodeSettings ran = settings;
    ran.tiling = parseTilingMode(stats.tiling);
    if (ran.tiling != TilingMode::Off) {
        ran.tilePx = stats.tilePx;
        ran.streams = stats.workers;
    }
    out["predicted_peak_bytes"] =
        makeTilePlan(cfg, latents.size(1), latents.size(2), latents.size(3), ran).estimatedPeakBytes;
    return out;
}

}  // namespace

int commandBench(const std::vector<std::string>& argv) {
    std::set<std::string> flags{"vae", "latents", "latent-shape", "seed", "profile", "warmup"};
    flags.insert(settingsFlags().begin(), settingsFlags().end());
    flags.insert(TraceOutputs::flags().begin(), TraceOutputs::flags().end());
    const CliArgs args("bench", argv, flags, {"raw-latents", "tf32"});
    if (args.has("latents") && args.has("latent-shape")) throwUsage("bench: give --latents or --latent-shape, not both");
    // --profile on: every CPU source records (into memory when no output file is asked
    // for), so `--profile on` against `--profile off` measures the profiler's overhead.
    // Without the flag, the sources record when a profile output is asked for.
    const TraceOutputs probe(args);
    const std::string profileFlag = args.get("profile", probe.any() ? "on" : "off");
    const ProfileSources sources = parseProfileSources("profile", profileFlag);
    const bool forceRecording = args.has("profile") && profileFlag != "off";
    // Validate every combination before any work starts.
    std::vector<DecodeSettings> configs;
    for (const std::vector<std::string>& combo : settingSweep(args)) {
        std::vector<std::string> one = combo;
        if (args.has("raw-latents")) one.push_back("--raw-latents");
        if (args.has("tf32")) one.push_back("--tf32");
        configs.push_back(settingsFrom(CliArgs("bench", one, settingsFlags(), {"raw-latents", "tf32"})));
    }
    // One trace describes one run: a sweep would mix configurations on the same tracks.
    if (probe.any() && configs.size() > 1)
        throwUsage("--trace, --csv, --summary and --report profile a single configuration; this sweep has " +
                   std::to_string(configs.size()) + " (run one configuration per call)");
    const int warmupRuns = args.getInt("warmup", 0);
    if (warmupRuns < 0 || warmupRuns > 100)
        throwUsage("--warmup: " + std::to_string(warmupRuns) + " untimed runs before each timed one; expected 0 to 100");
    const std::string vaePath = args.get("vae", "builtin:wan2.1");
    warnAboutCpuSetup(configs.front());

    const auto t0 = std::chrono::steady_clock::now();
    const WanVae model = WanVae::load(vaePath, VaeParts::Decoder);
    const double loadSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    at::Tensor latents;
    if (args.has("latents")) {
        latents = readLatents(args.require("latents"));
        checkChannels(args.require("latents"), latents, model);
    } else {
        const std::vector<long> shape = parseShape("latent-shape", args.get("latent-shape", "16x3x16x16"));
        if (shape.size() != 4 || shape[0] != model.config().zDim)
            throwUsage("--latent-shape: expected " + std::to_string(model.config().zDim) + "xTxHxW for this model");
        at::Generator gen = at::detail::createCPUGenerator(static_cast<std::uint64_t>(args.getInt("seed", 0)));
        latents = at::randn(std::vector<int64_t>(shape.begin(), shape.end()), gen);
    }
    // One JSON line per configuration. Peak RSS is reset before each (where the kernel
    // allows: peak_rss_is_per_run), but later runs start with what earlier ones left in
    // LibTorch's and the allocator's caches: for exact figures run one per process.
    for (const DecodeSettings& s : configs) {
        TraceOutputs traceOutputs(args, sources, forceRecording);
        nlohmann::json result = benchOne(model, vaePath, latents, s, loadSeconds, warmupRuns, traceOutputs);
        result["profile_mode"] = profileFlag;
        const nlohmann::json recorded = traceOutputs.write(result);
        if (!recorded.is_null()) {
            result["profile"] = recorded;
            // The caching allocator's peaks (weights included), where the memory source ran
            // on CUDA: what torch.cuda.max_memory_allocated/reserved would say.
            for (const auto& [from, to] : {std::pair{"device_peak_allocated_bytes", "peak_allocated_bytes"},
                                           std::pair{"device_peak_reserved_bytes", "peak_reserved_bytes"}})
                if (recorded.contains(from)) result[to] = recorded[from];
        }
        std::cout << result.dump() << std::endl;
    }
    return 0;
}

}  // namespace ts::cli
