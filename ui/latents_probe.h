#pragma once
// Reads a latents file off the GUI thread (a large .safetensors takes seconds and froze
// the window), as ModelProbe reads a checkpoint: only the latest request's answer is
// delivered, and only while the probe lives.
#include "latest_only.h"

#include <ATen/core/Tensor.h>

#include <QObject>
#include <QString>

#include <functional>

namespace tsui {

class LatentsProbe : public QObject {
    Q_OBJECT
public:
    explicit LatentsProbe(QObject* parent = nullptr) : QObject(parent), latest_(this) {}
    // Called on the probe's thread with the latents, or an undefined tensor and the
    // reader's one-line error naming the file.
    using Answer = std::function<void(const at::Tensor& latents, const QString& error)>;

    // Starts reading `path`; a later call (or cancel()) supersedes it.
    void read(const QString& path, Answer answer);
    void cancel() { latest_.cancel(); }  // the pending read's answer is dropped (an in-memory clip replaced it)
    bool isBusy() const { return latest_.isBusy(); }

private:
    LatestOnly latest_;
};

}  // namespace tsui
