// tilescope-cli as a user meets it with bad input: every case exits with a code below
// 128 (2 for bad usage or input), prints one line naming the file or flag and the
// problem, and leaves no output file behind.
#include "checkpoint/safetensors_writer.h"

#include <ATen/ATen.h>

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace ts;

namespace {

const QString kData = TILESCOPE_TEST_DATA;

struct CliResult {
    int exitCode = -1;
    bool crashed = false;
    QString stderrText;
    QString stdoutText;
};

CliResult runCli(const QStringList& args) {
    QProcess p;
    p.start(TILESCOPE_CLI_PATH, args);
    p.waitForFinished(120000);
    CliResult r;
    r.crashed = p.exitStatus() != QProcess::NormalExit;
    r.exitCode = p.exitCode();
    r.stderrText = QString::fromUtf8(p.readAllStandardError()).trimmed();
    r.stdoutText = QString::fromUtf8(p.readAllStandardOutput()).trimmed();
    return r;
}

void copyPrefix(const QString& from, const QString& to, qint64 bytes) {
    QFile in(from);
    QVERIFY(in.open(QIODevice::ReadOnly));
    QFile out(to);
    QVERIFY(out.open(QIODevice::WriteOnly));
    out.write(in.read(bytes));
}

void writeBytes(const QString& path, const QByteArray& bytes) {
    QFile out(path);
    QVERIFY(out.open(QIODevice::WriteOnly));
    out.write(bytes);
}

}  // namespace

