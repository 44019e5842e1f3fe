#pragma once
// Graph and memory optimisations of the decoder's forward pass, each a named switch so
// the workbench can measure it against the plain path (`--opt NAME[,NAME...]`, `all`,
// `none`). The plain path (every switch off) stays the straightforward one: it is what
// the tests compare each switch against, and what training (autograd) runs.
//
//   pad-in-place     RMS norm + SiLU write straight into the next conv's padded input,
//                    only the border is zeroed, and the causal history is updated in
//                    place: no separate norm output, no zero-fill pass, no history clone.
//                    Exact.
//   fused-norm       RMS norm + SiLU in one pass over each row of the activation, fp32
//                    sums, written straight to the conv's input (model/fused_norm_silu.h)
//                    instead of four ATen passes (and, in bf16, an fp32 copy); on CUDA one
//                    kernel (gpu/norm_silu_kernel.cu) where the build has nvcc. Exact to
//                    fp32 rounding (a polynomial exp on the CPU, expf on CUDA).
//                    Measured (docs/benchmarks/2026-11-26-cpu-fused-norm.md): bf16 decodes
//                    18-20 % faster at 128x128 and 38 % at 832x480; fp32 2-9 % at 128x128.
//                    H200, 832x480x81 bf16 (2026-11-26-h200-fused-norm.md): 17 % faster,
//                    22 % less allocated memory.
//   skip-zero-history  a causal conv's first frame (no history yet) has two zero frames in
//                    front of it, which multiply two of its three time taps: the conv runs
//                    the last tap on the frame alone. A third of the first latent frame's
//                    conv work and buffers (a single-image decode is all first frame).
//                    Exact (the same sum without the zero terms). Measured
//                    (docs/benchmarks/2026-11-26-cpu-skip-zero-history.md): one 832x480 frame
//                    1.7-1.8x faster, 9x128x128 4-11 %.
//   arena            padded conv inputs kept per shape and reused across layers, chunks
//                    and tiles (model/buffer_arena.h): steady state allocates none, and
//                    with pad-in-place their borders are zeroed once. Exact, but on the CPU
//                    it holds ~90 MB more at 128x128 for no speed (glibc already reuses
//                    those blocks; measured), so `all` leaves it out; name it to use it.
//   frame-split      the last (full-resolution) stage and the head run frame by frame,
//                    and every upsampling conv too (each causal conv still sees its
//                    frames in order), so the largest activations are one frame deep
//                    instead of four. Exact; less memory and, on the CPU, faster (smaller
//                    buffers stay in malloc's heap).
//   cache-bf16       causal histories (the last two input frames of every conv) kept in
//                    bf16 while computing in fp32: half their memory. Lossy (see
//                    docs/benchmarks), so `all` leaves it out; name it to use it.
//   channels-last    conv inputs and weights in channels-last-3d (NDHWC). CUDA only:
//                    cuDNN runs NDHWC natively; on the CPU LibTorch 1.13's conv3d is
//                    slower with it (measured), so it is ignored there. Exact.
//   cudnn-benchmark  cuDNN autotunes its algorithms per shape (first tile of each shape
//                    is slower, workspace grows). CUDA only. Exact up to algorithm order.
//                    Measured on an H200 at 832x480x81 (docs/benchmarks/2026-11-26-h200.md):
//                    the autotuning of every new 3-D conv shape costs more than the decode
//                    (bf16 exact tiles 12.5 s against 2.9 s), so `all` leaves it out.
//   cache-host       causal histories in pinned host memory, copied out on a side stream
//                    overlapped with compute and back before the next chunk
//                    (model/host_history.h): the card holds no histories. CUDA only;
//                    exact; costs PCIe copies, so `all` leaves it out; name it to use it.
//   block-cache      CPU: freed tensor blocks of 32 MiB and more are kept during the run and
//                    reused (core/large_block_cache.h) instead of being mapped and faulted
//                    in afresh; emptied after the run. Exact; measured at 832x480
//                    (docs/benchmarks/2026-11-26-cpu-block-cache.md): five bf16 frames 1.2x
//                    faster, one fp32 frame no faster (since skip-zero-history), for
//                    +1.0-1.3 GiB peak RSS, so `all` leaves it out.
//   unmap-freed      CPU: tensor blocks of 1 MiB and more are mapped on their own (2 MiB
//                    pages where the kernel grants them) and unmapped when freed
//                    (core/large_block_cache.h), instead of leaving holes in glibc's heap
//                    that stay resident. Exact. Measured (fp32, 2 threads,
//                    docs/benchmarks/2026-11-26-cpu-unmap-freed.md): peak RSS 10-16 % lower
//                    (17x256x256 untiled 1547 -> 1295 MiB at the same time; 9x128x128 750 ->
//                    667 MiB), but every reuse is a fresh, kernel-zeroed mapping: 128 px
//                    tiles take 13-15 % longer, 128x128 frames 16-35 %, so `all` leaves it
//                    out; name it when memory is what is short.
//   release-cache    after a run (finished, failed or cancelled), LibTorch's CUDA caching
//                    allocator returns its cached blocks to the driver, so the device's
//                    used memory drops back to the weights-free baseline between runs (the
//                    GUI, bench sweeps, other processes on the card). CUDA only (a no-op
//                    with a CPU-only LibTorch); exact: it runs after the output exists.
#include <string>
#include <vector>

namespace ts {

struct GraphOptions {
    bool padInPlace = false;
    bool fusedNorm = false;
    bool skipZeroHistory = false;
    bool arena = false;
    bool frameSplit = false;
    bool cacheBf16 = false;
    bool channelsLast = false;
    bool cudnnBenchmark = false;
    bool releaseCache = false;
    bool cacheHost = false;
    bool blockCache = false;
    bool unmapFreed = false;

    // What `all` (and the default) select: every switch that is exact and measured to
    // help (pad-in-place, fused-norm, skip-zero-history, frame-split, channels-last, release-cache);
    // cudnn-benchmark, arena, block-cache, unmap-freed, cache-host and the lossy cache-bf16
    // are named explicitly.
    static GraphOptions allExact();
    static GraphOptions none() { return {}; }

    bool operator==(const GraphOptions& o) const {
        return padInPlace == o.padInPlace && fusedNorm == o.fusedNorm && skipZeroHistory == o.skipZeroHistory && arena == o.arena && frameSplit == o.frameSplit && cacheBf16 == o.cacheBf16 &&
               channelsLast == o.channelsLast && cudnnBenchmark == o.cudnnBenchmark &&
               releaseCache == o.releaseCache && cacheHost == o.cacheHost && blockCache == o.blockCache &&
               unmapFreed == o.unmapFreed;
    }
    bool operator!=(const GraphOptions& o) const { return !(*this == o); }
};

// The switch names, in a fixed order.
const std::vector<std::string>& graphOptionNames();

// "none" | "all" | NAME[,NAME...] (names may be combined with "all", e.g.
// "all,cache-bf16"); throws ts::Error(Usage) naming --opt and the accepted names.
GraphOptions parseGraphOptions(const std::string& text);

// "none", or the enabled names joined by commas.
std::string toString(const GraphOptions& options);

// The options with only `name` switched on.
GraphOptions onlyOption(const std::string& name);

}  // namespace ts
