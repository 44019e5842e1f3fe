// tilescope-cli: the engine for scripts and sweeps. Exit codes: 0 done, 2 bad usage or
// bad input, 1 any other failure, 128 + N stopped by signal N (interrupt_cleanup.h); never
// a crash or an uncaught exception.
#include "commands.h"
#include "interrupt_cleanup.h"

#include "core/error.h"
#include "core/host_allocator.h"

#include <c10/util/Exception.h>

#include <cstring>
#include <algorithm>
#include <iostream>

namespace {

const char* kUsage = R"(usage: tilescope-cli COMMAND [flags]

commands:
  decode --vae FILE --latents FILE --out FILE [settings] [--raw-latents] [--json]
         [--check-seams] [--check-precision] [--fps N] [--crf N] [profile outputs]
         decode latents (.safetensors/.npy/.pt) to a video (.safetensors, .mp4/.mkv, or a
         PNG folder); MP4/MKV: H.264, --fps (default 16), --crf 0-51 (default 18);
         the checks report PSNR/max abs against an untiled or an fp32 decode
  encode --vae FILE --video FILE --out FILE.safetensors [settings] [--fit crop|pad] [--json]
         encode a clip (a video file such as .mp4, a folder of PNGs, or [3,F,H,W] in [-1,1]
         as .safetensors/.npy) to normalised latents; it needs 1+4k frames and sizes that
         are multiples of 8: --fit crop trims to them, --fit pad repeats edge pixels/frames
  roundtrip --vae FILE --video FILE [--out SIDE_BY_SIDE.mp4] [--fit crop|pad] [--fps N]
         [--crf N] [settings] [--json]
         encode then decode a clip; per-frame PSNR (RGB) and SSIM (luma, 11x11 Gaussian)
         against the source, and optionally a side-by-side video (source | decoded)
  info   --vae FILE [--latents FILE | --latent-shape CxTxHxW] [--json]
         inferred architecture, parameter counts, FLOPs and estimated peak memory
  bench  [--vae FILE|builtin:wan2.1] [--latent-shape 16x3x16x16 | --latents FILE] [settings]
         [--warmup N] [profile outputs (one configuration only)]
         timed decodes, one JSON line per configuration (wall/decode s, peak RSS, GFLOP/s);
         settings take comma lists to sweep: --tile 64,128 --tiling blend,exact --streams 1,2;
         --warmup N decodes each configuration N times untimed first (warmup_decode_s)
  check  --vae FILE --case FILE [settings] [--tolerance X] [--json]
         decode/encode a reference case and compare with its stored outputs
  check  --kernels --device cuda[:N] [--json]
         TileScope's own CUDA kernels against the ATen ops on that GPU
  diff   A.json B.json [--json]
         compare two --summary files: per stage, op and memory counter, time and memory
         change (absolute and %), largest first

settings:
  --device cpu|cuda|cuda:N   --precision fp32|fp16|bf16   --threads N|auto (default: auto = all cores)
  --tiling off|blend|exact   --tile PX   --overlap PX (blend)   --streams N|auto (tiled runs;
         auto: workers x threads each for the cores, tiles and memory; reported as it runs)
  --max-memory BYTES|512M|8G|auto (choose exact tiles that fit; split tiles that do not; 0: none)
  --simulate-vram 24G (CUDA: cap LibTorch's allocator as on a smaller card; runs over it meet
         real out-of-memory errors, tiles are split and retried)
  --tf32 (CUDA fp32: allow TensorFloat-32, faster but ~1e-3 from exact fp32)
  --opt all|none|NAME[,NAME...] graph and memory optimisations (default: all = pad-in-place,
         fused-norm (RMS norm + SiLU in one pass; a kernel on CUDA), skip-zero-history (a causal conv's
         first frame runs one time tap of three), frame-split, channels-last (CUDA),
         release-cache (CUDA: cached blocks handed back after each run)); opt-in: arena (reused padded inputs), cache-bf16 (lossy: causal
         histories in bf16), cache-host (CUDA: causal histories in pinned host memory, copied
         on a side stream), cudnn-benchmark (CUDA: autotuning, slower for these 3-D convs),
         block-cache (CPU: freed blocks of 32 MiB+ reused during the run: large frames),
         unmap-freed (CPU: blocks of 1 MiB+ mapped on their own, unmapped when freed: less RSS);
         bench --opt each compares none, each switch alone, and all

profile outputs (decode, bench), written after the run:
  --trace FILE.json    Chrome trace / Perfetto JSON of the run, its chunks, stages and tiles
                       (FILE.json.gz: gzip-compressed, about 12x smaller; Perfetto opens it)
  --csv FILE.csv       one row per span (name, category, track, start and duration in us)
  --summary FILE.json  time per category, span name and stage, ATen ops (self time), op
                       coverage of stages, memory peaks with their op, FLOP/s vs the peak
  --report FILE.html   one self-contained HTML page: settings, stage bars, memory over
                       time, top ops/kernels, tile grid, a few decoded frames
  --profile on|off|ops,memory,sampler,cupti
                       which sources record besides engine spans (default on); bench
                       --profile on records even without an output, to measure overhead

--vae accepts .pth and .safetensors files (original Wan2.1 or diffusers names) and the
built-in models builtin:demo (small, trained on synthetic clips: decodes recognisable
video), builtin:wan2.1 (full size, random weights) and builtin:tiny (random weights).
)";

