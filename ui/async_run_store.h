#pragma once
// The RunStore as the GUI uses it: writes, reads and deletes run on one worker thread of
// their own, in the order asked (so a load after a save of the same run finds it
// written, and a delete after either removes what they left), and their results come
// back as signals on this object's thread. Destroying it waits for the work in hand: a
// run being written when the window closes is on disk for the next session.
#include "run_store.h"

#include <QObject>
#include <QThreadPool>

namespace tsui {

class AsyncRunStore : public QObject {
    Q_OBJECT
public:
    explicit AsyncRunStore(RunStore store, QObject* parent = nullptr);
    ~AsyncRunStore() override;

    const RunStore& store() const { return store_; }
    void save(ArchivedRun run);        // -> saved
    void load(const QString& id);      // -> loaded
    void remove(const QString& id);    // -> removed
    // Waits (blocking) until the queued work is done; false on timeout. For tests and
    // shutdown.
    bool waitForIdle(int timeoutMs = -1);

Q_SIGNALS:
    void saved(const QString& id, const QString& error);  // error "" when written
    void loaded(const QString& id, const tsui::LoadedRun& run);
    void removed(const QString& id, bool ok);

private:
    RunStore store_;
    QThreadPool pool_;  // one thread: the order of the requests is the order on disk
};

}  // namespace tsui
