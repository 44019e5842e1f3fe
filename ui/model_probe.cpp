#include "model_probe.h"

#include "model/wan_vae.h"

#include <QCoreApplication>
#include <QPointer>
#include <QThreadPool>

#include <c10/util/Exception.h>

#include <exception>

namespace tsui {

QString ModelInfo::describe() const {
    if (!ok) return error;
    return QStringLiteral("%1 · %2 M decoder parameters")
        .arg(QString::fromStdString(config.describe()))
        .arg(static_cast<double>(decoderParameters) / 1e6, 0, 'f', 2);
}

void ModelProbe::probe(const QString& source) {
    const int generation = ++generation_;
    ++pending_;
    QPointer<ModelProbe> self(this);
    // On the global pool: a checkpoint of several hundred MB may take seconds; the answer
    // comes back through the application object's thread, and only while this probe
    // lives. The application waits for the pool when it ends (a detached thread could
    // still be inside LibTorch while the process tears its statics down).
    QThreadPool::globalInstance()->start([self, generation, source] {
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
        QCoreApplication* app = QCoreApplication::instance();
        if (!app) return;
        QMetaObject::invokeMethod(app, [self, generation, info] {
            if (!self) return;
            --self->pending_;
            if (generation == self->generation_) Q_EMIT self->finished(info);
        }, Qt::QueuedConnection);
    });
}

}  // namespace tsui
