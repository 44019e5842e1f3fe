#pragma once
// The narrow interface a decode reports through: progress, finished frames, and a
// cancellation flag polled between layers and chunks. The CLI prints it; the GUI
// forwards it to queued signals. Callbacks run on a decoding thread (one at a time:
// concurrent tile workers are serialised), never on the caller's.
#include <ATen/core/Tensor.h>

#include <string>

namespace ts {

class TraceSink;

struct DecodeProgress {
    int chunksDone = 0;     // latent frames fully decoded
    int chunksTotal = 0;
    int framesDone = 0;     // video frames produced
    int framesTotal = 0;
    double elapsedSeconds = 0;
    double etaSeconds = -1;  // -1 until it can be estimated
    int tilesDone = 0;       // tiled runs: tiles finished (all their frames)
    int tilesTotal = 1;
    std::string stage;       // what runs now, e.g. "decoder frame 3/21"
};

class DecodeObserver {
public:
    virtual ~DecodeObserver() = default;
    virtual void onProgress(const DecodeProgress&) {}
    // frames: [3,n,H,W] fp32 on the CPU in [-1,1], starting at video frame `first`.
    virtual void onFrames(int first, const at::Tensor& frames) {}
    virtual bool cancelRequested() const { return false; }
    // Where engine spans (run, chunks, stages, tiles) go; null = no tracing. Queried
    // once per run; the sink itself must accept appends from any thread.
    virtual TraceSink* traceSink() { return nullptr; }
};

}  // namespace ts
