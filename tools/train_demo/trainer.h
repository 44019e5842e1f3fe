#pragma once
// The training loop: Adam on the demo model's fp32 parameters, batches of synthetic clips
// drawn from the seed's stream, a warmup + cosine learning-rate schedule, atomic
// checkpoints (parameters and optimiser state) and a CSV log.
#include "demo_model.h"
#include "synthetic_clips.h"

#include <string>
#include <vector>

namespace ts::demo {

struct TrainOptions {
    DemoArch arch;
    ClipSpec clip;
    int batch = 2;
    int steps = 1000;
    double lr = 1e-3;
    int warmupSteps = 50;
    std::uint64_t seed = 1;
    at::ScalarType computeDtype = at::kFloat;
    int checkpointEvery = 50;    // steps
    int threads = 2;
    std::string outDir;          // checkpoint.safetensors, train_log.csv
    double stopAfterSeconds = 0; // 0 = no limit; a checkpoint is written when it stops
    // > 0: the cosine decay runs over this many seconds of training (summed over resumed
    // runs) instead of over `steps`, and training stops when they are spent.
    double scheduleSeconds = 0;
    double clipNorm = 1.0;       // global gradient-norm clipping; <= 0 disables
    bool zeroInitResidual = true;
    int repeatData = 0;          // > 0: cycle over this many batches (a sanity check that the model can fit)
    // A weights file (an exported demo_vae.safetensors or a checkpoint) to start from instead
    // of the random initialisation: a fine-tune with its own schedule and fresh Adam moments.
    // Ignored when outDir already holds a checkpoint (that run is resumed).
    std::string initFrom;
    // Non-empty: step s trains on clips of mixFrames[s % size] frames (each 1 + 4k), the
    // rest of the clip as `clip` says. A causal model trained on short clips alone forgets
    // long histories (docs/demo-model.md): mixed lengths keep both.
    std::vector<int> mixFrames;
};

// Resumes from outDir/checkpoint.safetensors when it exists, else starts from initFrom when
// given. Returns the final parameters.
NamedTensors train(const TrainOptions& options);

// Reads the parameters (not the optimiser state) of a checkpoint; -1 in step when absent.
NamedTensors loadCheckpointParameters(const std::string& path, int* step = nullptr);

// 10 log10(4 / mse): the peak-to-peak range of [-1, 1] video is 2.
double psnrFromMse(double mse);

}  // namespace ts::demo
