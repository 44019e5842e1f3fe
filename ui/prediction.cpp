#include "prediction.h"

#include "core/format_bytes.h"
#include "plan/memory_budget.h"

#include <QObject>
#include <QRegularExpression>

#include <exception>
#include <utility>

namespace tsui {

QString flopsText(double flops) {
    const char* units[] = {"FLOP", "kFLOP", "MFLOP", "GFLOP", "TFLOP", "PFLOP"};
    int u = 0;
    while (flops >= 1000.0 && u < 5) {
        flops /= 1000.0;
        ++u;
    }
    return QString::number(flops, 'f', u == 0 ? 0 : 2) + QLatin1Char(' ') + QLatin1String(units[u]);
}

QString Prediction::summary() const {
    if (!ok) return error;
    QString text = QString::fromStdString(plan.describe());
    // describe() already names the tiles, the work ratio and the peak.
    text += QStringLiteral(" · %1").arg(flopsText(flops));
    if (budgetBytes > 0) text += QStringLiteral(" · budget %1").arg(QString::fromStdString(ts::formatBytes(budgetBytes)));
    return text;
}

QVector<TileOverlay> planOverlay(const ts::TilePlan& plan) {
    QVector<TileOverlay> out;
    if (plan.mode == ts::TilingMode::Off || plan.latentHeight <= 0) return out;
    const std::int64_t f = plan.frameHeight / plan.latentHeight;  // the decoder's spatial factor
    auto rect = [](const ts::Rect& r) {
        return QRect(static_cast<int>(r.x0), static_cast<int>(r.y0), static_cast<int>(r.width()), static_cast<int>(r.height()));
    };
    for (const ts::PlannedTile& t : plan.tiles) {
        TileOverlay o;
        o.tile = rect(t.output);
        if (plan.mode == ts::TilingMode::Exact) o.halo = rect(t.latent.scaled(f).clipped(plan.frameHeight, plan.frameWidth));
        out.push_back(o);
    }
    return out;
}

Prediction predictDecode(const ts::VaeConfig& cfg, std::int64_t T, std::int64_t h, std::int64_t w,
                         ts::DecodeSettings settings) {
    Prediction p;
    try {
        if (T < 1 || h < 1 || w < 1) throw std::invalid_argument("no latents to plan for");
        // The planner trusts its settings: check the ranges first, but not whether this
        // machine has the device (a CPU-only build still predicts a GPU preset).
        ts::DecodeSettings ranges = settings;
        ranges.device = "cpu";
        ranges.precision = ts::Precision::FP32;
        ranges.validate();
        if (settings.maxMemoryBytes != 0) {
            // The planner, like the run, turns an untiled request that does not fit into tiles.
            p.budgetBytes = ts::resolveBudget(settings.maxMemoryBytes, ts::parseDevice(settings.device));
            p.plan = ts::planWithinBudget(cfg, T, h, w, settings, p.budgetBytes);
        } else {
            p.plan = ts::makeTilePlan(cfg, T, h, w, settings);
        }
        try {
            ts::refuseBeyondHostMemory(p.plan, p.budgetBytes, ts::parseDevice(settings.device));
        } catch (const std::exception& e) {
            p.refusal = inWindowTerms(QString::fromUtf8(e.what()));
        }
        p.peakBytes = p.plan.estimatedPeakBytes;
        p.flops = 2.0 * static_cast<double>(p.plan.totalMacs);
        p.overhead = p.plan.untiledMacs > 0
                         ? static_cast<double>(p.plan.totalMacs) / static_cast<double>(p.plan.untiledMacs)
                         : 1.0;
        p.ok = true;
    } catch (const std::exception& e) {
        p.ok = false;
        p.error = inWindowTerms(QString::fromUtf8(e.what()));
    }
    return p;
}

QString inWindowTerms(QString message) {
    // Longest first where one flag's name starts another's (--tile, --tiling).
    static const std::pair<const char*, const char*> kFields[] = {
        {"--max-memory", "Memory budget"}, {"--tiling", "Tiling"},       {"--tile", "Tile"},
        {"--overlap", "Overlap"},          {"--streams", "Streams"},     {"--threads", "Threads"},
        {"--precision", "Precision"},      {"--device", "Device"},       {"--opt", "Optimisations"},
    };
    for (const auto& [flag, field] : kFields)
        message.replace(QRegularExpression(QStringLiteral("%1\\b(?!-)").arg(QLatin1String(flag))), QObject::tr(field));
    return message;
}

}  // namespace tsui
