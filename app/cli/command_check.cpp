// check: decode (and encode) a reference case and compare with its stored outputs, e.g.
// tests/data/case.safetensors made by the public Wan2.1 implementation. The quickest
// way to verify a build on a new machine or GPU.
#include "commands.h"

#include "checkpoint/safetensors_reader.h"
#include "core/error.h"
#include "decode/decoder_run.h"
#include "gpu/norm_silu_selfcheck.h"
#include "model/wan_vae.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <iostream>

namespace ts::cli {

namespace {

struct Comparison {
    double maxAbs = 0;
    double psnr = 0;
};

Comparison compare(const at::Tensor& got, const at::Tensor& want) {
    const at::Tensor diff = (got.to(at::kDouble) - want.to(at::kDouble));
    const double mse = diff.pow(2).mean().item<double>();
    // Range [-1, 1]: peak-to-peak 2.
    return {diff.abs().max().item<double>(), mse > 0 ? 10.0 * std::log10(4.0 / mse) : INFINITY};
}

// check --kernels: TileScope's own CUDA kernels against the ATen ops on the device.
int checkKernels(const CliArgs& args, const DecodeSettings& settings) {
    const std::vector<gpu::NormSiluCheck> results = gpu::checkNormSiluKernels(c10::Device(settings.device));
    bool ok = true;
    nlohmann::json cases = nlohmann::json::array();
    for (const gpu::NormSiluCheck& r : results) {
        ok = ok && r.pass();
        cases.push_back({{"case", r.name}, {"kernel", r.kernel}, {"max_abs", r.maxAbs},
                         {"worst_error_vs_allowed", r.worstRatio}, {"border_untouched", r.borderUntouched},
                         {"pass", r.pass()}});
    }
    if (args.has("json")) {
        std::cout << nlohmann::json{{"device", settings.device}, {"norm_silu", cases}, {"pass", ok}}.dump() << std::endl;
    } else {
        for (const gpu::NormSiluCheck& r : results)
            std::cout << (r.pass() ? "ok   " : "FAIL ") << r.name << " (" << r.kernel << "): max abs " << r.maxAbs
                      << ", " << r.worstRatio << " of the allowed error"
                      << (r.borderUntouched ? "" : ", wrote outside its window") << "\n";
        std::cout << (ok ? "PASS" : "FAIL") << "\n";
    }
    return ok ? 0 : 1;
}

}  // namespace

int commandCheck(const std::vector<std::string>& argv) {
    std::set<std::string> flags{"vae", "case", "tolerance"};
    flags.insert(settingsFlags().begin(), settingsFlags().end());
    const CliArgs args("check", argv, flags, {"json", "tf32", "kernels"});
    const DecodeSettings settings = settingsFrom(args);
    if (args.has("kernels")) return checkKernels(args, settings);
    warnIfReferenceBlas(settings);
    const std::string casePath = args.require("case");
    const NamedTensors c = readSafetensors(casePath);
    if (!c.count("latents") || !c.count("video")) throwInput(casePath + ": a check case needs tensors 'latents' and 'video'");
    const bool withEncoder = c.count("encode_input") && c.count("encode_mu");
    const WanVae model = WanVae::load(args.require("vae"), withEncoder ? VaeParts::Both : VaeParts::Decoder);
    double tolerance = settings.precision == Precision::FP32 ? 1e-4 : 0.1;
    if (args.has("tolerance")) {
        try {
            tolerance = std::stod(args.get("tolerance", ""));
        } catch (const std::exception&) {
            throwUsage("--tolerance: '" + args.get("tolerance", "") + "' is not a number");
        }
    }

    nlohmann::json out{{"case", casePath}, {"device", settings.device}, {"precision", toString(settings.precision)},
                       {"tolerance", tolerance}};
    RunStats stats;
    const Comparison dec = compare(decodeToTensor(model, c.at("latents"), settings, &stats), c.at("video"));
    out["decode"] = {{"max_abs", dec.maxAbs}, {"psnr_db", dec.psnr}, {"seconds", stats.wallSeconds}};
    bool ok = dec.maxAbs <= tolerance;
    if (withEncoder) {
        const Comparison enc = compare(encodeToLatents(model, c.at("encode_input"), settings, &stats), c.at("encode_mu"));
        out["encode"] = {{"max_abs", enc.maxAbs}, {"seconds", stats.wallSeconds}};
        ok = ok && enc.maxAbs <= tolerance;
    }
    out["pass"] = ok;
    if (args.has("json")) {
        std::cout << out.dump() << std::endl;
    } else {
        std::cout << "decode: max abs error " << dec.maxAbs << ", PSNR " << dec.psnr << " dB\n";
        if (withEncoder) std::cout << "encode: max abs error " << out["encode"]["max_abs"].get<double>() << "\n";
        std::cout << (ok ? "PASS" : "FAIL") << " (tolerance " << tolerance << ")\n";
    }
    return ok ? 0 : 1;
}

}  // namespace ts::cli