class TestCliBadInput : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString path(const QString& name) const { return dir_.filePath(name); }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        const QString vaePth = kData + "/vae.pth", vaeSt = kData + "/vae.safetensors";
        copyPrefix(vaePth, path("truncated.pth"), QFile(vaePth).size() / 2);
        copyPrefix(vaeSt, path("truncated.safetensors"), QFile(vaeSt).size() - 1000);
        writeBytes(path("notes.txt"), "these are my notes, not a checkpoint\n");
        QByteArray huge(8, '\0');
        huge[7] = char(0x80);  // header length 2^63, little endian
        writeBytes(path("huge-header.safetensors"), huge + QByteArray("{}"));
        writeSafetensors(path("latents8.safetensors").toStdString(), {{"latents", at::zeros({8, 2, 4, 4})}});
        at::Tensor nan = at::zeros({16, 2, 4, 4});
        nan[0][1][2][3] = NAN;
        writeSafetensors(path("latents-nan.safetensors").toStdString(), {{"latents", nan}});
        at::Tensor inf = at::zeros({16, 2, 4, 4});
        inf[3][0][0][0] = INFINITY;
        writeSafetensors(path("latents-inf.safetensors").toStdString(), {{"latents", inf}});
        writeSafetensors(path("latents2d.safetensors").toStdString(), {{"latents", at::zeros({16, 64})}});
        writeSafetensors(path("good.safetensors").toStdString(), {{"latents", at::zeros({16, 2, 4, 4})}});
    }

    void badInputFails_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("mustName");     // the file or flag the message names
        QTest::addColumn<QString>("mustSay");      // a word of the problem
        const QString good = path("good.safetensors");
        const QString vae = kData + "/vae.safetensors";
        auto decode = [&](const QString& v, const QString& l) {
            return QStringList{"decode", "--vae", v, "--latents", l, "--out", path("out.safetensors")};
        };
        QTest::newRow("missing vae") << decode(path("nope.pth"), good) << "nope.pth" << "no such file";
        QTest::newRow("missing latents") << decode(vae, path("nope.safetensors")) << "nope.safetensors" << "no such file";
        QTest::newRow("truncated pth") << decode(path("truncated.pth"), good) << "truncated.pth" << "";
        QTest::newRow("truncated safetensors") << decode(path("truncated.safetensors"), good) << "truncated.safetensors" << "";
        QTest::newRow("text as checkpoint") << decode(path("notes.txt"), good) << "notes.txt" << "not a checkpoint";
        QTest::newRow("header 2^63") << decode(path("huge-header.safetensors"), good) << "huge-header.safetensors" << "header";
        QTest::newRow("8 channels") << decode(vae, path("latents8.safetensors")) << "latents8.safetensors" << "8 channels";
        QTest::newRow("NaN latents") << decode(vae, path("latents-nan.safetensors")) << "latents-nan.safetensors" << "NaN";
        QTest::newRow("Inf latents") << decode(vae, path("latents-inf.safetensors")) << "latents-inf.safetensors" << "Inf";
        QTest::newRow("2-D latents") << decode(vae, path("latents2d.safetensors")) << "latents2d.safetensors" << "2-D";
        QTest::newRow("checkpoint as latents") << decode(vae, vae) << "vae.safetensors" << "checkpoint";
        QTest::newRow("malicious pickle") << decode(kData + "/malicious_os_system.pth", good) << "malicious_os_system.pth"
                                          << "os.system";
        QTest::newRow("eval pickle") << decode(kData + "/malicious_eval.pth", good) << "malicious_eval.pth" << "eval";
        QTest::newRow("precision") << decode(vae, good) + QStringList{"--precision", "fp64"} << "--precision" << "fp64";
        QTest::newRow("tiling") << decode(vae, good) + QStringList{"--tiling", "diagonal"} << "--tiling" << "diagonal";
        QTest::newRow("device") << decode(vae, good) + QStringList{"--device", "tpu"} << "--device" << "tpu";
        QTest::newRow("tile not a number") << decode(vae, good) + QStringList{"--tile", "big"} << "--tile" << "big";
        QTest::newRow("unknown flag") << decode(vae, good) + QStringList{"--turbo"} << "--turbo" << "unknown";
        QTest::newRow("fp16 on cpu") << decode(vae, good) + QStringList{"--precision", "fp16"} << "--precision" << "CPU";
        QTest::newRow("max-memory") << decode(vae, good) + QStringList{"--max-memory", "lots"} << "--max-memory" << "lots";
        QTest::newRow("seams untiled") << decode(vae, good) + QStringList{"--check-seams"} << "--check-seams" << "tiling";
        QTest::newRow("precision fp32") << decode(vae, good) + QStringList{"--check-precision"} << "--check-precision" << "bf16";
        QTest::newRow("blend overlap") << decode(vae, good) + QStringList{"--tiling", "blend", "--tile", "32", "--overlap", "24"}
                                       << "--overlap" << "half";
        QTest::newRow("trace folder") << decode(vae, good) + QStringList{"--trace", path("no/such/dir/t.json")} << "--trace"
                                      << "does not exist";
        QTest::newRow("missing --out") << QStringList{"decode", "--vae", vae, "--latents", good} << "--out" << "required";
        QTest::newRow("unknown command") << QStringList{"decompose"} << "decompose" << "unknown command";
    }

    void badInputFails() {
        QFETCH(QStringList, args);
        QFETCH(QString, mustName);
        QFETCH(QString, mustSay);
        QFile::remove(path("out.safetensors"));
        const CliResult r = runCli(args);
        QVERIFY2(!r.crashed, "tilescope-cli crashed");
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(!r.stderrText.contains('\n'), qPrintable("more than one line: " + r.stderrText));
        QVERIFY2(r.stderrText.contains(mustName), qPrintable(r.stderrText));
        QVERIFY2(r.stderrText.contains(mustSay, Qt::CaseInsensitive), qPrintable(r.stderrText));
        QVERIFY2(!QFile::exists(path("out.safetensors")), "an output file was left behind");
        // Nor a temporary next to it.
        const QStringList leftovers = QDir(dir_.path()).entryList({"out.safetensors*"});
        QVERIFY2(leftovers.isEmpty(), qPrintable(leftovers.join(", ")));
    }

    // Blend seams are measured against an untiled decode and reported, not hidden;
    // exact tiles have none.
    void checksReportSeamsAndPrecision() {
        const QString vae = kData + "/vae.pth", latents = kData + "/case.safetensors";
        const CliResult blend = runCli({"decode", "--vae", vae, "--latents", latents, "--out", path("b.safetensors"), "--tiling",
                                        "blend", "--tile", "32", "--overlap", "16", "--check-seams", "--json", "--threads", "2"});
        QCOMPARE(blend.exitCode, 0);
        const QJsonObject b = QJsonDocument::fromJson(blend.stdoutText.split('\n').last().toUtf8()).object();
        const double blendDb = b["checks"].toObject()["seams_vs_untiled"].toObject()["psnr_db"].toDouble();
        QVERIFY2(blendDb > 10 && blendDb < 40, qPrintable(blend.stdoutText));
        const CliResult exact = runCli({"decode", "--vae", vae, "--latents", latents, "--out", path("e.safetensors"), "--tiling",
                                        "exact", "--tile", "32", "--check-seams", "--json", "--threads", "2"});
        const QJsonObject e = QJsonDocument::fromJson(exact.stdoutText.split('\n').last().toUtf8()).object();
        QVERIFY2(e["checks"].toObject()["seams_vs_untiled"].toObject()["max_abs"].toDouble() <= 1e-4, qPrintable(exact.stdoutText));
        const CliResult bf16 = runCli({"decode", "--vae", vae, "--latents", latents, "--out", path("p.safetensors"), "--precision",
                                       "bf16", "--check-precision", "--json", "--threads", "2"});
        const QJsonObject p = QJsonDocument::fromJson(bf16.stdoutText.split('\n').last().toUtf8()).object();
        // The precision goal: bf16 >= 45 dB against fp32 on the golden model.
        QVERIFY2(p["checks"].toObject()["precision_vs_fp32"].toObject()["psnr_db"].toDouble() >= 45, qPrintable(bf16.stdoutText));
    }

    // The happy path writes the file, with the promised frame count, and exits 0.
    void goodInputDecodes() {
        const CliResult r = runCli({"decode", "--vae", kData + "/vae.pth", "--latents", path("good.safetensors"), "--out",
                                    path("video.safetensors"), "--json", "--threads", "2"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(QFile::exists(path("video.safetensors")));
        QVERIFY2(r.stdoutText.contains("\"video_shape\":[3,5,32,32]"), qPrintable(r.stdoutText));
    }
};

QTEST_GUILESS_MAIN(TestCliBadInput)
#include "test_cli_bad_input.moc"
