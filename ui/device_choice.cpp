#include "device_choice.h"

#include "core/blas_library.h"
#include "core/format_bytes.h"
#include "decode/decode_settings.h"
#include "gpu/device_memory.h"
#include "gpu/norm_silu_cuda.h"

#include <ATen/Context.h>

#include <QComboBox>
#include <QObject>

#include <algorithm>

namespace tsui {

namespace {

constexpr int kMaxDevices = 16;

}  // namespace

bool buildHasCuda() {
    return at::hasCUDA();
}

void fillDeviceCombo(QComboBox* combo) {
    // Which BLAS the CPU's matrix products get (core/blas_library.h): on the item's tooltip,
    // and in its text when it is the slow reference one, where a CPU user looks first.
    const ts::BlasLibrary blas = ts::currentBlasLibrary();
    const QString warning = QString::fromStdString(ts::blasWarning(blas));
    combo->addItem(warning.isEmpty() ? QObject::tr("cpu") : QObject::tr("cpu (slow reference BLAS)"), QStringLiteral("cpu"));
    combo->setItemData(0,
                       QObject::tr("CPU BLAS: %1").arg(QString::fromStdString(blas.describe())) +
                           (warning.isEmpty() ? QString() : QStringLiteral("\n") + warning),
                       Qt::ToolTipRole);
    for (int i = 0; i < kMaxDevices; ++i) {
        const ts::DeviceMemory m = ts::queryDeviceMemory(i);
        if (m.totalBytes <= 0) break;
        combo->addItem(QStringLiteral("cuda:%1 (%2)").arg(i).arg(QString::fromStdString(ts::formatBytes(m.totalBytes))),
                       QStringLiteral("cuda:%1").arg(i));
        // Whether fused-norm runs our kernel here or falls back to ATen's ops.
        combo->setItemData(combo->count() - 1,
                           QObject::tr("fused-norm on CUDA: %1").arg(QString::fromStdString(ts::gpu::describeCudaNormSilu())),
                           Qt::ToolTipRole);
    }
}

int deviceItem(QComboBox* combo, const QString& device) {
    int d = combo->findData(device);
    if (d < 0) {
        combo->addItem(QObject::tr("%1 (not available here)").arg(device), device);
        d = combo->count() - 1;
    }
    return d;
}

QString deviceProblem(const std::string& device) {
    c10::Device dev(c10::kCPU);
    try {
        dev = ts::parseDevice(device);
    } catch (const std::exception&) {
        return {};  // validate() says what is wrong with the text
    }
    if (!dev.is_cuda()) return {};
    const QString name = QString::fromStdString(device);
    // The engine would refuse the run at its start (decoder_run's prepareDevice); say it
    // now, with the way out.
    if (!buildHasCuda())
        return QObject::tr("--device %1: CUDA is not available in this build (its LibTorch is CPU-only); choose cpu, "
                           "or build TileScope against a CUDA LibTorch (see README, Build options)")
            .arg(name);
    // A runtime query that works and finds no such device is conclusive; one compiled
    // out ("built without CUDA") is not: LibTorch may still see the GPU.
    const ts::DeviceMemory m = ts::queryDeviceMemory(std::max<int>(0, dev.index()));
    if (m.totalBytes <= 0 && m.error != "built without CUDA")
        return QObject::tr("--device %1: no such CUDA device here (%2)").arg(name, QString::fromStdString(m.error));
    return {};
}

}  // namespace tsui
