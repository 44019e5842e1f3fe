#pragma once
// Runs a tile plan: `streams` workers take tiles from a shared queue; each tile streams
// all latent frames through its own causal decoder state (so a tile's time context
// lives only while that tile runs) and writes into one preallocated output video.
// On CUDA every worker owns a stream from the pool (c10's device-generic Stream/Event
// API, so this compiles against CPU-only LibTorch); an event orders the shared prefix
// before the tiles. On the CPU the workers split the intra-op threads.
#include "decode/decode_observer.h"
#include "decode/decode_settings.h"
#include "model/wan_vae.h"
#include "plan/tile_plan.h"
#include "schedule/cpu_balance.h"
#include "schedule/tile_span.h"

#include <vector>

namespace ts {

struct TiledResult {
    at::Tensor video;  // [3,F,H,W] fp32 on the CPU, clamped to [-1,1]
    std::int64_t macs = 0;
    std::vector<TileSpan> schedule;
    int retries = 0;
    int tilesRun = 0;
    int arenaBuffers = 0;  // --opt arena: buffers the workers held at the end
    std::int64_t arenaBytes = 0;
};

// model: already on the device in the run's dtype. z: [1,C,T,h,w] de-normalised, same
// device and dtype. budgetBytes > 0: exact tiles predicted to exceed their share of it,
// or that run out of device memory, are split in four and retried (finished tiles are
// kept; each retry is recorded in the schedule). Throws ts::Error (Cancelled when the
// observer asks; OutOfMemory when even an 8x8 px tile does not fit). balance: the
// workers and their threads (chooseWorkerBalance); settings.streams must be its workers.
TiledResult runTilePlan(const WanVae& model, const at::Tensor& z, const TilePlan& plan,
                        const DecodeSettings& settings, const WorkerBalance& balance,
                        DecodeObserver& observer, std::int64_t budgetBytes = 0);

}  // namespace ts
