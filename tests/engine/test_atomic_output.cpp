// AtomicOutput: the output appears only on commit(), never half-written.
#include "core/error.h"
#include "io/atomic_file.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

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

        // An existing folder with other content is replaced as a whole.
        QDir(dir.path()).mkdir("frames");
        writeText(final + "/stale.png", "x");
        {
            AtomicOutput out(final, AtomicOutput::Kind::Directory);
            writeText(out.tempPath() + "/frame_00000.png", "png");
            out.commit();
        }
        QCOMPARE(entries(dir.path()), QStringList{"frames"});
        QCOMPARE(entries(QString::fromStdString(final)), QStringList{"frame_00000.png"});
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
