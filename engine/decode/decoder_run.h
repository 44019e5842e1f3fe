#pragma once
// Runs a decode (or encode) of a whole clip with given settings: moves the model to the
// device/precision, sets threads, streams latent frames through the causal decoder and
// hands frames to the observer as they are produced. Throws ts::Error; a cancelled run
// throws ErrorKind::Cancelled.
#include "core/large_block_cache.h"
#include "decode/decode_observer.h"
#include "decode/decode_settings.h"
#include "model/wan_vae.h"

#include "schedule/tile_span.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ts {

struct RunStats {
    double wallSeconds = 0;     // whole call incl. weight conversion
    double decodeSeconds = 0;   // the network itself (without deliverSeconds)
    double deliverSeconds = 0;  // in the observer's onFrames: writing the video, copies for the GUI
    std::int64_t macs = 0;      // multiply-adds executed (convolutions, attention)
    std::int64_t outputFrames = 0;
    std::int64_t plannedMacs = 0; // what the tile plan predicted
    int tiles = 1;
    int retries = 0;              // tiles split after running out of memory (or budget)
    std::string tiling;           // what ran: the budget may turn an untiled request into exact tiles
    int tilePx = 0;
    std::vector<TileSpan> schedule;  // what ran where and when
    // --opt arena: padded inputs held for reuse at the end (all workers together). Flat
    // in the frame count: after the first latent frames every shape has its buffer.
    int arenaBuffers = 0;
    std::int64_t arenaBytes = 0;
    // What ran concurrently (--streams/--threads, auto resolved): workers (CUDA: streams),
    // intra-op threads of each, and why (schedule/cpu_balance.h).
    int workers = 1;
    int threadsPerWorker = 1;
    std::string balanceReason;
    // --opt block-cache (CPU): large blocks reused, newly made, and the most kept at once.
    BlockCacheStats blockCache;
};

// What --opt unmap-freed and block-cache ask of the CPU's block cache: unmap-freed maps
// blocks from 1 MiB up and keeps none; block-cache keeps freed ones (from 32 MiB up, or from
// 1 MiB with unmap-freed) up to 2 GiB. Off (on()) with neither. runDecode applies it on the CPU.
BlockCachePolicy hostBlockPolicy(const GraphOptions& graph);

// latents: [C,T,h,w] fp32 (normalised unless settings.rawLatents).
RunStats runDecode(const WanVae& model, const at::Tensor& latents, const DecodeSettings& settings,
                   DecodeObserver& observer);

// Convenience: decode into one preallocated [3,F,H,W] fp32 tensor; engine spans go to
// `trace` when given.
at::Tensor decodeToTensor(const WanVae& model, const at::Tensor& latents,
                          const DecodeSettings& settings, RunStats* stats = nullptr,
                          TraceSink* trace = nullptr);

// video: [3,F,H,W] in [-1,1], F = 1 + 4k. Returns the normalised mean [C,T,h,w] fp32.
at::Tensor encodeToLatents(const WanVae& model, const at::Tensor& video,
                           const DecodeSettings& settings, RunStats* stats = nullptr);

}  // namespace ts
