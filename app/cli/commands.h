#pragma once
// One function per tilescope-cli subcommand. Each returns the exit code and reports
// errors by throwing ts::Error (main turns it into a one-line message and exit code).
#include "cli_args.h"

#include "decode/decode_settings.h"
#include "io/video_writer.h"
#include "model/wan_vae.h"

namespace ts::cli {

int commandDecode(const std::vector<std::string>& args);
int commandEncode(const std::vector<std::string>& args);
int commandInfo(const std::vector<std::string>& args);
int commandBench(const std::vector<std::string>& args);
int commandCheck(const std::vector<std::string>& args);
int commandRoundtrip(const std::vector<std::string>& args);
int commandDiff(const std::vector<std::string>& args);

// The settings flags shared by decode, encode, bench and check.
const std::set<std::string>& settingsFlags();
DecodeSettings settingsFrom(const CliArgs& args);
// A latents file of another channel count than the model's latent space: an Input error
// naming the file (decode, bench).
void checkChannels(const std::string& latentsPath, const at::Tensor& latents, const WanVae& model);
// Flags the settings do not use (--tile with --tiling off, --overlap with exact tiles,
// --tf32 on the CPU): one warning line each on stderr, not silently dropped. Not for bench,
// whose sweeps combine such values on purpose.
void warnAboutUnusedFlags(const CliArgs& args, const DecodeSettings& settings);
// On the CPU, one warning line on stderr each: the netlib reference BLAS (what to install,
// core/blas_library.h), and more threads than twice the cores. Called once per command,
// before the work.
void warnAboutCpuSetup(const DecodeSettings& settings);

// --fps/--crf for .mp4/.mkv outputs (decode, roundtrip), validated against --out.
const std::set<std::string>& videoOutputFlags();
VideoWriterOptions videoOptionsFrom(const CliArgs& args, const std::string& outPath);

}  // namespace ts::cli
