// decode: latents -> video file;  encode: video -> latents file.
#include "commands.h"
#include "output_paths.h"
#include "progress_printer.h"
#include "trace_outputs.h"

#include "checkpoint/safetensors_writer.h"
#include "core/error.h"
#include "decode/decoder_run.h"
#include "io/latents_reader.h"
#include "io/video_fit.h"
#include "io/video_reader.h"
#include "io/video_writer.h"
#include "model/wan_vae.h"

#include <nlohmann/json.hpp>

#include <ATen/ATen.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>

namespace ts::cli {

namespace {

std::set<std::string> withSettings(std::set<std::string> flags) {
    flags.insert(settingsFlags().begin(), settingsFlags().end());
    return flags;
}

nlohmann::json shapeJson(const at::Tensor& t) { return nlohmann::json(t.sizes().vec()); }

// PSNR (peak-to-peak 2, values in [-1,1]) and max abs difference of two videos.
nlohmann::json difference(const at::Tensor& got, const at::Tensor& want) {
    const at::Tensor diff = got.to(at::kDouble) - want.to(at::kDouble);
    const double mse = diff.pow(2).mean().item<double>();
    // Identical videos have no finite PSNR: null in JSON, "inf" in text, as `check` prints
    // it (a stand-in such as 999 would read as a measurement).
    nlohmann::json psnr = mse > 0 ? nlohmann::json(10.0 * std::log10(4.0 / mse)) : nlohmann::json(nullptr);
    return {{"psnr_db", psnr}, {"identical", mse == 0}, {"max_abs", diff.abs().max().item<double>()}};
}

}  // namespace

int commandDecode(const std::vector<std::string>& argv) {
    std::set<std::string> valueFlags = withSettings({"vae", "latents", "out", "profile"});
    valueFlags.insert(TraceOutputs::flags().begin(), TraceOutputs::flags().end());
    valueFlags.insert(videoOutputFlags().begin(), videoOutputFlags().end());
    const CliArgs args("decode", argv, valueFlags,
                       {"json", "raw-latents", "tf32", "check-seams", "check-precision"});
    const DecodeSettings settings = settingsFrom(args);
    warnAboutUnusedFlags(args, settings);
    warnAboutCpuSetup(settings);
    const std::string latentsPath = args.require("latents");
    const std::string outPath = args.require("out");
    const VideoWriterOptions videoOptions = videoOptionsFrom(args, outPath);
    const at::Tensor latents = readLatents(latentsPath);
    const WanVae model = WanVae::load(args.require("vae"), VaeParts::Decoder);
    checkChannels(latentsPath, latents, model);

    const VaeConfig& cfg = model.config();
    const int frames = static_cast<int>(cfg.videoFrames(latents.size(1)));
    const int height = static_cast<int>(latents.size(2) * cfg.spatialFactor());
    const int width = static_cast<int>(latents.size(3) * cfg.spatialFactor());
    std::unique_ptr<VideoWriter> writer = openVideoWriter(outPath, frames, height, width, videoOptions);
    TraceOutputs traceOutputs(args, parseProfileSources("profile", args.get("profile", "on")));
    // Time spent writing the video, reported apart from the decode (decode_s leaves it out).
    double writeSeconds = 0;
    auto timedWrite = [&writeSeconds](auto&& write) {
        const auto t = std::chrono::steady_clock::now();
        write();
        writeSeconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
    };
    auto append = [&writer, &timedWrite](const at::Tensor& f) { timedWrite([&] { writer->append(f); }); };
    ProgressPrinter printer(args.has("json"), [&append, &traceOutputs, frames](int first, const at::Tensor& f) {
        append(f);
        traceOutputs.offerFrames(first, f, frames);
    });
    printer.setTraceSink(traceOutputs.sink());
    const bool checkSeams = args.has("check-seams"), checkPrecision = args.has("check-precision");
    if (checkSeams && settings.tiling == TilingMode::Off)
        throwUsage("--check-seams compares a tiled decode with an untiled one: give --tiling blend or exact");
    if (checkPrecision && settings.precision == Precision::FP32)
        throwUsage("--check-precision compares with an fp32 decode: give --precision bf16 or fp16");
    traceOutputs.start(parseDevice(settings.device), settings.effectiveThreads());
    RunStats stats;
    nlohmann::json checks;
    if (checkSeams || checkPrecision) {
        // The checks need the whole video at once, so it is collected, then written.
        // Only this decode is traced; the comparison decodes are not part of the profile.
        const at::Tensor video = decodeToTensor(model, latents, settings, &stats, traceOutputs.sink());
        append(video);
        traceOutputs.offerFrames(0, video, frames);
        traceOutputs.stopSources();
        if (checkSeams) {
            checks["seams_vs_untiled"] = difference(video, decodeToTensor(model, latents, settings.untiledReference()));
        }
        if (checkPrecision) {
            DecodeSettings fp32 = settings;
            fp32.precision = Precision::FP32;
            checks["precision_vs_fp32"] = difference(video, decodeToTensor(model, latents, fp32));
        }
    } else {
        stats = runDecode(model, latents, settings, printer);
        traceOutputs.stopSources();
    }
    timedWrite([&] { writer->finish(); });

    nlohmann::json done{{"event", "done"},
                        {"out", outPath},
                        {"latent_shape", shapeJson(latents)},
                        {"video_shape", {3, frames, height, width}},
                        {"device", settings.device},
                        {"precision", toString(settings.precision)},
                        {"wall_s", stats.wallSeconds},
                        {"decode_s", stats.decodeSeconds},
                        {"write_s", writeSeconds},
                        {"tiling", toString(settings.tiling)},
                        {"tiles", stats.tiles},
                        {"retries", stats.retries},
                        {"workers", stats.workers},
                        {"threads_per_worker", stats.threadsPerWorker},
                        {"balance_reason", stats.balanceReason},
                        {"gflop", 2.0 * stats.macs / 1e9}};
    if (!checks.empty()) done["checks"] = checks;
    if (!writer->encoderNote().empty()) done["encoder"] = writer->encoderNote();
    nlohmann::json runInfo = done;
    runInfo.erase("event");
    runInfo["settings"] = {{"tile", settings.tilePx},       {"overlap", settings.overlapPx},
                           {"streams", countText(settings.streams)}, {"threads", countText(settings.threads)},
                           {"tf32", settings.allowTf32},    {"max_memory_bytes", settings.maxMemoryBytes}};
    runInfo["tiling_run"] = stats.tiling;
    runInfo["tile_run"] = stats.tilePx;
    runInfo["macs"] = stats.macs;
    runInfo["planned_macs"] = stats.plannedMacs;
    traceOutputs.write(runInfo);
    if (args.has("json")) {
        std::cout << done.dump() << std::endl;
        return 0;
    }
    for (const auto& [name, c] : checks.items())
        std::cout << name << ": PSNR " << (c["psnr_db"].is_number() ? c["psnr_db"].get<double>() : INFINITY)
                  << " dB, max abs " << c["max_abs"].get<double>() << (c["identical"].get<bool>() ? " (identical)" : "") << "\n";
    // Said, so that "clip.avi" is not taken for a video.
    std::cout << "decoded " << frames << " frames of " << width << "x" << height << " to " << outPath
              << (isPngFolderPath(outPath) ? " (a folder of PNG frames)" : "") << " in "
                  << stats.wallSeconds << " s (decode " << stats.decodeSeconds << " s at "
                  << 2.0 * stats.macs / 1e9 / stats.decodeSeconds << " GFLOP/s, writing " << writeSeconds << " s; "
                  << stats.balanceReason << ")\n";
    if (!writer->encoderNote().empty()) std::cout << "video: " << writer->encoderNote() << "\n";
    return 0;
}

int commandEncode(const std::vector<std::string>& argv) {
    const CliArgs args("encode", argv, withSettings({"vae", "video", "out", "fit"}), {"json", "raw-latents", "tf32"});
    const DecodeSettings settings = settingsFrom(args);
    warnAboutUnusedFlags(args, settings);
    warnAboutCpuSetup(settings);
    const std::string videoPath = args.require("video");
    const std::string outPath = args.require("out");
    if (std::filesystem::path(outPath).extension() != ".safetensors")
        throwUsage("encode: --out " + outPath + ": latents are written as safetensors; name the file *.safetensors");
    checkOutputWritable("out", outPath);
    const VideoFit fit = args.has("fit") ? parseVideoFit(args.get("fit", "")) : VideoFit::None;
    const at::Tensor read = readVideo(videoPath);
    const WanVae model = WanVae::load(args.require("vae"), VaeParts::Encoder);
    const at::Tensor video = fitVideo(videoPath, read, fit, model.config().temporalFactor(), model.config().spatialFactor());
    RunStats stats;
    at::Tensor latents;
    try {
        latents = encodeToLatents(model, video, settings, &stats);
    } catch (const Error& e) {
        if (e.kind() == ErrorKind::Input) throw Error(e.kind(), videoPath + ": " + e.what());
        throw;
    }
    writeSafetensors(outPath, {{"latents", latents}});
    nlohmann::json done{{"event", "done"},         {"out", outPath},
                        {"video_shape", shapeJson(video)}, {"source_shape", shapeJson(read)},
                        {"latent_shape", shapeJson(latents)},
                        {"wall_s", stats.wallSeconds}, {"gflop", 2.0 * stats.macs / 1e9}};
    if (args.has("json")) {
        std::cout << done.dump() << std::endl;
        return 0;
    }
    // What --fit did to the clip, so a cropped or padded encode is not taken for the source.
    std::cout << "encoded " << video.size(1) << (video.size(1) == 1 ? " frame" : " frames");
    if (!read.sizes().equals(video.sizes()))
        std::cout << " (--fit " << args.get("fit", "") << ": " << read.size(1) << " frames of " << read.size(3) << "x"
                  << read.size(2) << " -> " << video.size(1) << " of " << video.size(3) << "x" << video.size(2) << ")";
    std::cout << " to latents " << shapeJson(latents).dump() << " in " << outPath << " (" << stats.wallSeconds
              << " s)\n";
    return 0;
}

}  // namespace ts::cli
