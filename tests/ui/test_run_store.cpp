// Runs kept on disk: the trace codec reads back exactly what it wrote and refuses a
// truncated or foreign file with a reason; the RunStore writes a run's folder only
// complete, reads trace and frames back equal, keeps the newest N (and a byte budget),
// deletes on request and names a damaged file instead of crashing; the AsyncRunStore
// does all that off the calling thread, in order. (The GUI's use of it across sessions:
// test_history_sessions.)
#include "async_run_store.h"
#include "run_store.h"
#include "trace_codec.h"

#include "ui_test_support.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>

using namespace tsui;

namespace {

// Every field set, with values a double or a 32-bit int could not hold.
ts::TraceStore::Snapshot sampleTrace() {
    ts::TraceStore::Snapshot s;
    ts::TraceEvent span = test::span("decode", "run", 9'007'199'254'740'993, 1'234'567'891);
    span.args = {{"tiles", "12"}, {"balance_reason", "memory: 2 workers"}};
    ts::TraceEvent counter;
    counter.kind = ts::TraceEvent::Kind::Counter;
    counter.name = "rss_bytes";
    counter.category = "memory";
    counter.startNs = 9'007'199'254'740'999;
    counter.value = 123456789.125;
    ts::TraceEvent flow;
    flow.kind = ts::TraceEvent::Kind::FlowEnd;
    flow.name = "launch";
    flow.pid = 1;
    flow.tid = -7'000'000'000;
    flow.flowId = 18'000'000'000'000'000'001ull;
    s.events = {span, counter, flow};
    s.tracks = {{0, 0, "main"}, {1, 7, "stream 7"}};
    s.notes = {"GPU activity unavailable: CUPTI_ERROR_NOT_INITIALIZED", ""};
    return s;
}

void compareEvents(const std::vector<ts::TraceEvent>& got, const std::vector<ts::TraceEvent>& want) {
    QCOMPARE(got.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        QCOMPARE(got[i].kind, want[i].kind);
        QCOMPARE(got[i].name, want[i].name);
        QCOMPARE(got[i].category, want[i].category);
        QCOMPARE(got[i].pid, want[i].pid);
        QCOMPARE(got[i].tid, want[i].tid);
        QCOMPARE(got[i].startNs, want[i].startNs);
        QCOMPARE(got[i].durationNs, want[i].durationNs);
        QCOMPARE(got[i].value, want[i].value);
        QCOMPARE(got[i].flowId, want[i].flowId);
        QVERIFY(got[i].args == want[i].args);
    }
}

// Frames whose pixels differ by frame, position and channel.
QVector<QImage> patternFrames(int n, int w, int h) {
    QVector<QImage> frames;
    for (int f = 0; f < n; ++f) {
        QImage img(w, h, QImage::Format_RGB888);
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) img.setPixel(x, y, qRgb((x * 16 + f) & 255, (y * 16) & 255, (40 * f + x + y) & 255));
        frames << img;
    }
    return frames;
}

ArchivedRun sampleRun(const QString& id, int frames = 3) {
    auto store = std::make_shared<ts::TraceStore>();
    const ts::TraceStore::Snapshot s = sampleTrace();
    for (const ts::TraceEvent& e : s.events) store->append(e);
    for (const auto& t : s.tracks) store->nameTrack(t.pid, t.tid, t.name);
    for (const auto& n : s.notes) store->note(n);
    return {id, store, 9'007'199'254'740'993, patternFrames(frames, 12, 8)};
}

void swallow(QtMsgType, const QMessageLogContext&, const QString&) {}

bool truncate(const QString& path, qint64 size) {
    QFile f(path);
    return f.resize(size);
}

}  // namespace

class TestRunStore : public QObject {
    Q_OBJECT
private Q_SLOTS:

