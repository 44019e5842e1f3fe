// tilescope-cli's outputs: it never deletes what it did not write (a folder, a file of
// another kind, its own inputs), and Ctrl-C or SIGTERM mid-run leaves no half-written
// output behind (exit 128 + the signal, as a shell expects).
#include "checkpoint/safetensors_writer.h"

#include <ATen/ATen.h>

#include "cli_runner.h"  // after ATen: Qt's keyword macros break its headers

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include <csignal>

using namespace ts;
using test::CliResult;
using test::runCli;

namespace {

QStringList entries(const QString& dir) {
    return QDir(dir).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden);
}

void writeText(const QString& path, const QByteArray& text) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(text);
}

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

}  // namespace

class TestCliOutputs : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString latents_;  // small: a decode of builtin:tiny takes a fraction of a second
    QString longLatents_;  // 17x256x256 with the full-size model: tens of seconds

    QString path(const QString& name) const { return dir_.filePath(name); }

    QStringList tinyDecode(const QString& out) const {
        return {"decode", "--vae", "builtin:tiny", "--latents", latents_, "--out", out, "--threads", "2"};
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        latents_ = path("latents.safetensors");
        writeSafetensors(latents_.toStdString(), {{"latents", at::zeros({16, 2, 4, 4})}});
        longLatents_ = path("long.safetensors");
        writeSafetensors(longLatents_.toStdString(), {{"latents", at::zeros({16, 5, 32, 32})}});
    }

    // A folder output (PNG frames) onto a folder with the user's files, a file output onto
    // a folder, and a folder output onto a file: refused with exit 2, naming the path,
    // before any work, and nothing changed.
    void neverReplacesWhatItDidNotWrite() {
        QVERIFY(QDir(dir_.path()).mkpath("mine/sub"));
        writeText(path("mine/notes.txt"), "keep");
        writeText(path("notes.txt"), "keep");
        const QStringList before = entries(dir_.path());
        for (const QString& out : {path("mine"), path("mine/"), path("notes.txt")}) {
            const CliResult r = runCli(tinyDecode(out));  // no extension: a PNG folder
            QCOMPARE(r.exitCode, 2);
            QVERIFY2(r.stderrText.contains(QDir::cleanPath(out) + ": cannot write output: "), qPrintable(r.stderrText));
        }
        for (const QString& out : {path("mine.safetensors"), path("mine.mp4")}) {
            QVERIFY(QDir(dir_.path()).mkdir(QFileInfo(out).fileName()));
            const CliResult r = runCli(tinyDecode(out));
            QCOMPARE(r.exitCode, 2);
            QVERIFY2(r.stderrText.contains(out + ": cannot write output: it is a folder"), qPrintable(r.stderrText));
            QVERIFY(QDir(dir_.path()).rmdir(QFileInfo(out).fileName()));
        }
        QCOMPARE(entries(dir_.path()), before);
        QCOMPARE(entries(path("mine")), (QStringList{"notes.txt", "sub"}));
        QCOMPARE(readAll(path("mine/notes.txt")), QByteArray("keep"));
        QCOMPARE(readAll(path("notes.txt")), QByteArray("keep"));
    }

    // What it wrote itself it replaces: a second decode into the same frame folder.
    void replacesItsOwnFrameFolder() {
        const QString out = path("frames");
        QCOMPARE(runCli(tinyDecode(out)).exitCode, 0);
        const QStringList first = entries(out);
        QCOMPARE(first.size(), 5);
        QCOMPARE(first.first(), QStringLiteral("frame_00000.png"));
        const CliResult again = runCli(tinyDecode(out));
        QVERIFY2(again.exitCode == 0, qPrintable(again.stderrText));
        QCOMPARE(entries(out), first);
    }

    // An output that is one of the run's inputs, or two outputs on one path: refused.
    void outputsDifferFromInputsAndEachOther() {
        const QByteArray latents = readAll(latents_);
        CliResult r = runCli(tinyDecode(latents_));
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.stderrText.contains("--out") && r.stderrText.contains("--latents"), qPrintable(r.stderrText));
        QCOMPARE(readAll(latents_), latents);
        r = runCli(tinyDecode(path("v.safetensors")) << "--trace" << path("./v.safetensors"));
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.stderrText.contains("--trace") && r.stderrText.contains("--out"), qPrintable(r.stderrText));
        QVERIFY(!QFile::exists(path("v.safetensors")));
    }

    // A --json reader that goes away (`| head -1`) stops the run like a Cancel: exit 1,
    // no output left (SIGPIPE used to kill it where it stood, its temporary left behind).
    void closedStdoutCancelsTheRun() {
        QTemporaryDir outDir;
        // head exits after the first progress line; bash reports the CLI's own status.
        const QString cli = QStringLiteral("'%1' decode --vae builtin:wan2.1 --latents '%2' --out '%3' --json --threads 2")
                                .arg(QStringLiteral(TILESCOPE_CLI_PATH), longLatents_, outDir.filePath("video.safetensors"));
        const CliResult r = runCli({"-c", cli + " | head -1; exit ${PIPESTATUS[0]}"}, 120000, QStringLiteral("/bin/bash"));
        QVERIFY2(r.stdoutText.contains("\"event\":\"progress\""), qPrintable(r.allText()));
        QCOMPARE(r.exitCode, 1);  // 141 (killed by SIGPIPE) before
        QVERIFY2(r.stderrText.contains("cancelled"), qPrintable(r.allText()));
        QCOMPARE(entries(outDir.path()), QStringList());
    }

    // decode --help is the usage, not an unknown flag.
    void helpAfterACommand() {
        const CliResult r = runCli({"decode", "--help"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.stdoutText.startsWith("usage: tilescope-cli"), qPrintable(r.allText()));
    }

    // Ctrl-C while the video, a PNG folder or a trace is being written: exit 130 (SIGTERM
    // 143), a line saying so, and no temporary or partial output left.
    void interruptLeavesNothing_data() {
        QTest::addColumn<int>("signal");
        QTest::addColumn<QString>("out");
        QTest::newRow("SIGINT, safetensors") << int(SIGINT) << "video.safetensors";
        QTest::newRow("SIGTERM, PNG folder") << int(SIGTERM) << "frames-long";
        QTest::newRow("SIGINT, mp4") << int(SIGINT) << "clip.mp4";
    }
    void interruptLeavesNothing() {
        QFETCH(int, signal);
        QFETCH(QString, out);
        QTemporaryDir outDir;
        QProcess p;
        p.start(QStringLiteral(TILESCOPE_CLI_PATH),
                {"decode", "--vae", "builtin:wan2.1", "--latents", longLatents_, "--out", outDir.filePath(out), "--trace",
                 outDir.filePath("trace.json"), "--threads", "2"});
        QVERIFY(p.waitForStarted());
        // The output's temporary appears before the decode starts; interrupt then.
        QElapsedTimer waited;
        waited.start();
        while (entries(outDir.path()).isEmpty() && waited.elapsed() < 60000 && p.state() == QProcess::Running)
            QThread::msleep(20);
        QVERIFY2(!entries(outDir.path()).isEmpty(), "no temporary output appeared");
        QVERIFY2(p.state() == QProcess::Running, "the decode ended before it could be interrupted");
        QCOMPARE(::kill(static_cast<pid_t>(p.processId()), signal), 0);
        QVERIFY(p.waitForFinished(30000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 128 + signal);
        QVERIFY2(QString::fromUtf8(p.readAllStandardError()).contains("interrupted"), "no line says why it stopped");
        QCOMPARE(entries(outDir.path()), QStringList());
    }
};

QTEST_APPLESS_MAIN(TestCliOutputs)
#include "test_cli_outputs.moc"
