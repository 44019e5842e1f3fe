#pragma once
// Reads a checkpoint off the GUI thread to show what it is before anything runs: the
// architecture inferred from its tensor shapes and the decoder's parameter count, or the
// loader's one-line error. Only the latest request's answer is delivered.
#include "latest_only.h"
#include "model/vae_config.h"

#include <QMetaType>
#include <QObject>
#include <QString>

#include <cstdint>

namespace tsui {

struct ModelInfo {
    QString source;
    bool ok = false;
    ts::VaeConfig config;
    std::int64_t decoderParameters = 0;
    QString error;
    QString describe() const;  // "z 16, dim 96, … · 73.3 M decoder parameters" or the error
};

class ModelProbe : public QObject {
    Q_OBJECT
public:
    explicit ModelProbe(QObject* parent = nullptr) : QObject(parent), latest_(this) {}
    // Starts reading `source` (path or builtin:*); a later call supersedes it.
    void probe(const QString& source);
    bool isBusy() const { return latest_.isBusy(); }

Q_SIGNALS:
    void finished(const tsui::ModelInfo& info);

private:
    LatestOnly latest_;
};

}  // namespace tsui

Q_DECLARE_METATYPE(tsui::ModelInfo)