bool isCommand(const std::string& name) {
    for (const char* c : {"decode", "encode", "roundtrip", "info", "bench", "check", "diff"})
        if (name == c) return true;
    return false;
}

int dispatch(const std::string& command, const std::vector<std::string>& rest) {
    using namespace ts::cli;
    const bool askedForHelp = std::find(rest.begin(), rest.end(), "--help") != rest.end() ||
                              std::find(rest.begin(), rest.end(), "-h") != rest.end();
    if (isCommand(command) && askedForHelp) {  // "decode --help": the usage, not an unknown flag
        std::cout << kUsage;
        return 0;
    }
    if (command == "decode") return commandDecode(rest);
    if (command == "encode") return commandEncode(rest);
    if (command == "info") return commandInfo(rest);
    if (command == "bench") return commandBench(rest);
    if (command == "check") return commandCheck(rest);
    if (command == "roundtrip") return commandRoundtrip(rest);
    if (command == "diff") return commandDiff(rest);
    if (command == "help" || command == "--help" || command == "-h") {
        if (!rest.empty() && !isCommand(rest.front()))
            ts::throwUsage("help: unknown command '" + rest.front() + "' (decode, encode, roundtrip, info, bench, check, diff)");
        std::cout << kUsage;
        return 0;
    }
    ts::throwUsage("unknown command '" + command + "' (decode, encode, roundtrip, info, bench, check, diff, help)");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << kUsage;
        return 2;
    }
    const std::vector<std::string> rest(argv + 2, argv + argc);
    ts::configureHostAllocator();  // before any thread or tensor (core/host_allocator.h says why)
    // Before any other thread too: they inherit the blocked signals (interrupt_cleanup.h).
    const ts::cli::InterruptCleanup interrupts(ts::cli::InterruptCleanup::outputPathsIn(rest));
    try {
        return dispatch(argv[1], rest);
    } catch (const ts::Error& e) {
        std::cerr << "tilescope-cli: " << e.what() << std::endl;
        return ts::exitCodeFor(e.kind());
    } catch (const c10::OutOfMemoryError& e) {
        // Outside the tiles' retry (the shared prefix, an untiled encode): LibTorch's message
        // runs to a paragraph; its first two sentences say what and how much.
        std::string msg = e.what_without_backtrace();
        std::size_t end = msg.find(". ");
        if (end != std::string::npos) end = msg.find(". ", end + 2);
        msg = msg.substr(0, std::min(end, msg.find('\n')));
        std::cerr << "tilescope-cli: " << msg
                  << "; decode with --tiling exact and a smaller --tile, or --max-memory auto" << std::endl;
        return 1;
    } catch (const c10::Error& e) {
        // LibTorch's own errors (e.g. out of memory) carry a backtrace: keep the first line.
        std::string msg = e.what_without_backtrace();
        msg = msg.substr(0, msg.find('\n'));
        // The CPU allocator's failure is a c10::Error in this LibTorch, not an OutOfMemoryError.
        if (msg.find("can't allocate memory") != std::string::npos)
            msg += "; decode with --tiling exact and a smaller --tile, or --max-memory auto";
        std::cerr << "tilescope-cli: " << msg << std::endl;
        return 1;
    } catch (const std::bad_alloc&) {
        std::cerr << "tilescope-cli: out of memory" << std::endl;
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "tilescope-cli: " << e.what() << std::endl;
        return 1;
    }
}