    void traceCodecRoundTrip() {
        const ts::TraceStore::Snapshot want = sampleTrace();
        const QByteArray bytes = encodeTrace(want);
        ts::TraceStore::Snapshot got;
        QString error;
        QVERIFY2(decodeTrace(bytes, &got, &error), qPrintable(error));
        compareEvents(got.events, want.events);
        QCOMPARE(got.tracks.size(), std::size_t(2));
        QCOMPARE(got.tracks[1].pid, 1);
        QCOMPARE(got.tracks[1].tid, std::int64_t(7));
        QCOMPARE(got.tracks[1].name, std::string("stream 7"));
        QVERIFY(got.notes == want.notes);

        // Every truncation and every damaged byte is refused with a reason, or (a byte of
        // zlib's size hint) reads the same trace: nothing reads as a different trace.
        const QtMessageHandler previous = qInstallMessageHandler(swallow);  // qUncompress warns of each
        int refused = 0;
        for (qsizetype n = 0; n < bytes.size(); ++n) {
            ts::TraceStore::Snapshot partial;
            QString why;
            const bool read = decodeTrace(bytes.left(n), &partial, &why);
            QVERIFY2(!read && !why.isEmpty() && partial.events.empty(), qPrintable(QString::number(n)));
            QByteArray flipped = bytes;
            flipped[n] = static_cast<char>(flipped[n] ^ 0x5a);
            if (decodeTrace(flipped, &partial, &why))
                compareEvents(partial.events, want.events);
            else
                ++refused;
        }
        qInstallMessageHandler(previous);
        QVERIFY2(refused >= bytes.size() - 4, qPrintable(QString::number(refused)));
        QVERIFY(!decodeTrace(bytes.left(20), &got, &error));
        QCOMPARE(error, QStringLiteral("truncated or corrupt (the compressed events do not unpack)"));
        QVERIFY(!decodeTrace(QByteArray("{\"traceEvents\": []}"), &got, &error));
        QCOMPARE(error, QStringLiteral("not a TileScope trace (bad header)"));
        QByteArray future = bytes;
        future[11] = 2;  // the version, big-endian after the 8-byte magic
        QVERIFY(!decodeTrace(future, &got, &error));
        QCOMPARE(error, QStringLiteral("trace format version 2, this build reads version 1"));

        // Intact compression around a damaged structure (a writer bug, not a disk error).
        const QByteArray head = bytes.left(12), body = qUncompress(bytes.mid(12));
        QVERIFY(body.size() > 100);
        QByteArray badKind = body;
        badKind[4] = 9;  // after the event count: the first event's kind
        QVERIFY(!decodeTrace(head + qCompress(badKind), &got, &error));
        QCOMPARE(error, QStringLiteral("corrupt: event 0 has kind 9"));
        QVERIFY(!decodeTrace(head + qCompress(body.left(30)), &got, &error));
        QCOMPARE(error, QStringLiteral("truncated after event 0 of 3"));
        QVERIFY(!decodeTrace(head + qCompress(body + "x"), &got, &error));
        QCOMPARE(error, QStringLiteral("corrupt: no end marker after the 3 events"));
    }

    void storeRoundTrip() {
        QTemporaryDir dir;
        RunStore store(dir.filePath(QStringLiteral("runs")));
        const ArchivedRun run = sampleRun(QStringLiteral("run-1"));
        QCOMPARE(store.save(run), QString());
        QCOMPARE(store.ids(), QStringList{QStringLiteral("run-1")});
        const QDir folder(store.folder(QStringLiteral("run-1")));
        QCOMPARE(folder.entryList(QDir::Files, QDir::Name),
                 QStringList({"frame_0000.png", "frame_0001.png", "frame_0002.png", "run.json", "trace.bin"}));
        QCOMPARE(QDir(store.root()).entryList(QDir::Dirs | QDir::NoDotAndDotDot), QStringList{QStringLiteral("run-1")});

        const LoadedRun back = store.load(QStringLiteral("run-1"));
        QVERIFY2(back.ok(), qPrintable(back.error));
        QCOMPARE(back.run.id, QStringLiteral("run-1"));
        QCOMPARE(back.run.originNs, std::int64_t(9'007'199'254'740'993));
        QVERIFY(back.run.trace);
        const ts::TraceStore::Snapshot snap = back.run.trace->snapshot();
        compareEvents(snap.events, sampleTrace().events);
        QCOMPARE(snap.tracks.size(), std::size_t(2));
        QCOMPARE(snap.notes.size(), std::size_t(2));
        QCOMPARE(back.run.frames.size(), 3);
        for (int i = 0; i < 3; ++i) QCOMPARE(back.run.frames[i], run.frames[i]);  // format and every pixel
        QCOMPARE(back.run.frames[2].format(), QImage::Format_RGB888);
        QCOMPARE(back.run.frames[2].pixel(5, 3), qRgb(5 * 16 + 2, 48, 88));

        // Saving again replaces the folder; a run without trace or frames is a run too.
        QCOMPARE(store.save({QStringLiteral("run-1"), nullptr, 42, {}}), QString());
        const LoadedRun empty = store.load(QStringLiteral("run-1"));
        QVERIFY2(empty.ok(), qPrintable(empty.error));
        QVERIFY(!empty.run.trace);
        QVERIFY(empty.run.frames.isEmpty());
        QCOMPARE(empty.run.originNs, std::int64_t(42));
        QVERIFY(!QFile::exists(folder.filePath(QStringLiteral("frame_0000.png"))));
    }

    void pruneKeepsTheNewest() {
        QTemporaryDir dir;
        RunStore store(dir.filePath(QStringLiteral("runs")), 3);
        for (const char* id : {"a", "b", "c", "d", "e"}) QCOMPARE(store.save(sampleRun(QLatin1String(id), 1)), QString());
        QCOMPARE(store.ids(), QStringList({"e", "d", "c"}));
        QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("runs/a"))));
        const LoadedRun gone = store.load(QStringLiteral("a"));
        QCOMPARE(gone.status, LoadedRun::Status::Missing);
        QVERIFY2(gone.error.contains(QStringLiteral("not on disk")) && gone.error.contains(QStringLiteral("newest 3 runs")),
                 qPrintable(gone.error));

