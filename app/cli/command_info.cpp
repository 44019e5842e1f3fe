// info: what a checkpoint holds and what a decode of a given latent shape will cost.
#include "commands.h"

#include "core/blas_library.h"
#include "core/error.h"
#include "gpu/norm_silu_cuda.h"
#include "io/latents_reader.h"
#include "model/cost_model.h"
#include "model/wan_vae.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace ts::cli {

int commandInfo(const std::vector<std::string>& argv) {
    const CliArgs args("info", argv, {"vae", "latents", "latent-shape", "opt"}, {"json"});
    if (args.has("latents") && args.has("latent-shape")) throwUsage("info: give --latents or --latent-shape, not both");
    // The memory estimate depends on the graph options (frame-split, cache-bf16).
    const GraphOptions graph = args.has("opt") ? parseGraphOptions(args.get("opt", "")) : DecodeSettings().graph;
    const std::string vaePath = args.require("vae");
    const WanVae model = WanVae::load(vaePath, VaeParts::Both);
    const VaeConfig& cfg = model.config();
    nlohmann::json out{{"vae", vaePath},
                       {"config",
                        {{"z_dim", cfg.zDim},
                         {"dim", cfg.baseDim},
                         {"dim_mult", cfg.dimMult},
                         {"num_res_blocks", cfg.numResBlocks},
                         {"temporal_downsample", cfg.temporalDownsample}}},
                       {"parameters",
                        {{"decoder", model.parameterCount(VaeParts::Decoder)},
                         {"encoder", model.parameterCount(VaeParts::Encoder)}}},
                       {"cpu_blas", currentBlasLibrary().describe()},
                       {"cuda_norm_silu", gpu::describeCudaNormSilu()}};
    std::vector<long> shape;
    if (args.has("latents")) {
        const std::string path = args.require("latents");
        const at::Tensor latents = readLatents(path);
        shape.assign(latents.sizes().begin(), latents.sizes().end());
        if (shape.size() != 4 || shape[0] != cfg.zDim)
            throwInput(path + ": latents of shape " + nlohmann::json(latents.sizes().vec()).dump() + "; this model decodes " +
                       std::to_string(cfg.zDim) + "xTxHxW");
    } else if (args.has("latent-shape")) {
        shape = parseShape("latent-shape", args.require("latent-shape"));
    }
    if (!shape.empty()) {
        if (shape.size() != 4 || shape[0] != cfg.zDim)
            throwUsage("--latent-shape: expected " + std::to_string(cfg.zDim) + "xTxHxW for this model");
        const DecodeCost fp32 = estimateDecodeCost(cfg, shape[1], shape[2], shape[3], 4, graph);
        const DecodeCost half = estimateDecodeCost(cfg, shape[1], shape[2], shape[3], 2, graph);
        out["decode"] = {{"latent_shape", shape},
                         {"video_shape", {3, cfg.videoFrames(shape[1]), shape[2] * cfg.spatialFactor(),
                                          shape[3] * cfg.spatialFactor()}},
                         {"macs", fp32.macs},
                         {"gflop", 2.0 * fp32.macs / 1e9},
                         {"opt", toString(graph)},
                         {"estimated_peak_bytes_fp32", fp32.estimatedPeakBytes},
                         {"estimated_peak_bytes_bf16", half.estimatedPeakBytes},
                         {"estimate_parts_fp32",
                          {{"weights", fp32.weightBytes},
                           {"causal_histories", fp32.historyBytes},
                           {"largest_layer", fp32.peakLayerBytes},
                           {"output_video", fp32.outputBytes}}}};
    }
    if (args.has("json")) {
        std::cout << out.dump(1) << std::endl;
        return 0;
    }
    std::cout << vaePath << "\n  " << cfg.describe() << "\n  parameters: decoder "
              << model.parameterCount(VaeParts::Decoder) << ", encoder " << model.parameterCount(VaeParts::Encoder)
              << "\n  CPU BLAS: " << out["cpu_blas"].get<std::string>()
              << "\n  CUDA norm + SiLU: " << out["cuda_norm_silu"].get<std::string>() << "\n";
    if (out.contains("decode")) {
        const auto& d = out["decode"];
        std::printf("  decode %s -> %s: %.1f GFLOP, estimated tensor peak %.0f MiB (fp32) / %.0f MiB (bf16), untiled, --opt %s\n",
                    d["latent_shape"].dump().c_str(), d["video_shape"].dump().c_str(), d["gflop"].get<double>(),
                    d["estimated_peak_bytes_fp32"].get<double>() / 1048576.0,
                    d["estimated_peak_bytes_bf16"].get<double>() / 1048576.0, toString(graph).c_str());
    }
    return 0;
}

}  // namespace ts::cli
