#include "model_probe.h"

#include "model/wan_vae.h"

#include <c10/util/Exception.h>

#include <exception>
#include <stdexcept>

namespace tsui {

QString ModelInfo::describe() const {
    if (!ok) return error;
    // No-break spaces: a wrapped label kept "73.30" on one line and "M decoder" on the next.
    return QStringLiteral("%1 · %2\u00a0M\u00a0decoder\u00a0parameters")
        .arg(QString::fromStdString(config.describe()))
        .arg(static_cast<double>(decoderParameters) / 1e6, 0, 'f', 2);
}

void ModelProbe::probe(const QString& source) {
    // A checkpoint of several hundred MB may take seconds to read.
    latest_.run<ModelInfo>(
        [source] {
            ModelInfo info;
            info.source = source;
            try {
                if (source.trimmed().isEmpty()) throw std::runtime_error("no checkpoint chosen");
                const ts::WanVae model = ts::WanVae::load(source.toStdString(), ts::VaeParts::Decoder);
                info.config = model.config();
                info.decoderParameters = model.parameterCount(ts::VaeParts::Decoder);
                info.ok = true;
            } catch (const c10::Error& e) {
                info.error = QString::fromUtf8(e.what_without_backtrace());
            } catch (const std::exception& e) {
                info.error = QString::fromUtf8(e.what());
            }
            return info;
        },
        [this](const ModelInfo& info) { Q_EMIT finished(info); });
}

}  // namespace tsui