        // A byte budget of about two runs keeps two; the newest stays even alone over it.
        qint64 oneRun = 0;
        for (const QFileInfo& f : QDir(store.folder(QStringLiteral("e"))).entryInfoList(QDir::Files)) oneRun += f.size();
        QVERIFY(oneRun > 100);
        RunStore tight(store.root(), 10, oneRun * 2 + oneRun / 2);
        QCOMPARE(tight.prune(), QStringList{QStringLiteral("c")});
        QCOMPARE(tight.ids(), QStringList({"e", "d"}));
        RunStore tiny(store.root(), 10, 1);
        QCOMPARE(tiny.save(sampleRun(QStringLiteral("f"), 1)), QString());
        QCOMPARE(tiny.ids(), QStringList{QStringLiteral("f")});
    }

    void removeDeletesTheFolder() {
        QTemporaryDir dir;
        RunStore store(dir.filePath(QStringLiteral("runs")));
        QCOMPARE(store.save(sampleRun(QStringLiteral("x"))), QString());
        QCOMPARE(store.save(sampleRun(QStringLiteral("y"))), QString());
        QVERIFY(QFile::exists(store.folder(QStringLiteral("x"))));
        QVERIFY(store.remove(QStringLiteral("x")));
        QVERIFY(!QFile::exists(store.folder(QStringLiteral("x"))));
        QCOMPARE(store.ids(), QStringList{QStringLiteral("y")});
        QVERIFY(store.remove(QStringLiteral("never")));  // nothing to delete is not a failure
        // Ids come from an editable JSON file: nothing outside the store is touched.
        QVERIFY(store.folder(QStringLiteral("../y")).isEmpty());
        QVERIFY(store.remove(QStringLiteral("..")));
        QVERIFY(QFile::exists(store.folder(QStringLiteral("y"))));
        QCOMPARE(store.load(QStringLiteral("../y")).status, LoadedRun::Status::Missing);
        QVERIFY(!store.save(sampleRun(QStringLiteral("a/b"))).isEmpty());
    }

    void damagedPayloadsAreNamed() {
        QTemporaryDir dir;
        RunStore store(dir.filePath(QStringLiteral("runs")));
        const auto damage = [&](const char* id, const QString& file, const std::function<bool(const QString&)>& harm) {
            if (store.save(sampleRun(QLatin1String(id))) != QString()) return QStringLiteral("not saved");
            if (!harm(store.folder(QLatin1String(id)) + QLatin1Char('/') + file)) return QStringLiteral("not harmed");
            const LoadedRun r = store.load(QLatin1String(id));
            return r.status == LoadedRun::Status::Damaged && r.run.frames.isEmpty() && !r.run.trace ? r.error
                                                                                                      : QStringLiteral("not refused");
        };
        const auto cut = [](qint64 keep) { return [keep](const QString& p) { return truncate(p, keep); }; };
        QString e = damage("t", QStringLiteral("trace.bin"), cut(60));
        QVERIFY2(e.endsWith(QStringLiteral("runs/t/trace.bin: damaged, cannot be read: truncated or corrupt (the compressed "
                                          "events do not unpack)")), qPrintable(e));
        e = damage("p", QStringLiteral("frame_0001.png"), cut(100));
        QVERIFY2(e.contains(QStringLiteral("runs/p/frame_0001.png: damaged")), qPrintable(e));
        e = damage("m", QStringLiteral("run.json"), cut(10));
        QVERIFY2(e.contains(QStringLiteral("runs/m/run.json: damaged")), qPrintable(e));
        e = damage("r", QStringLiteral("frame_0002.png"), [](const QString& p) { return QFile::remove(p); });
        QVERIFY2(e.contains(QStringLiteral("runs/r/frame_0002.png: damaged")), qPrintable(e));
        e = damage("g", QStringLiteral("trace.bin"), [](const QString& p) {
            QFile f(p);
            return f.open(QIODevice::WriteOnly) && f.write("garbage") == 7;
        });
        QVERIFY2(e.contains(QStringLiteral("not a TileScope trace")), qPrintable(e));
    }

    void interruptedWritesAreNotRuns() {
        QTemporaryDir dir;
        RunStore store(dir.filePath(QStringLiteral("runs")));
        QCOMPARE(store.save(sampleRun(QStringLiteral("ok"))), QString());
        // What a crash mid-save leaves: ts::AtomicOutput's temporary, half written. Here by
        // a live process (this one: another instance may still be writing it).
        const QString temp = store.root() + QStringLiteral("/half.tmp-%1-0").arg(::getpid());
        QVERIFY(QDir().mkpath(temp));
        QFile part(temp + QStringLiteral("/frame_0000.png"));
        QVERIFY(part.open(QIODevice::WriteOnly) && part.write("\x89PNG") == 4);
        part.close();
        QCOMPARE(store.ids(), QStringList{QStringLiteral("ok")});
        QCOMPARE(store.load(QStringLiteral("half")).status, LoadedRun::Status::Missing);
        QVERIFY(store.prune().isEmpty());
        QVERIFY(QFile::exists(temp));  // recent: maybe another instance still writing it
        const timeval old[2] = {{1'000'000'000, 0}, {1'000'000'000, 0}};  // 2001
        QCOMPARE(::utimes(QFile::encodeName(temp).constData(), old), 0);
        store.prune();
        QVERIFY(!QFile::exists(temp));
        QCOMPARE(store.ids(), QStringList{QStringLiteral("ok")});

        // By a process that is gone (a killed session): removed at once, and at start-up by
        // the AsyncRunStore, without waiting for it to be an hour old.
        const pid_t child = ::fork();
        if (child == 0) ::_exit(0);
        QVERIFY(child > 0);
        QCOMPARE(::waitpid(child, nullptr, 0), child);
        const QString orphan = store.root() + QStringLiteral("/killed.tmp-%1-3").arg(child);
        QVERIFY(QDir().mkpath(orphan));
        store.removeOrphanedTemporaries();
        QVERIFY(!QFile::exists(orphan));
        QVERIFY(QDir().mkpath(orphan));
        {
            AsyncRunStore async(RunStore(store.root()));
            QVERIFY(async.waitForIdle(10000));
        }
        QVERIFY(!QFile::exists(orphan));
        QCOMPARE(store.ids(), QStringList{QStringLiteral("ok")});
    }

    void asyncStoreAnswersBySignal() {
        QTemporaryDir dir;
        AsyncRunStore async(RunStore(dir.filePath(QStringLiteral("runs"))));
        QSignalSpy saved(&async, &AsyncRunStore::saved);
        QSignalSpy loaded(&async, &AsyncRunStore::loaded);
        QSignalSpy removed(&async, &AsyncRunStore::removed);
        async.save(sampleRun(QStringLiteral("s")));
        async.load(QStringLiteral("s"));  // queued after the save: finds it written
        async.remove(QStringLiteral("s"));
        async.load(QStringLiteral("s"));  // and after the delete: gone
        QTRY_COMPARE_WITH_TIMEOUT(loaded.size(), 2, 10000);
        QCOMPARE(saved.size(), 1);
        QCOMPARE(saved.at(0).at(1).toString(), QString());
        const auto first = loaded.at(0).at(1).value<LoadedRun>();
        QVERIFY2(first.ok(), qPrintable(first.error));
        QCOMPARE(first.run.frames.size(), 3);
        QCOMPARE(first.run.trace->size(), std::size_t(3));
        QCOMPARE(loaded.at(1).at(1).value<LoadedRun>().status, LoadedRun::Status::Missing);
        QCOMPARE(removed.size(), 1);
        QVERIFY(removed.at(0).at(1).toBool());
    }
};

QTEST_MAIN(TestRunStore)
#include "test_run_store.moc"
