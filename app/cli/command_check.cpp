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
#include <sstream>

namespace ts::cli {

namespace {

struct Comparison {
    double maxAbs = 0;
    double psnr = 0;
};

// want: the case file's tensor `name`; a shape that cannot be compared is the file's fault.
Comparison compare(const at::Tensor& got, const at::Tensor& want, const std::string& casePath, const std::string& name) {
    if (got.sizes() != want.sizes()) {
        std::ostringstream why;
        why << casePath << ": tensor '" << name << "' is " << want.sizes() << " but the model gives " << got.sizes()
            << " for this case's input; the case was made for another model or is damaged";
        throwInput(why.str());
    }
    const at::Tensor diff = (got.to(at::kDouble) - want.to(at::kDouble));
    const double mse = diff.pow(2).mean().item<double>();
    // Range [-1, 1]: peak-to-peak 2.
    return {diff.abs().max().item<double>(), mse > 0 ? 10.0 * std::log10(4.0 / mse) : INFINITY};
}

// check --kernels: TileScope's own CUDA kernels against the ATen ops on the device.
int checkKernels(const CliArgs& args, const DecodeSettings& settings) {
    // As for a decode: a GPU this build cannot reach is a combination it cannot run (exit 2).
    if (parseDevice(settings.device).is_cuda() && !at::hasCUDA())
        throwUnsupported("--device " + settings.device +
                         ": this build's LibTorch has no CUDA support (or no CUDA driver/GPU is present)");
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
    warnAboutUnusedFlags(args, settings);
    if (args.has("kernels")) {
        if (args.has("vae") || args.has("case") || args.has("tolerance"))
            throwUsage("check --kernels tests the GPU kernels alone: it takes no --vae, --case or --tolerance");
        return checkKernels(args, settings);
    }
    warnAboutCpuSetup(settings);
    const std::string casePath = args.require("case");
    const NamedTensors c = readSafetensors(casePath);
    if (!c.count("latents") || !c.count("video")) throwInput(casePath + ": a check case needs tensors 'latents' and 'video'");
    const bool withEncoder = c.count("encode_input") && c.count("encode_mu");
    const WanVae model = WanVae::load(args.require("vae"), withEncoder ? VaeParts::Both : VaeParts::Decoder);
    double tolerance = settings.precision == Precision::FP32 ? 1e-4 : 0.1;
    if (args.has("tolerance")) {
        const std::string text = args.get("tolerance", "");
        std::size_t used = 0;
        try {
            tolerance = std::stod(text, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used == 0 || used != text.size() || !std::isfinite(tolerance) || tolerance < 0)
            throwUsage("--tolerance: '" + text + "' is not a non-negative number");
    }

    nlohmann::json out{{"case", casePath}, {"device", settings.device}, {"precision", toString(settings.precision)},
                       {"tolerance", tolerance}};
    RunStats stats;
    // The engine names no file in what it says of bad latents or video: this is the case's.
    const auto fromCase = [&casePath](const auto& run) {
        try {
            return run();
        } catch (const Error& e) {
            if (e.kind() == ErrorKind::Input) throw Error(e.kind(), casePath + ": " + e.what());
            throw;
        }
    };
    const Comparison dec = compare(fromCase([&] { return decodeToTensor(model, c.at("latents"), settings, &stats); }),
                                   c.at("video"), casePath, "video");
    out["decode"] = {{"max_abs", dec.maxAbs}, {"psnr_db", dec.psnr}, {"seconds", stats.wallSeconds}};
    bool ok = dec.maxAbs <= tolerance;
    if (withEncoder) {
        const Comparison enc = compare(fromCase([&] { return encodeToLatents(model, c.at("encode_input"), settings, &stats); }),
                                       c.at("encode_mu"), casePath, "encode_mu");
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
