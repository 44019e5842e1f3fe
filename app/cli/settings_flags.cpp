#include "commands.h"

#include "core/blas_library.h"
#include "core/error.h"
#include "model/wan_vae.h"
#include "plan/memory_budget.h"
#include "schedule/cpu_balance.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <iostream>

namespace ts::cli {

const std::set<std::string>& settingsFlags() {
    static const std::set<std::string> flags{"device", "precision", "tiling", "tile", "overlap", "streams", "threads", "max-memory", "opt", "simulate-vram"};
    return flags;
}

DecodeSettings settingsFrom(const CliArgs& a) {
    DecodeSettings s;
    s.device = a.get("device", s.device);
    parseDevice(s.device);  // fail early, naming the flag
    s.precision = parsePrecision(a.get("precision", toString(s.precision)));
    s.tiling = parseTilingMode(a.get("tiling", toString(s.tiling)));
    s.tilePx = a.getInt("tile", s.tilePx);
    s.overlapPx = a.getInt("overlap", s.overlapPx);
    s.streams = parseStreams(a.get("streams", countText(s.streams)));
    s.threads = parseThreads(a.get("threads", countText(s.threads)));
    s.rawLatents = a.has("raw-latents");
    s.allowTf32 = a.has("tf32");
    if (a.has("max-memory")) s.maxMemoryBytes = parseMemorySize(a.get("max-memory", ""));
    if (a.has("simulate-vram")) s.simulateVramBytes = parseMemorySize(a.get("simulate-vram", ""), "--simulate-vram");
    if (a.has("opt")) s.graph = parseGraphOptions(a.get("opt", ""));
    s.validate();
    // Loading (weight conversion, built-in weights) runs before the decode sets threads.
    at::set_num_threads(s.effectiveThreads());
    return s;
}

void checkChannels(const std::string& latentsPath, const at::Tensor& latents, const WanVae& model) {
    if (latents.size(0) != model.config().zDim)
        throwInput(latentsPath + ": latents have " + std::to_string(latents.size(0)) + " channels but " +
                   model.source() + " expects " + std::to_string(model.config().zDim));
}

void warnAboutUnusedFlags(const CliArgs& a, const DecodeSettings& s) {
    const auto ignored = [](const std::string& why) { std::cerr << "tilescope-cli: warning: " << why << std::endl; };
    if (s.tiling == TilingMode::Off && (a.has("tile") || a.has("overlap")))
        ignored("--tile and --overlap size tiles; with --tiling off they are ignored");
    if (s.tiling == TilingMode::Exact && a.has("overlap"))
        ignored("exact tiles do not overlap (each reads the context its layers need); --overlap is ignored");
    if (s.allowTf32 && !parseDevice(s.device).is_cuda()) ignored("--tf32 applies to fp32 on CUDA; on the CPU it is ignored");
}

void warnAboutCpuSetup(const DecodeSettings& settings) {
    if (!parseDevice(settings.device).is_cpu()) return;
    const std::string warning = blasWarning(currentBlasLibrary());
    if (!warning.empty()) std::cerr << "tilescope-cli: warning: " << warning << std::endl;
    // More threads than cores wait on each other (OpenMP spins): many times slower, not faster.
    // --threads is the total the workers share (each gets at least one).
    const int cores = availableCores();
    const int workers = settings.streams > 0 ? settings.streams : 1;
    const int threads = std::max(settings.threads, workers);
    if (settings.threads > 0 && threads > 2 * cores)
        std::cerr << "tilescope-cli: warning: " << threads << " threads"
                  << (workers > 1 ? " shared by " + std::to_string(workers) + " workers" : std::string()) << " on "
                  << cores << " cores will wait on each other; --threads auto fits the machine" << std::endl;
}

}  // namespace ts::cli
