#pragma once
// What a decode would do, predicted before it runs: the tile plan the engine would make
// for these settings and this latent shape, its peak memory and FLOPs. The settings
// panel shows it and the preview draws its tile grid, on every change.
#include "decode/decode_settings.h"
#include "model/vae_config.h"
#include "plan/tile_plan.h"

#include "frame_view.h"

#include <QString>

#include <cstdint>

namespace tsui {

struct Prediction {
    bool ok = false;
    QString error;                  // why there is no plan (the planner's message)
    ts::TilePlan plan;              // the plan the run would start with
    std::int64_t peakBytes = 0;
    double flops = 0;               // 2 per multiply-add
    double overhead = 1;            // total work / untiled work
    std::int64_t budgetBytes = 0;   // resolved budget, 0 = none
    // Why the run would be refused at its start although the plan exists (a CPU decode
    // predicted beyond the machine's RAM); "" when it would start. Run stays off with it.
    QString refusal;
    QString summary() const;        // "exact 2x3 tiles · peak 1.2 GiB · 3.4 TFLOP (1.26x untiled)"
};

// latent shape [zDim, T, h, w] without the channel dimension. A budget of "auto" is
// resolved against this machine.
Prediction predictDecode(const ts::VaeConfig& cfg, std::int64_t T, std::int64_t h, std::int64_t w,
                         ts::DecodeSettings settings);

QString flopsText(double flops);  // "3.41 GFLOP"

// The engine's messages name command-line flags ("--overlap: 32 px must be at most half
// of --tile"); the window names its fields instead ("Overlap: … half of Tile").
QString inWindowTerms(QString message);

// The plan's tiles in output pixels, for the preview: exact tiles with the halo of
// context they read, blend tiles with their whole (overlapping) area. Untiled: none.
QVector<TileOverlay> planOverlay(const ts::TilePlan& plan);

}  // namespace tsui
