#pragma once
// Difference maps between two renderings of one frame and their heatmap: what the
// preview's "Heatmap" view (a tiled run against its untiled reference) and its compare
// mode (a pinned run against the current one) show. Pure functions, no state.
//
// Values are on the decoder's scale, [-1,1] (peak-to-peak 2), so the PSNR is the one
// decode --check-seams and ts::compareVideos report: 10 log10(4 / MSE) over all three
// channels, ts::kIdenticalPsnrDb for identical frames. 8-bit images are mapped to that
// scale (v / 127.5 - 1) so the two kinds of comparison read the same.
#include <ATen/core/Tensor.h>

#include <QImage>
#include <QMetaType>
#include <QString>
#include <QVector>
#include <QtGlobal>

namespace tsui {

// |a - b| of one frame: the largest of the three channels per pixel (so a seam in any
// channel shows), plus the frame's statistics over all channels.
struct DiffMap {
    int width = 0;
    int height = 0;
    QVector<float> absDiff;  // width*height, row-major
    double mse = 0;          // mean squared difference over 3*width*height values
    double maxAbs = 0;       // largest |a - b| of any channel
    bool isNull() const { return width <= 0 || height <= 0; }
    float at(int x, int y) const { return absDiff[y * width + x]; }
};

// A run of consecutive frames' maps, starting at video frame `first`; or, with `error`
// set and no frames, why the reference decode failed (the run itself is unaffected).
struct SeamBatch {
    int first = 0;
    QVector<DiffMap> frames;
    QString error;
    // The run was untiled: it is its own untiled reference (every difference 0), so no
    // second decode ran and no maps come.
    bool selfReference = false;
    // The reference decode was cancelled: the maps sent so far are all there will be.
    bool cancelled = false;
};

// 10 log10(4 / mse), capped at ts::kIdenticalPsnrDb (also for mse <= 0).
double psnrFromMse(double mse);

// a, b: [3,H,W] (or [3,1,H,W]) float tensors on the decoder's scale. A null map when
// the shapes differ.
DiffMap diffTensors(const at::Tensor& a, const at::Tensor& b);
// Two RGB images of the same size; a null map when the sizes differ or one is null.
DiffMap diffImages(const QImage& a, const QImage& b);

// The colour map: t in [0,1] -> black, red (1/3), yellow (2/3), white (1); "hot".
QRgb heatColour(double t);
// Each pixel coloured by heatColour(min(1, gain * |diff|)); gain > 0.
QImage heatmapImage(const DiffMap& map, double gain);
// The heatmap added onto a darkened grey copy of the frame, so seams can be placed in
// the picture (black heat leaves the frame visible). Sizes must match, else the heatmap.
QImage heatmapOverFrame(const QImage& frame, const QImage& heat);
// A gain that maps `maxAbs` to the top of the colour map (1 when maxAbs is 0), at most
// kMaxAutoGain: differences of float rounding (1e-6) stay dark instead of filling the scale
// as if they were seams.
constexpr double kMaxAutoGain = 10000;  // the largest fixed gain offered
double autoGain(double maxAbs);

}  // namespace tsui

Q_DECLARE_METATYPE(tsui::SeamBatch)
