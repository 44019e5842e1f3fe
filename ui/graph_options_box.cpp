#include "graph_options_box.h"

#include <QCheckBox>
#include <QGridLayout>
#include <QSignalBlocker>

namespace tsui {

namespace {

QString tooltipFor(const std::string& name) {
    if (name == "pad-in-place")
        return QObject::tr("RMS norm + SiLU write straight into the next convolution's padded input; only the "
                           "border is zeroed. Exact; saves one full-size copy per convolution.");
    if (name == "fused-norm")
        return QObject::tr("RMS norm + SiLU in one pass over each row of the activation (sums in fp32), written "
                           "straight into the convolution's input instead of four passes (and an fp32 copy in "
                           "bf16); on CUDA one kernel, where the build has it. Exact to fp32 rounding.");
    if (name == "skip-zero-history")
        return QObject::tr("A causal convolution's first frame has only zeros before it, which multiply two of its "
                           "three time taps: it runs the last tap alone. Exact; a third of the first frame's "
                           "convolution work and buffers (a single-image decode is all first frame).");
    if (name == "arena")
        return QObject::tr("Padded convolution inputs are kept per shape and reused across layers, frames and "
                           "tiles. Exact; holds one buffer per shape (on the CPU about 90 MB more at 128x128 "
                           "for no speed gain), so it is not part of 'all'.");
    if (name == "frame-split")
        return QObject::tr("The last (full-resolution) stage and every upsampling step run one video "
                           "frame at a time: activations one frame deep instead of four. Exact; less "
                           "memory and, on the CPU, faster too (docs/benchmarks).");
    if (name == "cache-bf16")
        return QObject::tr("Causal histories kept in bf16 while computing in fp32: half their memory. Lossy "
                           "(about 60 dB from fp32 on the test model).");
    if (name == "channels-last")
        return QObject::tr("Convolution inputs in channels-last-3d (NDHWC), which cuDNN runs natively. CUDA "
                           "only: ignored on the CPU, where LibTorch's conv3d is slower with it.");
    if (name == "cudnn-benchmark")
        return QObject::tr("cuDNN tries its algorithms for every new shape and keeps the fastest. CUDA only; "
                           "for these 3-D convolutions the trials cost more than they save (an H200 decode "
                           "took 3-7x longer), so it is not part of 'all'.");
    if (name == "cache-host")
        return QObject::tr("Causal histories (the largest memory kept across frames) live in pinned host memory, "
                           "copied out on a side stream while the GPU computes and back before the next frame. "
                           "CUDA only; exact; less VRAM for PCIe traffic, so not part of 'all'.");
    if (name == "block-cache")
        return QObject::tr("CPU: freed blocks of 32 MiB and more are kept during the run (up to 2 GiB) and reused "
                           "instead of being mapped and faulted in again: five bf16 832x480 frames 1.2x faster. "
                           "Exact; holds up to what the run freed, so it is not part of 'all'.");
    if (name == "unmap-freed")
        return QObject::tr("CPU: tensor blocks of 1 MiB and more get their own memory mapping (2 MiB pages where "
                           "the kernel allows) and go back to the system when freed, instead of leaving holes in "
                           "the heap that stay resident. Exact; lower peak memory, fewer page faults for large "
                           "frames, a little more time for small tiles (docs/benchmarks).");
    if (name == "release-cache")
        return QObject::tr("After each run LibTorch's CUDA allocator hands its cached blocks back to the driver, "
                           "so the card's used memory drops between runs. CUDA only; the next run allocates "
                           "afresh.");
    return {};
}

}  // namespace

GraphOptionsBox::GraphOptionsBox(QWidget* parent) : QGroupBox(tr("Optimisations (--opt)"), parent) {
    setObjectName(QStringLiteral("graphOptionsBox"));
    auto* grid = new QGridLayout(this);
    int i = 0;
    for (const std::string& name : ts::graphOptionNames()) {
        auto* box = new QCheckBox(QString::fromStdString(name), this);
        box->setObjectName(QStringLiteral("opt-") + QString::fromStdString(name));
        box->setToolTip(tooltipFor(name));
        grid->addWidget(box, i / 2, i % 2);
        ++i;
        boxes_[name] = box;
        connect(box, &QCheckBox::toggled, this, &GraphOptionsBox::changed);
    }
    setOptions(ts::GraphOptions::allExact());
}

ts::GraphOptions GraphOptionsBox::options() const {
    std::string names;
    for (const auto& [name, box] : boxes_)
        if (box->isChecked()) names += (names.empty() ? "" : ",") + name;
    return names.empty() ? ts::GraphOptions::none() : ts::parseGraphOptions(names);
}

void GraphOptionsBox::setOptions(const ts::GraphOptions& options) {
    const std::string enabled = "," + ts::toString(options) + ",";
    for (const auto& [name, box] : boxes_) {
        const QSignalBlocker quiet(box);
        box->setChecked(enabled.find("," + name + ",") != std::string::npos);
    }
}

}  // namespace tsui
