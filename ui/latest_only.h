#pragma once
// Work for the newest request only, off the GUI thread: run() starts `work` on Qt's global
// pool (which the application waits for when it ends: a detached thread could still be
// inside LibTorch while the process tears its statics down) and hands its result to
// `deliver` on the application's thread, unless a later run() or cancel() superseded it or
// the owner is gone. The checkpoint and latents probes are two such requests.
#include <QCoreApplication>
#include <QObject>
#include <QPointer>
#include <QThreadPool>

#include <functional>
#include <utility>

namespace tsui {

class LatestOnly {
public:
    // Not copied or moved: tasks in flight hold this object's address (used only while the
    // owner, whose member it is, lives).
    Q_DISABLE_COPY_MOVE(LatestOnly)
    // owner: the object this member belongs to; results are dropped once it is destroyed.
    explicit LatestOnly(QObject* owner) : owner_(owner) {}

    // `work` must not throw (catch inside it and put the error in Result): it runs on a
    // pool thread, where an exception would end the program.
    template <class Result>
    void run(std::function<Result()> work, std::function<void(const Result&)> deliver) {
        const int generation = ++generation_;
        busy_ = true;
        QPointer<QObject> owner(owner_);
        LatestOnly* self = this;  // lives as long as the owner: only used while it does
        QThreadPool::globalInstance()->start([owner, self, generation, work = std::move(work), deliver = std::move(deliver)] {
            Result result = work();
            QCoreApplication* app = QCoreApplication::instance();
            if (!app) return;
            QMetaObject::invokeMethod(app, [owner, self, generation, result = std::move(result), deliver] {
                if (!owner || generation != self->generation_) return;  // gone, or superseded
                self->busy_ = false;
                deliver(result);
            }, Qt::QueuedConnection);
        });
    }

    void cancel() {  // the pending result, if any, is dropped
        ++generation_;
        busy_ = false;
    }
    bool isBusy() const { return busy_; }  // the newest request has not been delivered yet

private:
    QObject* owner_;
    int generation_ = 0;
    bool busy_ = false;
};

}  // namespace tsui
