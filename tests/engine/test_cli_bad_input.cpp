// tilescope-cli as a user meets it with bad input: every case exits with a code below
// 128 (2 for bad usage or input), prints one line naming the file or flag and the
// problem, and leaves no output file behind.
#include "checkpoint/safetensors_reader.h"
#include "checkpoint/safetensors_writer.h"
#include "io/video_reader.h"
#include "io/video_writer.h"

#include <ATen/ATen.h>

#include "cli_runner.h"  // after ATen: Qt's keyword macros break its headers

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QThread>
#include <QFileInfo>
#include <QtTest>

#include <cmath>

using namespace ts;

namespace {

const QString kData = TILESCOPE_TEST_DATA;

using test::CliResult;
using test::runCli;

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
        // Video inputs: a text file named like a video, a valid YUV4MPEG2 header with no
        // frames, and a clip of 6 frames (not 1+4k).
        writeBytes(path("fake.mp4"), "these are my notes, not a video\n");
        writeBytes(path("empty.y4m"), "YUV4MPEG2 W32 H32 F16:1 Ip A1:1 C420jpeg\n");
        writeSafetensors(path("video6.safetensors").toStdString(), {{"video", at::zeros({3, 6, 32, 32})}});
        writeSafetensors(path("video5.safetensors").toStdString(), {{"video", at::zeros({3, 5, 32, 32})}});
        writeSafetensors(path("video255.safetensors").toStdString(), {{"video", at::full({3, 5, 32, 32}, 128.0)}});
        // A checkpoint with one NaN weight, one with integer weights, and a check case whose
        // stored video has the wrong shape.
        NamedTensors weights = readSafetensors((kData + "/vae.safetensors").toStdString());
        at::Tensor damaged = weights.at("decoder.conv1.weight").clone();
        damaged.view(-1)[7] = NAN;
        NamedTensors nanWeights = weights;
        nanWeights.insert_or_assign("decoder.conv1.weight", damaged);
        writeSafetensors(path("nan-weight.safetensors").toStdString(), nanWeights);
        NamedTensors intWeights = weights;
        intWeights.insert_or_assign("decoder.conv1.weight", weights.at("decoder.conv1.weight").to(at::kInt));
        writeSafetensors(path("int-weight.safetensors").toStdString(), intWeights);
        NamedTensors badCase = readSafetensors((kData + "/case.safetensors").toStdString());
        badCase.insert_or_assign("video", badCase.at("video").transpose(2, 3).reshape({3, 13, 32, 128}).contiguous());
        writeSafetensors(path("case-shape.safetensors").toStdString(), badCase);
        QVERIFY(QDir(dir_.path()).mkdir("a-folder"));
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
        QTest::newRow("simulate-vram on cpu") << decode(vae, good) + QStringList{"--simulate-vram", "8G"} << "--simulate-vram"
                                              << "--device cuda";
        QTest::newRow("simulate-vram size") << decode(vae, good) + QStringList{"--simulate-vram", "big"} << "--simulate-vram"
                                            << "big";
        QTest::newRow("seams untiled") << decode(vae, good) + QStringList{"--check-seams"} << "--check-seams" << "tiling";
        QTest::newRow("precision fp32") << decode(vae, good) + QStringList{"--check-precision"} << "--check-precision" << "bf16";
        QTest::newRow("blend overlap") << decode(vae, good) + QStringList{"--tiling", "blend", "--tile", "32", "--overlap", "24"}
                                       << "--overlap" << "half";
        QTest::newRow("trace folder") << decode(vae, good) + QStringList{"--trace", path("no/such/dir/t.json")} << "--trace"
                                      << "does not exist";
        auto encode = [&](const QString& video) {
            return QStringList{"encode", "--vae", vae, "--video", video, "--out", path("out.safetensors")};
        };
        if (ts::videoFilesSupported()) {
            QTest::newRow("text as video") << encode(path("fake.mp4")) << "fake.mp4" << "not a video";
            QTest::newRow("zero-frame video") << encode(path("empty.y4m")) << "empty.y4m" << "no frames";
            QTest::newRow("roundtrip text as video") << QStringList{"roundtrip", "--vae", vae, "--video", path("fake.mp4")}
                                                     << "fake.mp4" << "not a video";
        }
        QTest::newRow("frames not 1+4k") << encode(path("video6.safetensors")) << "video6.safetensors" << "--fit crop|pad";
        QTest::newRow("pixels not in [-1,1]") << encode(path("video255.safetensors")) << "video255.safetensors" << "[-1, 1]";
        QTest::newRow("fit") << encode(path("video6.safetensors")) + QStringList{"--fit", "stretch"} << "--fit" << "stretch";
        QTest::newRow("fps") << decode(vae, good) + QStringList{"--fps", "0"} << "--fps" << "out of range";
        QTest::newRow("fps not a number") << decode(vae, good) + QStringList{"--fps", "fast"} << "--fps" << "fast";
        QTest::newRow("crf") << QStringList{"decode", "--vae", vae, "--latents", good, "--out", path("out.mp4"), "--crf", "60"}
                             << "--crf" << "out of range";
        QTest::newRow("fps for tensors") << decode(vae, good) + QStringList{"--fps", "24"} << "--fps" << "not a .mp4";
        QTest::newRow("mp4 folder") << QStringList{"decode", "--vae", vae, "--latents", good, "--out", path("no/such/dir/out.mp4")}
                                    << "out.mp4" << "cannot write";
        QTest::newRow("roundtrip out folder") << QStringList{"roundtrip", "--vae", vae, "--video", path("video5.safetensors"),
                                                             "--out", path("no/such/dir/out.mp4")}
                                              << "out.mp4" << "cannot write";
        QTest::newRow("missing --out") << QStringList{"decode", "--vae", vae, "--latents", good} << "--out" << "required";
        QTest::newRow("flag as value") << QStringList{"decode", "--vae", vae, "--latents", "--out", path("out.safetensors")}
                                       << "--latents" << "needs a value";
        QTest::newRow("NaN weight") << decode(path("nan-weight.safetensors"), good) << "nan-weight.safetensors"
                                    << "decoder.conv1.weight holds NaN";
        QTest::newRow("integer weights") << decode(path("int-weight.safetensors"), good) << "int-weight.safetensors"
                                         << "floating point";
        QTest::newRow("max-memory overflow") << decode(vae, good) + QStringList{"--max-memory", "99999999999G"}
                                             << "--max-memory" << "1 PiB";
        QTest::newRow("check case shape") << QStringList{"check", "--vae", vae, "--case", path("case-shape.safetensors")}
                                          << "case-shape.safetensors" << "tensor 'video'";
        QTest::newRow("check tolerance") << QStringList{"check", "--vae", vae, "--case", kData + "/case.safetensors",
                                                        "--tolerance", "-1"} << "--tolerance" << "non-negative";
        QTest::newRow("kernels with case") << QStringList{"check", "--kernels", "--case", kData + "/case.safetensors"}
                                           << "--kernels" << "alone";
        QTest::newRow("encode to mp4") << QStringList{"encode", "--vae", vae, "--video", path("video5.safetensors"), "--out",
                                                      path("out.mp4")} << "out.mp4" << "safetensors";
        QTest::newRow("shape and latents") << QStringList{"info", "--vae", vae, "--latents", good, "--latent-shape", "16x1x2x2"}
                                           << "--latent-shape" << "not both";
        QTest::newRow("info latents channels") << QStringList{"info", "--vae", vae, "--latents", path("latents8.safetensors")}
                                               << "latents8.safetensors" << "16xTxHxW";
        QTest::newRow("diff folder") << QStringList{"diff", path("a-folder"), path("a-folder")} << "a-folder" << "folder";
        QTest::newRow("trace on a folder") << decode(vae, good) + QStringList{"--trace", path("a-folder")} << "a-folder"
                                           << "it is a folder";
        QTest::newRow("flag twice") << decode(vae, good) + QStringList{"--tile", "64", "--tile", "128"} << "--tile" << "twice";
        QTest::newRow("help for nothing") << QStringList{"help", "decompose"} << "decompose" << "unknown command";
        QTest::newRow("unknown command") << QStringList{"decompose"} << "decompose" << "unknown command";
    }

    void badInputFails() {
        QFETCH(QStringList, args);
        QFETCH(QString, mustName);
        QFETCH(QString, mustSay);
        QFile::remove(path("out.safetensors"));
        QFile::remove(path("out.mp4"));
        const CliResult r = runCli(args);
        QVERIFY2(!r.crashed, "tilescope-cli crashed");
        QVERIFY2(r.exitCode == 2, qPrintable(QStringLiteral("exit %1: %2").arg(r.exitCode).arg(r.stderrText)));
        QVERIFY2(!r.stderrText.contains('\n'), qPrintable("more than one line: " + r.stderrText));
        QVERIFY2(r.stderrText.contains(mustName), qPrintable(r.stderrText));
        QVERIFY2(r.stderrText.contains(mustSay, Qt::CaseInsensitive), qPrintable(r.stderrText));
        QVERIFY2(!QFile::exists(path("out.safetensors")), "an output file was left behind");
        // Nor a temporary next to it.
        const QStringList leftovers = QDir(dir_.path()).entryList({"out.safetensors*", "out.mp4*"});
        QVERIFY2(leftovers.isEmpty(), qPrintable(leftovers.join(", ")));
    }

    // Flags the configuration does not use are said, in one warning line each; the run goes on.
    void ignoredFlagsAreSaid() {
        const CliResult r = runCli({"decode", "--vae", "builtin:tiny", "--latents", path("good.safetensors"), "--out",
                                    path("ignored.safetensors"), "--tile", "64", "--tf32", "--threads", "2"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.stderrText.contains("--tile and --overlap size tiles; with --tiling off they are ignored"), qPrintable(r.stderrText));
        QVERIFY2(r.stderrText.contains("--tf32 applies to fp32 on CUDA"), qPrintable(r.stderrText));
        const CliResult exact = runCli({"decode", "--vae", "builtin:tiny", "--latents", path("good.safetensors"), "--out",
                                        path("ignored.safetensors"), "--tiling", "exact", "--overlap", "16", "--threads", "2"});
        QCOMPARE(exact.exitCode, 0);
        QVERIFY2(exact.stderrText.contains("exact tiles do not overlap"), qPrintable(exact.stderrText));
        // --threads is the workers' total: more than twice the cores waits on itself.
        const int many = 2 * QThread::idealThreadCount() + 1;
        const CliResult crowded = runCli({"decode", "--vae", "builtin:tiny", "--latents", path("good.safetensors"), "--out",
                                          path("ignored.safetensors"), "--threads", QString::number(many)});
        QCOMPARE(crowded.exitCode, 0);
        QVERIFY2(crowded.stderrText.contains(QStringLiteral("warning: %1 threads on ").arg(many)), qPrintable(crowded.stderrText));
        const CliResult fine = runCli({"decode", "--vae", "builtin:tiny", "--latents", path("good.safetensors"), "--out",
                                       path("ignored.safetensors"), "--threads", "1", "--tiling", "exact", "--streams", "2"});
        QCOMPARE(fine.exitCode, 0);
        QVERIFY2(!fine.stderrText.contains("warning"), qPrintable(fine.stderrText));  // 2 workers, 1 thread each: not crowded
    }

    // A decode far beyond the machine's RAM (here ~1 TiB predicted) is refused before it
    // starts, with the way out, instead of ending in the allocator's bare message.
    void decodeBeyondRamRefusedAtOnce() {
        const CliResult r = runCli({"bench", "--vae", "builtin:tiny", "--latent-shape", "16x1x1024x1024", "--profile", "off"});
        QVERIFY2(!r.crashed, "tilescope-cli crashed");
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.stderrText.contains("of RAM") && r.stderrText.contains("--tiling exact"), qPrintable(r.stderrText));
        QVERIFY2(!r.stderrText.contains('\n'), qPrintable(r.stderrText));
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
        QCOMPARE(b["checks"].toObject()["seams_vs_untiled"].toObject()["identical"].toBool(true), false);
        // One exact tile over the whole frame is the untiled decode: no finite PSNR to show,
        // so none is made up (null, "inf" in text, as `check` prints it).
        const CliResult one = runCli({"decode", "--vae", vae, "--latents", latents, "--out", path("o.safetensors"), "--tiling",
                                      "exact", "--tile", "512", "--check-seams", "--threads", "2"});
        QCOMPARE(one.exitCode, 0);
        QVERIFY2(one.stdoutText.contains("seams_vs_untiled: PSNR inf dB, max abs 0 (identical)"), qPrintable(one.stdoutText));
        const CliResult oneJson = runCli({"decode", "--vae", vae, "--latents", latents, "--out", path("o.safetensors"), "--tiling",
                                          "exact", "--tile", "512", "--check-seams", "--json", "--threads", "2"});
        const QJsonObject o = QJsonDocument::fromJson(oneJson.stdoutText.split('\n').last().toUtf8()).object();
        const QJsonObject seams = o["checks"].toObject()["seams_vs_untiled"].toObject();
        QVERIFY2(seams["psnr_db"].isNull() && seams["identical"].toBool(), qPrintable(oneJson.stdoutText));
        // The decode's time leaves out writing the output, which is reported beside it.
        QVERIFY2(o["decode_s"].toDouble() > 0 && o["write_s"].toDouble() > 0, qPrintable(oneJson.stdoutText));
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

    // decode --out clip.mp4 writes H.264 that reads back with the promised frames; encode
    // reads a PNG folder and --fit pad brings 6 frames of 30x30 to 9 frames of 32x32.
    void videoFilesInAndOut() {
        if (!ts::videoFilesSupported()) QSKIP("this build has no FFmpeg");
        const CliResult d = runCli({"decode", "--vae", kData + "/vae.pth", "--latents", path("good.safetensors"), "--out",
                                    path("video.mp4"), "--fps", "24", "--json", "--threads", "2"});
        QCOMPARE(d.exitCode, 0);
        QVERIFY2(d.stdoutText.contains("libx264 (H.264) crf 18, yuv420p, 24 fps"), qPrintable(d.stdoutText));
        QCOMPARE(ts::readVideo(path("video.mp4").toStdString()).sizes().vec(), (std::vector<int64_t>{3, 5, 32, 32}));

        {
            auto frames = ts::openVideoWriter(path("frames6").toStdString(), 6, 30, 30);
            frames->append(at::rand({3, 6, 30, 30}) * 2 - 1);
            frames->finish();
        }
        const QStringList encode{"encode", "--vae", kData + "/vae.safetensors", "--video", path("frames6"), "--out",
                                 path("latents.safetensors"), "--json", "--threads", "2"};
        const CliResult refused = runCli(encode);
        QCOMPARE(refused.exitCode, 2);
        QVERIFY2(refused.stderrText.contains("6 frames of 30x30") && refused.stderrText.contains("(5 or 9)") &&
                     refused.stderrText.contains("(24x24 or 32x32)"),
                 qPrintable(refused.stderrText));
        const CliResult padded = runCli(encode + QStringList{"--fit", "pad"});
        QCOMPARE(padded.exitCode, 0);
        QVERIFY2(padded.stdoutText.contains("\"latent_shape\":[16,3,4,4]") &&
                     padded.stdoutText.contains("\"source_shape\":[3,6,30,30]"),
                 qPrintable(padded.stdoutText));
        // Without --json the result line says what --fit changed, and that a decode to a
        // name without a video or tensor extension wrote a folder of PNGs.
        QStringList plain = encode;
        plain.removeAll(QStringLiteral("--json"));
        const CliResult said = runCli(plain + QStringList{"--fit", "pad"});
        QVERIFY2(said.stdoutText.startsWith(QStringLiteral("encoded 9 frames (--fit pad: 6 frames of 30x30 -> 9 of 32x32) "
                                                           "to latents [16,3,4,4]")),
                 qPrintable(said.stdoutText));
        const CliResult avi = runCli({"decode", "--vae", kData + "/vae.pth", "--latents", path("good.safetensors"), "--out",
                                      path("clip.avi"), "--threads", "2"});
        QCOMPARE(avi.exitCode, 0);
        QVERIFY2(avi.stdoutText.contains("clip.avi (a folder of PNG frames) in "), qPrintable(avi.stdoutText));
        QVERIFY(QFileInfo(path("clip.avi")).isDir());
    }

    // roundtrip on the tiny random model: the JSON has one PSNR and one SSIM per frame,
    // in their ranges (random weights: low PSNR, so only the structure and ranges), and
    // the side-by-side video is source | decoded.
    void roundtripReportsPerFrame() {
        if (!ts::videoFilesSupported()) QSKIP("this build has no FFmpeg");
        {
            auto clip = ts::openVideoWriter(path("clip5.mp4").toStdString(), 5, 32, 32);
            clip->append(at::linspace(-1, 1, 3 * 5 * 32 * 32).view({3, 5, 32, 32}));
            clip->finish();
        }
        const CliResult r = runCli({"roundtrip", "--vae", "builtin:tiny", "--video", path("clip5.mp4"), "--out",
                                    path("side.mp4"), "--crf", "10", "--json", "--threads", "2"});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject o = QJsonDocument::fromJson(r.stdoutText.split('\n').last().toUtf8()).object();
        const QJsonArray psnr = o["per_frame"].toObject()["psnr_db"].toArray();
        const QJsonArray ssim = o["per_frame"].toObject()["ssim"].toArray();
        QCOMPARE(psnr.size(), 5);
        QCOMPARE(ssim.size(), 5);
        double minPsnr = 1e9, minSsim = 1e9;
        for (int i = 0; i < 5; ++i) {
            minSsim = std::min(minSsim, ssim[i].toDouble());
            QVERIFY2(std::isfinite(psnr[i].toDouble()) && psnr[i].toDouble() >= 0 && psnr[i].toDouble() < 100,
                     qPrintable(r.stdoutText));
            QVERIFY2(ssim[i].toDouble() >= -1 && ssim[i].toDouble() <= 1, qPrintable(r.stdoutText));
            minPsnr = std::min(minPsnr, psnr[i].toDouble());
        }
        QCOMPARE(o["psnr_db"].toObject()["min"].toDouble(), minPsnr);
        QCOMPARE(o["ssim"].toObject()["min"].toDouble(), minSsim);
        QVERIFY(std::abs(o["ssim"].toObject()["mean"].toDouble()) <= 1);
        QVERIFY2(o["latent_shape"].toArray().size() == 4 && o["latent_shape"].toArray()[1].toInt() == 2,
                 qPrintable(r.stdoutText));
        QCOMPARE(ts::readVideo(path("side.mp4").toStdString()).sizes().vec(), (std::vector<int64_t>{3, 5, 32, 64}));
    }
};

QTEST_GUILESS_MAIN(TestCliBadInput)
#include "test_cli_bad_input.moc"
