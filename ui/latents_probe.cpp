#include "latents_probe.h"

#include "io/latents_reader.h"

#include <c10/util/Exception.h>

#include <exception>

namespace tsui {

void LatentsProbe::read(const QString& path, Answer answer) {
    struct Read {
        at::Tensor latents;
        QString error;
    };
    latest_.run<Read>(
        [path] {
            Read r;
            try {
                r.latents = ts::readLatents(path.toStdString());
            } catch (const c10::Error& e) {
                r.error = QString::fromUtf8(e.what_without_backtrace());
            } catch (const std::exception& e) {
                r.error = QString::fromUtf8(e.what());
            }
            return r;
        },
        [answer = std::move(answer)](const Read& r) { answer(r.latents, r.error); });
}

}  // namespace tsui
