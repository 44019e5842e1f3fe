// bench: one decode with timing, memory and throughput as one JSON object. Speed and
// memory goals live here (and in docs/benchmarks/), not in timed tests.
#include "commands.h"
#include "trace_outputs.h"

#include "core/error.h"
#include "core/process_memory.h"
#include "decode/decoder_run.h"
#include "gpu/device_memory.h"
#include "io/latents_reader.h"
#include "model/cost_model.h"
#include "model/wan_vae.h"

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
// the device's used memory only grows during a run: the last sample is close to the peak).
class MemorySampler : public DecodeObserver {
public:
    MemorySampler(c10::Device device, TraceSink* trace) : device_(device), trace_(trace) {}
    TraceSink* traceSink() override { return trace_; }
    void onProgress(const DecodeProgress&) override {
        if (!device_.is_cuda()) return;
        const DeviceMemory m = queryDeviceMemory(device_.index());
        peakDeviceUsed = std::max(peakDeviceUsed, m.usedBytes);
    }
    std::int64_t peakDeviceUsed = -1;

private:
    c10::Device device_;
    TraceSink* trace_;
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
        {"overlap", "32"}, {"streams", "1"},      {"threads", "0"}, {"max-memory", "0"}};
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
    return combos;
}

nlohmann::json benchOne(const WanVae& model, const std::string& vaePath, const at::Tensor& latents,
                        const DecodeSettings& settings, double loadSeconds, TraceSink* trace) {
    const c10::Device device = parseDevice(settings.device);
    MemorySampler sampler(device, trace);
    const std::int64_t rssBefore = peakRssBytes();
    const RunStats stats = runDecode(model, latents, settings, sampler);
    const VaeConfig& cfg = model.config();
    nlohmann::json out{
        {"vae", vaePath},
        {"device", settings.device},
        {"precision", toString(settings.precision)},
        {"settings",
         {{"tiling", toString(settings.tiling)},
          {"tile", settings.tilePx},
          {"overlap", settings.overlapPx},
          {"streams", settings.streams},
          {"threads", settings.effectiveThreads()},
          {"tf32", settings.allowTf32},
          {"max_memory_bytes", settings.maxMemoryBytes}}},
        {"latent_shape", latents.sizes().vec()},
        {"video_shape",
         {3, cfg.videoFrames(latents.size(1)), latents.size(2) * cfg.spatialFactor(), latents.size(3) * cfg.spatialFactor()}},
        {"tiles", stats.tiles},
        {"tiling_run", stats.tiling},
        {"tile_run", stats.tilePx},
        {"retries", stats.retries},
        {"load_s", loadSeconds},
        {"wall_s", stats.wallSeconds},
        {"decode_s", stats.decodeSeconds},
        {"peak_rss_bytes", peakRssBytes()},
        {"peak_rss_before_decode_bytes", rssBefore},
        {"macs", stats.macs},
        {"macs_vs_untiled", double(stats.macs) / double(estimateDecodeCost(cfg, latents.size(1), latents.size(2), latents.size(3), 4).macs)},
        {"gflop", 2.0 * stats.macs / 1e9},
        {"gflops", 2.0 * stats.macs / 1e9 / stats.decodeSeconds}};
    out["peak_device_used_bytes"] = device.is_cuda() ? nlohmann::json(sampler.peakDeviceUsed) : nlohmann::json(nullptr);
    return out;
}

}  // namespace

int commandBench(const std::vector<std::string>& argv) {
    std::set<std::string> flags{"vae", "latents", "latent-shape", "seed"};
    flags.insert(settingsFlags().begin(), settingsFlags().end());
    flags.insert(TraceOutputs::flags().begin(), TraceOutputs::flags().end());
    const CliArgs args("bench", argv, flags, {"raw-latents", "tf32"});
    TraceOutputs traceOutputs(args);
    // Validate every combination before any work starts.
    std::vector<DecodeSettings> configs;
    for (const std::vector<std::string>& combo : settingSweep(args)) {
        std::vector<std::string> one = combo;
        if (args.has("raw-latents")) one.push_back("--raw-latents");
        if (args.has("tf32")) one.push_back("--tf32");
        configs.push_back(settingsFrom(CliArgs("bench", one, settingsFlags(), {"raw-latents", "tf32"})));
    }
    // One trace describes one run: a sweep would mix configurations on the same tracks.
    if (traceOutputs.any() && configs.size() > 1)
        throwUsage("--trace, --csv and --summary profile a single configuration; this sweep has " +
                   std::to_string(configs.size()) + " (run one configuration per call)");
    const std::string vaePath = args.get("vae", "builtin:wan2.1");

    const auto t0 = std::chrono::steady_clock::now();
    const WanVae model = WanVae::load(vaePath, VaeParts::Decoder);
    const double loadSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    at::Tensor latents;
    if (args.has("latents")) {
        latents = readLatents(args.require("latents"));
    } else {
        const std::vector<long> shape = parseShape("latent-shape", args.get("latent-shape", "16x3x16x16"));
        if (shape.size() != 4 || shape[0] != model.config().zDim)
            throwUsage("--latent-shape: expected " + std::to_string(model.config().zDim) + "xTxHxW for this model");
        at::Generator gen = at::detail::createCPUGenerator(static_cast<std::uint64_t>(args.getInt("seed", 0)));
        latents = at::randn(std::vector<int64_t>(shape.begin(), shape.end()), gen);
    }
    if (latents.size(0) != model.config().zDim)
        throwInput("latents have " + std::to_string(latents.size(0)) + " channels, the model expects " +
                   std::to_string(model.config().zDim));
    // One JSON line per configuration. Peak RSS is the process's high-water mark: for
    // per-configuration memory, run one configuration per process.
    for (const DecodeSettings& s : configs) {
        traceOutputs.startGpu(parseDevice(s.device));
        const nlohmann::json result = benchOne(model, vaePath, latents, s, loadSeconds, traceOutputs.sink());
        traceOutputs.write(result);
        std::cout << result.dump() << std::endl;
    }
    return 0;
}

}  // namespace ts::cli
