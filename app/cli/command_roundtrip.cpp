// roundtrip: a clip through the encoder and back through the decoder, compared frame by
// frame with its source (PSNR and SSIM), with an optional side-by-side video
// (source | decoded) to look at what the numbers mean.
#include "commands.h"

#include "core/error.h"
#include "decode/decoder_run.h"
#include "io/video_fit.h"
#include "io/video_reader.h"
#include "io/video_writer.h"
#include "model/wan_vae.h"
#include "report/video_quality.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <sstream>

namespace ts::cli {

namespace {

// An identical frame's PSNR is infinite: null in JSON, as decode's checks write it.
nlohmann::json psnrJson(double db) {
    return db >= kIdenticalPsnrDb ? nlohmann::json(nullptr) : nlohmann::json(db);
}

}  // namespace

int commandRoundtrip(const std::vector<std::string>& argv) {
    std::set<std::string> flags{"vae", "video", "out", "fit"};
    flags.insert(settingsFlags().begin(), settingsFlags().end());
    flags.insert(videoOutputFlags().begin(), videoOutputFlags().end());
    const CliArgs args("roundtrip", argv, flags, {"json", "tf32"});
    const DecodeSettings settings = settingsFrom(args);
    warnAboutUnusedFlags(args, settings);
    warnAboutCpuSetup(settings);
    const std::string videoPath = args.require("video");
    const std::string outPath = args.get("out", "");
    const VideoFit fit = args.has("fit") ? parseVideoFit(args.get("fit", "")) : VideoFit::None;
    if (outPath.empty() && (args.has("fps") || args.has("crf")))
        throwUsage(std::string(args.has("fps") ? "--fps" : "--crf") + " sets the side-by-side video's encoder: give --out FILE.mp4");
    const VideoWriterOptions videoOptions = outPath.empty() ? VideoWriterOptions{} : videoOptionsFrom(args, outPath);

    const at::Tensor read = readVideo(videoPath);
    const WanVae model = WanVae::load(args.require("vae"), VaeParts::Both);
    const VaeConfig& cfg = model.config();
    const at::Tensor source = fitVideo(videoPath, read, fit, cfg.temporalFactor(), cfg.spatialFactor());
    const int frames = static_cast<int>(source.size(1)), height = static_cast<int>(source.size(2)),
              width = static_cast<int>(source.size(3));
    // Opened before the work so an unwritable --out fails at once; removed if anything fails.
    std::unique_ptr<VideoWriter> sideBySide;
    if (!outPath.empty()) sideBySide = openVideoWriter(outPath, frames, height, 2 * width, videoOptions);

    RunStats encodeStats, decodeStats;
    at::Tensor latents;
    try {
        latents = encodeToLatents(model, source, settings, &encodeStats);
    } catch (const Error& e) {
        if (e.kind() == ErrorKind::Input) throw Error(e.kind(), videoPath + ": " + e.what());
        throw;
    }
    // Both sides use the same (normalised) latent convention, so they meet as they are.
    // Compared as a viewer sees it: clamped to [-1,1], as every video writer does.
    const at::Tensor decoded =
        decodeToTensor(model, latents, settings, &decodeStats).to(at::kCPU, at::kFloat).clamp(-1.0, 1.0);
    const VideoQuality q = compareVideos(source, decoded);
    nlohmann::json perFrame = nlohmann::json::array();
    for (double db : q.psnrDb) perFrame.push_back(psnrJson(db));
    if (sideBySide) {
        for (int i = 0; i < frames; ++i)
            sideBySide->append(at::cat({source.narrow(1, i, 1), decoded.narrow(1, i, 1)}, 3));
        sideBySide->finish();
    }

    nlohmann::json done{{"event", "done"},
                        {"video", videoPath},
                        {"source_shape", read.sizes().vec()},
                        {"video_shape", source.sizes().vec()},
                        {"latent_shape", latents.sizes().vec()},
                        {"device", settings.device},
                        {"precision", toString(settings.precision)},
                        {"tiling", toString(settings.tiling)},
                        // The networks' time, as decode_s of `decode` and `bench`; the
                        // weights' placement on the device is in wall_s.
                        {"encode_s", encodeStats.decodeSeconds},
                        {"decode_s", decodeStats.decodeSeconds},
                        {"wall_s", encodeStats.wallSeconds + decodeStats.wallSeconds},
                        {"psnr_db", {{"mean", psnrJson(q.meanPsnrDb)}, {"min", psnrJson(q.minPsnrDb)},
                                     {"identical_frames", q.identicalFrames}}},
                        {"ssim", {{"mean", q.meanSsim}, {"min", q.minSsim}, {"window", "gaussian 11x11 sigma 1.5, luma (BT.601)"}}},
                        {"per_frame", {{"psnr_db", perFrame}, {"ssim", q.ssim}}}};
    if (sideBySide) {
        done["out"] = outPath;
        if (!sideBySide->encoderNote().empty()) done["encoder"] = sideBySide->encoderNote();
    }
    if (args.has("json")) {
        std::cout << done.dump() << std::endl;
        return 0;
    }
    auto db = [](double v) {
        std::ostringstream s;
        if (v >= kIdenticalPsnrDb) s << "inf";
        else s << v;
        return s.str();
    };
    std::cout << "roundtrip of " << frames << " frames of " << width << "x" << height << " through latents "
              << done["latent_shape"].dump() << ": PSNR mean " << db(q.meanPsnrDb) << " dB, min " << db(q.minPsnrDb) << " dB"
              << (q.identicalFrames > 0 ? " (" + std::to_string(q.identicalFrames) + " frames identical, not in the mean)" : "")
              << "; SSIM mean " << q.meanSsim << ", min " << q.minSsim << " (encode " << encodeStats.decodeSeconds << " s, decode "
              << decodeStats.decodeSeconds << " s)\n";
    if (sideBySide) std::cout << "side by side (source | decoded): " << outPath << "\n";
    return 0;
}

}  // namespace ts::cli
