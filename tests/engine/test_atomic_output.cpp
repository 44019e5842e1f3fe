// AtomicOutput: the output appears only on commit(), never half-written.
#include "core/error.h"
#include "io/atomic_file.h"
#include "test_support.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <chrono>
#include <filesystem>
#include <fstream>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using ts::AtomicOutput;

class TestAtomicOutput : public QObject {
    Q_OBJECT

private:
    static void writeText(const std::string& path, const char* text) {
        std::ofstream(path, std::ios::binary) << text;
    }
    static QByteArray readAll(const QString& path) {
        QFile f(path);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }
    static bool isFrame(const std::string& name) {
        return QString::fromStdString(name).contains(QRegularExpression(QStringLiteral("^frame_\\d+\\.png$")));
    }
    static QStringList entries(const QString& dir) {
        return QDir(dir).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden);
    }

private slots:
    void fileCommitRenames() {
        QTemporaryDir dir;
        const std::string final = dir.filePath("out.bin").toStdString();
        {
            AtomicOutput out(final, AtomicOutput::Kind::File);
            QCOMPARE(QFileInfo(QString::fromStdString(out.tempPath())).absolutePath(),
                     QFileInfo(QString::fromStdString(final)).absolutePath());  // same directory
            QVERIFY(QFile::exists(QString::fromStdString(out.tempPath())));
            QVERIFY(!QFile::exists(QString::fromStdString(final)));
            writeText(out.tempPath(), "hello");
            out.commit();
        }
        QCOMPARE(readAll(QString::fromStdString(final)), QByteArray("hello"));
        QCOMPARE(entries(dir.path()), QStringList{"out.bin"});
    }

    void commitReplacesExistingFile() {
        QTemporaryDir dir;
        const std::string final = dir.filePath("out.bin").toStdString();
        writeText(final, "old");
        AtomicOutput out(final, AtomicOutput::Kind::File);
        writeText(out.tempPath(), "new");
        QCOMPARE(readAll(QString::fromStdString(final)), QByteArray("old"));  // untouched until commit
        out.commit();
        QCOMPARE(readAll(QString::fromStdString(final)), QByteArray("new"));
    }

    void destroyedWithoutCommitLeavesNothing() {
        QTemporaryDir dir;
        {
            AtomicOutput out(dir.filePath("out.bin").toStdString(), AtomicOutput::Kind::File);
            writeText(out.tempPath(), "partial");
        }
        QVERIFY(entries(dir.path()).isEmpty());
    }

    void uncommittedDoesNotTouchExistingTarget() {
        QTemporaryDir dir;
        const std::string final = dir.filePath("out.bin").toStdString();
        writeText(final, "old");
        { AtomicOutput out(final, AtomicOutput::Kind::File); }
        QCOMPARE(readAll(QString::fromStdString(final)), QByteArray("old"));
        QCOMPARE(entries(dir.path()), QStringList{"out.bin"});
    }

    void directoryKind() {
        QTemporaryDir dir;
        const std::string final = dir.filePath("frames").toStdString();
        {
            // Destroyed without commit: removed recursively.
            AtomicOutput out(final, AtomicOutput::Kind::Directory);
            QVERIFY(QFileInfo(QString::fromStdString(out.tempPath())).isDir());
            QDir(QString::fromStdString(out.tempPath())).mkdir("sub");
            writeText(out.tempPath() + "/sub/a.txt", "a");
        }
        QVERIFY(entries(dir.path()).isEmpty());

        // An existing folder of files the output owns is replaced as a whole.
        QDir(dir.path()).mkdir("frames");
        writeText(final + "/frame_00000.png", "old");
        writeText(final + "/frame_00001.png", "old");
        {
            AtomicOutput out(final, AtomicOutput::Kind::Directory, isFrame);
            writeText(out.tempPath() + "/frame_00000.png", "png");
            out.commit();
        }
        QCOMPARE(entries(dir.path()), QStringList{"frames"});
        QCOMPARE(entries(QString::fromStdString(final)), QStringList{"frame_00000.png"});
        QCOMPARE(readAll(QString::fromStdString(final + "/frame_00000.png")), QByteArray("png"));
    }

    // The user's data is never deleted: every target that is not the output's own kind,
    // or a folder with files the output does not write, is refused before any work, with
    // the path named, and left exactly as it was.
    void refusesTargetsItWouldDestroy() {
        QTemporaryDir dir;
        const QString root = dir.path();
        QDir(root).mkpath("folder/sub");
        writeText((root + "/folder/notes.txt").toStdString(), "keep");
        QDir(root).mkdir("mixed");
        writeText((root + "/mixed/frame_00000.png").toStdString(), "old");
        writeText((root + "/mixed/notes.txt").toStdString(), "keep");
        writeText((root + "/file.txt").toStdString(), "keep");
        QVERIFY(::mkfifo((root + "/pipe").toLocal8Bit().constData(), 0600) == 0);
        const struct {
            const char* name;
            AtomicOutput::Kind kind;
            const char* why;
        } cases[] = {
            {"folder", AtomicOutput::Kind::File, "it is a folder"},
            {"folder/", AtomicOutput::Kind::File, "it is a folder"},
            {"pipe", AtomicOutput::Kind::File, "not a regular file"},
            {"file.txt", AtomicOutput::Kind::Directory, "not a folder"},
            {"folder", AtomicOutput::Kind::Directory, "which this output does not write"},
            {"mixed", AtomicOutput::Kind::Directory, "holds 'notes.txt'"},
            {".", AtomicOutput::Kind::Directory, "names an existing folder"},
        };
        const QStringList before = entries(root);
        for (const auto& c : cases) {
            const std::string final = (root + "/" + c.name).toStdString();
            try {
                AtomicOutput out(final, c.kind, isFrame);
                QFAIL(qPrintable(QStringLiteral("expected a refusal for %1").arg(c.name)));
            } catch (const ts::Error& e) {
                QCOMPARE(e.kind(), ts::ErrorKind::Input);
                QVERIFY2(QString::fromUtf8(e.what()).contains(c.why), e.what());
                QVERIFY2(QString::fromUtf8(e.what()).startsWith(root + "/"), e.what());
            }
        }
        QCOMPARE(entries(root), before);  // no temporaries either
        QCOMPARE(readAll(root + "/folder/notes.txt"), QByteArray("keep"));
        QVERIFY(QFileInfo(root + "/folder/sub").isDir());
        QCOMPARE(entries(root + "/mixed"), (QStringList{"frame_00000.png", "notes.txt"}));
        QCOMPARE(readAll(root + "/file.txt"), QByteArray("keep"));
    }

    // A file that appears in the target folder during the run stops the commit; it survives.
    void commitChecksTheTargetAgain() {
        QTemporaryDir dir;
        const std::string final = dir.filePath("frames").toStdString();
        QDir(dir.path()).mkdir("frames");
        writeText(final + "/frame_00000.png", "old");
        AtomicOutput out(final, AtomicOutput::Kind::Directory, isFrame);
        writeText(out.tempPath() + "/frame_00000.png", "new");
        writeText(final + "/notes.txt", "keep");
        QVERIFY_THROWS_EXCEPTION(ts::Error, out.commit());
        QCOMPARE(readAll(QString::fromStdString(final + "/notes.txt")), QByteArray("keep"));
        QCOMPARE(readAll(QString::fromStdString(final + "/frame_00000.png")), QByteArray("old"));
    }

    // Links: a file output replaces a link (dangling or to a file) and never what it points
    // to; a folder output refuses one, naming it.
    void linksAreReplacedNotFollowed() {
        QTemporaryDir dir;
        const QString root = dir.path();
        writeText((root + "/target.bin").toStdString(), "keep");
        QVERIFY(QFile::link(root + "/target.bin", root + "/link.bin"));
        QVERIFY(QFile::link(root + "/gone.bin", root + "/dangling.bin"));
        for (const char* name : {"link.bin", "dangling.bin"}) {
            AtomicOutput out((root + "/" + name).toStdString(), AtomicOutput::Kind::File);
            writeText(out.tempPath(), "new");
            out.commit();
            QVERIFY(!QFileInfo(root + "/" + name).isSymLink());
            QCOMPARE(readAll(root + "/" + name), QByteArray("new"));
        }
        QCOMPARE(readAll(root + "/target.bin"), QByteArray("keep"));
        QVERIFY(QDir(root).mkdir("frames"));
        QVERIFY(QFile::link(root + "/frames", root + "/frames-link"));
        const std::string e = ts::test::expectError(
            [&] { AtomicOutput((root + "/frames-link").toStdString(), AtomicOutput::Kind::Directory, isFrame); });
        QVERIFY2(e.find("symbolic link") != std::string::npos, e.c_str());
    }

    // "out/" is the folder "out": the temporary sits beside it, and the result is "out".
    void trailingSeparatorNamesTheFolder() {
        QTemporaryDir dir;
        {
            AtomicOutput out(dir.filePath("frames//").toStdString(), AtomicOutput::Kind::Directory, isFrame);
            QCOMPARE(out.finalPath(), dir.filePath("frames").toStdString());
            QCOMPARE(QFileInfo(QString::fromStdString(out.tempPath())).absolutePath(), dir.path());
            writeText(out.tempPath() + "/frame_00000.png", "png");
            out.commit();
        }
        QCOMPARE(entries(dir.path()), QStringList{"frames"});
        QCOMPARE(entries(dir.filePath("frames")), QStringList{"frame_00000.png"});
    }

    // The writer's id is read back from the names the output gives its leftovers (the run
    // store clears a killed session's by it); other names have none.
    void leftoversNameTheirWriter() {
        QTemporaryDir dir;
        AtomicOutput out(dir.filePath("frames").toStdString(), AtomicOutput::Kind::Directory);
        const std::string temp = QFileInfo(QString::fromStdString(out.tempPath())).fileName().toStdString();
        QCOMPARE(ts::leftoverWriterPid(temp), static_cast<long>(::getpid()));
        QCOMPARE(ts::leftoverWriterPid("run-1.replaced-4242-7"), 4242L);
        for (const char* other : {"frames", "frame_00001.png", "a.tmp-", "a.tmp-12", "a.tmp-12-", "a.tmp--3", "a.tmp-1-2-3",
                                  "a.tmp-x-1", "a.tmp-99999999999999999999-1"})
            QVERIFY2(ts::leftoverWriterPid(other) == 0, other);
    }

    // A writer killed with SIGKILL leaves its temporary; the next output of the same path
    // removes it, and nothing else: not a live writer's (its process runs here, or it holds
    // its lock: a writer in another PID namespace or on another machine), not a fresh one,
    // not a ".replaced-" copy, not a look-alike name.
    void deadWritersTemporariesAreRemoved() {
        QTemporaryDir dir;
        const pid_t child = ::fork();
        if (child == 0) ::_exit(0);
        QVERIFY(child > 0);
        int status = 0;
        QCOMPARE(::waitpid(child, &status, 0), child);  // reaped: no process has this id now
        const std::string dead = std::to_string(child);
        const std::string live = std::to_string(::getppid());
        const QString final = dir.filePath("out.mp4");
        const auto old = std::filesystem::file_time_type::clock::now() - std::chrono::hours(1);
        for (const std::string& name : {"out.mp4.tmp-" + dead + "-0", "out.mp4.tmp-" + dead + "-3",
                                        "out.mp4.tmp-" + live + "-0", "out.mp4.replaced-" + dead + "-1",
                                        "out.mp4.tmp-" + dead + "-1-x", "other.mp4.tmp-" + dead + "-0",
                                        "out.mp4.tmp-" + dead + "-2", "out.mp4.tmp-" + dead + "-5"}) {
            const std::string path = dir.filePath(QString::fromStdString(name)).toStdString();
            writeText(path, "partial");
            if (name != "out.mp4.tmp-" + dead + "-2") std::filesystem::last_write_time(path, old);
        }
        QDir().mkdir(dir.filePath(QString::fromStdString("out.mp4.tmp-" + dead + "-4")));  // a killed PNG folder
        writeText(dir.filePath(QString::fromStdString("out.mp4.tmp-" + dead + "-4/frame_00000.png")).toStdString(), "png");
        std::filesystem::last_write_time(dir.filePath(QString::fromStdString("out.mp4.tmp-" + dead + "-4")).toStdString(), old);

        // -5 is a live writer whose process id means nothing here: it holds its lock.
        const int held = ::open(dir.filePath(QString::fromStdString("out.mp4.tmp-" + dead + "-5")).toLocal8Bit().constData(), O_RDONLY);
        QVERIFY(held >= 0 && ::flock(held, LOCK_EX | LOCK_NB) == 0);

        AtomicOutput out(final.toStdString(), AtomicOutput::Kind::File);
        const QString own = QFileInfo(QString::fromStdString(out.tempPath())).fileName();
        const QString d = QString::fromStdString(dead), l = QString::fromStdString(live);
        QStringList expected{"out.mp4.tmp-" + l + "-0", "out.mp4.replaced-" + d + "-1", "out.mp4.tmp-" + d + "-1-x",
                             "other.mp4.tmp-" + d + "-0", "out.mp4.tmp-" + d + "-2", "out.mp4.tmp-" + d + "-5", own};
        expected.sort();
        QCOMPARE(entries(dir.path()), expected);
        // Our own temporary carries our process id and is old enough once backdated: its lock
        // keeps it; once the lock is gone (the output is destroyed) it could go.
        std::filesystem::last_write_time(out.tempPath(), old);
        QCOMPARE(ts::removeDeadWritersTemporaries(final.toStdString()), 0);
        QVERIFY(QFileInfo::exists(QString::fromStdString(out.tempPath())));
        ::close(held);  // the other writer died: now its temporary goes
        QCOMPARE(ts::removeDeadWritersTemporaries(final.toStdString()), 1);
        QVERIFY(!QFileInfo::exists(dir.filePath(QString::fromStdString("out.mp4.tmp-" + dead + "-5"))));
    }

    // A killed process whose id this one reuses (a container's PID 1) left temporaries under
    // the names this process would pick next: the output takes a free one instead of failing.
    void reusedProcessIdDoesNotCollide() {
        QTemporaryDir dir;
        const std::string final = dir.filePath("frames").toStdString();
        std::string next;
        {
            AtomicOutput first(final, AtomicOutput::Kind::Directory);
            const std::string t = first.tempPath();
            const long n = std::stol(t.substr(t.rfind('-') + 1));
            next = final + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(n + 1);
        }
        QVERIFY(QDir().mkdir(QString::fromStdString(next)));  // fresh: not old enough to remove
        AtomicOutput second(final, AtomicOutput::Kind::Directory);
        QVERIFY(second.tempPath() != next);
        QVERIFY(QFileInfo(QString::fromStdString(second.tempPath())).isDir());
        AtomicOutput file(final + ".bin", AtomicOutput::Kind::File);
        QVERIFY(QFileInfo(QString::fromStdString(file.tempPath())).isFile());
    }

    void twoOutputsGetDistinctTemporaries() {
        QTemporaryDir dir;
        const std::string final = dir.filePath("out.bin").toStdString();
        AtomicOutput a(final, AtomicOutput::Kind::File);
        AtomicOutput b(final, AtomicOutput::Kind::File);
        QVERIFY(a.tempPath() != b.tempPath());
    }

    void unwritableLocationIsInputError() {
        QTemporaryDir dir;
        const std::string final = dir.filePath("missing/sub/out.bin").toStdString();
        for (auto kind : {AtomicOutput::Kind::File, AtomicOutput::Kind::Directory}) {
            try {
                AtomicOutput out(final, kind);
                QFAIL("expected an error");
            } catch (const ts::Error& e) {
                QCOMPARE(e.kind(), ts::ErrorKind::Input);
                QCOMPARE(ts::exitCodeFor(e.kind()), 2);
                const QString msg = QString::fromUtf8(e.what());
                QVERIFY2(msg.startsWith(QString::fromStdString(final) + ": cannot write output: "), e.what());
                QVERIFY2(!msg.contains('\n'), e.what());
            }
        }
        QVERIFY(entries(dir.path()).isEmpty());
    }
};

QTEST_APPLESS_MAIN(TestAtomicOutput)
#include "test_atomic_output.moc"
