#pragma once
// Named decode settings: a few built-in presets (e.g. "RTX 3090 Ti (24 GB)") and the
// user's own, saved in QSettings under "presets/<name>". A user preset with a built-in's
// name replaces it.
#include "decode/decode_settings.h"

#include <QString>
#include <QStringList>
#include <QVector>

#include <optional>

class QSettings;

namespace tsui {

struct Preset {
    QString name;
    ts::DecodeSettings settings;
    QString memoryText;   // the budget as typed: "" none, "auto", "22G"
    QString description;  // tooltip: what the preset is for
    bool builtin = false;
};

class PresetStore {
public:
    explicit PresetStore(QSettings* settings) : settings_(settings) {}

    static QVector<Preset> builtins();
    QStringList names() const;  // built-ins first, then the user's, each once
    std::optional<Preset> find(const QString& name) const;
    // Stores a user preset; false (nothing stored) for an empty name.
    bool save(const Preset& preset);
    // Removes a user preset; built-ins cannot be removed (false).
    bool remove(const QString& name);

private:
    QSettings* settings_;
};

}  // namespace tsui
