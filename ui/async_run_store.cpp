#include "async_run_store.h"

#include <QMetaObject>

#include <utility>

namespace tsui {

AsyncRunStore::AsyncRunStore(RunStore store, QObject* parent) : QObject(parent), store_(std::move(store)) {
    pool_.setMaxThreadCount(1);
    pool_.setObjectName(QStringLiteral("runStore"));
    // What a killed session left half-written goes before anything else is read or written.
    pool_.start([store = store_] { store.removeOrphanedTemporaries(); });
}

AsyncRunStore::~AsyncRunStore() {
    // Results queued to this object by work finishing now are discarded with it; the
    // work itself (a run being written) completes first.
    pool_.waitForDone();
}

// The tasks capture the store by value (a root and limits) and `this` only to post the
// result back: the destructor waits for every task before `this` goes.
void AsyncRunStore::save(ArchivedRun run) {
    pool_.start([this, store = store_, run = std::move(run)] {
        const QString error = store.save(run);
        QMetaObject::invokeMethod(this, [this, id = run.id, error] { Q_EMIT saved(id, error); }, Qt::QueuedConnection);
    });
}

void AsyncRunStore::load(const QString& id) {
    pool_.start([this, store = store_, id] {
        LoadedRun run = store.load(id);
        QMetaObject::invokeMethod(this, [this, id, run = std::move(run)] { Q_EMIT loaded(id, run); }, Qt::QueuedConnection);
    });
}

void AsyncRunStore::remove(const QString& id) {
    pool_.start([this, store = store_, id] {
        const bool ok = store.remove(id);
        QMetaObject::invokeMethod(this, [this, id, ok] { Q_EMIT removed(id, ok); }, Qt::QueuedConnection);
    });
}

bool AsyncRunStore::waitForIdle(int timeoutMs) {
    return pool_.waitForDone(timeoutMs);
}

}  // namespace tsui
