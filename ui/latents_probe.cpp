#include "latents_probe.h"

#include "io/latents_reader.h"

#include <QCoreApplication>
#include <QPointer>
#include <QThreadPool>

#include <c10/util/Exception.h>

#include <exception>

namespace tsui {

void LatentsProbe::read(const QString& path, Answer answer) {
    const int generation = ++generation_;
    busy_ = true;
    QPointer<LatentsProbe> self(this);
    // On the global pool, which the application waits for when it ends: a detached thread
    // could still be inside LibTorch while the process tears its statics down.
    QThreadPool::globalInstance()->start([self, generation, path, answer = std::move(answer)] {
        at::Tensor latents;
        QString error;
        try {
            latents = ts::readLatents(path.toStdString());
        } catch (const c10::Error& e) {
            error = QString::fromUtf8(e.what_without_backtrace());
        } catch (const std::exception& e) {
            error = QString::fromUtf8(e.what());
        }
        QCoreApplication* app = QCoreApplication::instance();
        if (!app) return;
        QMetaObject::invokeMethod(app, [self, generation, latents, error, answer] {
            if (!self || generation != self->generation_) return;  // superseded
            self->busy_ = false;
            answer(latents, error);
        }, Qt::QueuedConnection);
    });
}

void LatentsProbe::cancel() {
    ++generation_;
    busy_ = false;
}

}  // namespace tsui
