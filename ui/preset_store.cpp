#include "preset_store.h"

#include <QSettings>

namespace tsui {

namespace {

ts::DecodeSettings make(const char* device, ts::Precision p, ts::TilingMode m, int tile, int overlap, int streams,
                        std::int64_t budget) {
    ts::DecodeSettings s;
    s.device = device;
    s.precision = p;
    s.tiling = m;
    s.tilePx = tile;
    s.overlapPx = overlap;
    s.streams = streams;
    s.maxMemoryBytes = budget;
    return s;
}

constexpr std::int64_t GiB = std::int64_t(1) << 30;

}  // namespace

QVector<Preset> PresetStore::builtins() {
    using ts::Precision;
    using ts::TilingMode;
    return {
        {QStringLiteral("CPU reference (fp32, untiled)"),
         make("cpu", Precision::FP32, TilingMode::Off, 256, 32, 1, 0), QString(),
         QStringLiteral("Exactly the reference decode; memory grows with the frame size."), true},
        {QStringLiteral("CPU low memory (exact 128 px tiles)"),
         make("cpu", Precision::FP32, TilingMode::Exact, 128, 32, 1, 0), QString(),
         QStringLiteral("Same output as untiled, a fraction of the peak memory, some extra work."), true},
        {QStringLiteral("RTX 3090 Ti (24 GB)"),
         make("cuda:0", Precision::BF16, TilingMode::Exact, 256, 32, 2, 22 * GiB), QStringLiteral("22G"),
         QStringLiteral("bf16, exact 256 px tiles on two streams, kept under 22 GiB so the desktop keeps ~2 GiB."), true},
        {QStringLiteral("H100 (80 GB, untiled bf16)"),
         make("cuda:0", Precision::BF16, TilingMode::Off, 256, 32, 1, 0), QString(),
         QStringLiteral("Fastest when the whole clip fits: no tiles, no extra work."), true},
    };
}

QStringList PresetStore::names() const {
    QStringList out;
    for (const Preset& p : builtins()) out << p.name;
    settings_->beginGroup(QStringLiteral("presets"));
    for (const QString& g : settings_->childGroups())
        if (!out.contains(g)) out << g;
    settings_->endGroup();
    return out;
}

std::optional<Preset> PresetStore::find(const QString& name) const {
    const QString group = QStringLiteral("presets/") + name;
    if (settings_->childGroups().contains(QStringLiteral("presets"))) {
        settings_->beginGroup(group);
        const bool stored = settings_->contains(QStringLiteral("device"));
        Preset p;
        if (stored) {
            p.name = name;
            p.settings.device = settings_->value(QStringLiteral("device")).toString().toStdString();
            p.memoryText = settings_->value(QStringLiteral("memory")).toString();
            p.description = settings_->value(QStringLiteral("description")).toString();
            p.settings.tilePx = settings_->value(QStringLiteral("tile"), 256).toInt();
            p.settings.overlapPx = settings_->value(QStringLiteral("overlap"), 32).toInt();
            p.settings.streams = settings_->value(QStringLiteral("streams"), 1).toInt();
            p.settings.threads = settings_->value(QStringLiteral("threads"), 0).toInt();
            p.settings.maxMemoryBytes = settings_->value(QStringLiteral("memoryBytes"), 0).toLongLong();
            const std::string precision = settings_->value(QStringLiteral("precision")).toString().toStdString();
            const std::string tiling = settings_->value(QStringLiteral("tiling")).toString().toStdString();
            settings_->endGroup();
            // A hand-edited file may hold anything: fall back to the defaults, never throw.
            try {
                p.settings.precision = ts::parsePrecision(precision);
                p.settings.tiling = ts::parseTilingMode(tiling);
            } catch (const std::exception&) {
                return std::nullopt;
            }
            return p;
        }
        settings_->endGroup();
    }
    for (const Preset& p : builtins())
        if (p.name == name) return p;
    return std::nullopt;
}

bool PresetStore::save(const Preset& preset) {
    const QString name = preset.name.trimmed();
    if (name.isEmpty() || name.contains(QLatin1Char('/'))) return false;
    settings_->beginGroup(QStringLiteral("presets/") + name);
    settings_->setValue(QStringLiteral("device"), QString::fromStdString(preset.settings.device));
    settings_->setValue(QStringLiteral("precision"), QString::fromStdString(ts::toString(preset.settings.precision)));
    settings_->setValue(QStringLiteral("tiling"), QString::fromStdString(ts::toString(preset.settings.tiling)));
    settings_->setValue(QStringLiteral("tile"), preset.settings.tilePx);
    settings_->setValue(QStringLiteral("overlap"), preset.settings.overlapPx);
    settings_->setValue(QStringLiteral("streams"), preset.settings.streams);
    settings_->setValue(QStringLiteral("threads"), preset.settings.threads);
    settings_->setValue(QStringLiteral("memory"), preset.memoryText);
    settings_->setValue(QStringLiteral("memoryBytes"), static_cast<qlonglong>(preset.settings.maxMemoryBytes));
    settings_->setValue(QStringLiteral("description"), preset.description);
    settings_->endGroup();
    settings_->sync();
    return true;
}

bool PresetStore::remove(const QString& name) {
    settings_->beginGroup(QStringLiteral("presets"));
    const bool had = settings_->childGroups().contains(name);
    if (had) settings_->remove(name);
    settings_->endGroup();
    settings_->sync();
    return had;
}

}  // namespace tsui
