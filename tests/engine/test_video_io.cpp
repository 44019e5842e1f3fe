// Video files in and out through FFmpeg: an MP4/MKV written chunk by chunk reads back
// with its frame count, size and >= 35 dB at the default CRF; all-or-nothing output;
// PNG folders; the reader's errors; the encoder's shape rules (--fit); PSNR/SSIM.
#include "io/video_fit.h"
#include "io/video_reader.h"
#include "io/video_writer.h"
#include "report/video_quality.h"
#include "test_support.h"

#include <ATen/ATen.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using ts::test::expectError;

namespace {

QStringList entries(const QString& dir) {
    return QDir(dir).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden, QDir::Name);
}

// A clip with motion and edges: a diagonal gradient drifting right (wrapping), a bright
// square moving down-right, a dark disc moving left. [3,F,H,W] in [-1,1]. By default
// softened by two 3x3 box blurs, as camera footage is band-limited: one-pixel colour
// edges are the worst case of yuv420p, which keeps one chroma sample per 2x2 pixels
// (the hard clip measures 31 dB even at crf 0, with luma at 52 dB).
at::Tensor syntheticClip(int frames, int height, int width, bool soft = true) {
    at::Tensor v = at::empty({3, frames, height, width});
    auto a = v.accessor<float, 4>();
    for (int f = 0; f < frames; ++f)
        for (int y = 0; y < height; ++y)
            for (int x = 0; x < width; ++x) {
                float r = std::fmod((x + 2.0f * f) / width + 0.5f * y / height, 1.0f);
                float g = 0.3f + 0.4f * y / height, b = 0.8f - 0.6f * x / width;
                const int sx = 4 + 2 * f, sy = 3 + f;
                if (x >= sx && x < sx + 12 && y >= sy && y < sy + 10) r = g = b = 0.95f;
                const float dx = x - (width - 8.0f - 1.5f * f), dy = y - height * 0.6f;
                if (dx * dx + dy * dy < 36) r = g = b = 0.1f;
                a[0][f][y][x] = 2 * r - 1;
                a[1][f][y][x] = 2 * g - 1;
                a[2][f][y][x] = 2 * b - 1;
            }
    if (!soft) return v;
    const at::Tensor box = at::ones({3, 1, 3, 3}) / 9;
    auto blur = [&](const at::Tensor& x) {  // x: [F,3,H,W], edges replicated
        return at::conv2d(at::replication_pad2d(x, {1, 1, 1, 1}), box, at::Tensor(), at::IntArrayRef({1, 1}),
                          at::IntArrayRef({0, 0}), at::IntArrayRef({1, 1}), 3);
    };
    return blur(blur(v.transpose(0, 1))).transpose(0, 1).contiguous();
}

at::Tensor luma(const at::Tensor& v) { return 0.299 * v[0] + 0.587 * v[1] + 0.114 * v[2]; }

using ts::test::psnr;

// Writes the clip in decoder-sized chunks (1 frame, then 4 at a time).
std::string writeClip(const std::string& path, const at::Tensor& clip, const ts::VideoWriterOptions& options = {}) {
    const int f = static_cast<int>(clip.size(1));
    auto writer = ts::openVideoWriter(path, f, static_cast<int>(clip.size(2)), static_cast<int>(clip.size(3)), options);
    for (int at = 0; at < f;) {
        const int n = std::min(at == 0 ? 1 : 4, f - at);
        writer->append(clip.narrow(1, at, n));
        at += n;
    }
    writer->finish();
    return writer->encoderNote();
}

}  // namespace

class TestVideoIo : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::string path(const char* name) const { return dir_.filePath(name).toStdString(); }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        if (!ts::videoFilesSupported()) QSKIP("this build has no FFmpeg");
    }

    void containerReadsBack_data() {
        QTest::addColumn<QString>("name");
        QTest::newRow("mp4") << "clip.mp4";
        QTest::newRow("mkv") << "clip.mkv";
    }

    // The acceptance test: 17 frames 64x48 at the default CRF, >= 35 dB.
    void containerReadsBack() {
        QFETCH(QString, name);
        const std::string file = dir_.filePath(name).toStdString();
        const at::Tensor clip = syntheticClip(17, 48, 64);
        const std::string note = writeClip(file, clip);
        QVERIFY2(QString::fromStdString(note).contains("libx264 (H.264) crf 18"), note.c_str());
        QVERIFY2(QString::fromStdString(note).contains("16 fps"), note.c_str());
        const at::Tensor back = ts::readVideo(file);
        QCOMPARE(back.sizes().vec(), (std::vector<int64_t>{3, 17, 48, 64}));
        QCOMPARE(back.scalar_type(), at::kFloat);
        QVERIFY(back.min().item<float>() >= -1.0f && back.max().item<float>() <= 1.0f);
        const double db = psnr(back, clip);
        qInfo("%s: %s, PSNR %.2f dB vs the source, %lld bytes", qPrintable(name), note.c_str(), db,
              static_cast<long long>(QFile(QString::fromStdString(file)).size()));
        QVERIFY2(db >= 35.0, qPrintable(QString::number(db)));
        // Every frame, not just the average (the first is an I-frame, the rest predicted).
        const ts::VideoQuality q = ts::compareVideos(clip, back);
        QVERIFY2(q.minPsnrDb >= 33.0, qPrintable(QString::number(q.minPsnrDb)));
        QVERIFY2(q.meanSsim >= 0.95, qPrintable(QString::number(q.meanSsim)));
        // Frame order survives B-frame reordering: each frame is closest to its own source.
        for (int f : {0, 7, 16})
            for (int other : {f - 1, f + 1})
                if (other >= 0 && other < 17)
                    QVERIFY(psnr(back.select(1, f), clip.select(1, f)) > psnr(back.select(1, f), clip.select(1, other)));
    }

    // Hard one-pixel colour edges lose chroma in yuv420p whatever the CRF; the luma plane,
    // which carries the detail, still comes back at full quality.
    void hardEdgesKeepLuma() {
        const at::Tensor clip = syntheticClip(17, 48, 64, /*soft=*/false);
        writeClip(path("hard.mp4"), clip);
        const at::Tensor back = ts::readVideo(path("hard.mp4"));
        const double rgbDb = psnr(back, clip), lumaDb = psnr(luma(back), luma(clip));
        qInfo("hard-edged clip at crf 18: RGB PSNR %.2f dB, luma PSNR %.2f dB", rgbDb, lumaDb);
        QVERIFY2(lumaDb >= 40.0, qPrintable(QString::number(lumaDb)));
        QVERIFY2(rgbDb >= 28.0, qPrintable(QString::number(rgbDb)));
    }

    // A lower CRF keeps more: the setting reaches the encoder.
    void crfAndFpsReachTheEncoder() {
        const at::Tensor clip = syntheticClip(5, 48, 64);
        ts::VideoWriterOptions fine{24, 4}, coarse{24, 40};
        const std::string noteFine = writeClip(path("fine.mp4"), clip, fine);
        writeClip(path("coarse.mp4"), clip, coarse);
        QVERIFY2(QString::fromStdString(noteFine).contains("crf 4") && QString::fromStdString(noteFine).contains("24 fps"),
                 noteFine.c_str());
        const double dbFine = psnr(ts::readVideo(path("fine.mp4")), clip);
        const double dbCoarse = psnr(ts::readVideo(path("coarse.mp4")), clip);
        QVERIFY2(dbFine > dbCoarse + 5, qPrintable(QString("%1 vs %2").arg(dbFine).arg(dbCoarse)));
        QVERIFY(QFile(dir_.filePath("fine.mp4")).size() > QFile(dir_.filePath("coarse.mp4")).size());
    }

    // yuv420p needs even sizes: odd ones are padded by repeating the last row/column.
    void oddSizeIsPadded() {
        const at::Tensor clip = syntheticClip(3, 17, 33);
        const std::string note = writeClip(path("odd.mp4"), clip);
        QVERIFY2(QString::fromStdString(note).contains("padded to 34x18"), note.c_str());
        const at::Tensor back = ts::readVideo(path("odd.mp4"));
        QCOMPARE(back.sizes().vec(), (std::vector<int64_t>{3, 3, 18, 34}));
        QVERIFY(psnr(back.narrow(2, 0, 17).narrow(3, 0, 33), clip) >= 30.0);
    }

    void optionsAreValidated() {
        const std::string p = path("bad.mp4");
        const struct {
            ts::VideoWriterOptions options;
            const char* flag;
        } cases[] = {{{0, 18}, "--fps"}, {{241, 18}, "--fps"}, {{16, -1}, "--crf"}, {{16, 52}, "--crf"}};
        for (const auto& c : cases) {
            const std::string msg = expectError([&] { ts::openVideoWriter(p, 1, 8, 8, c.options); }, ts::ErrorKind::Usage);
            QVERIFY2(msg.rfind(c.flag, 0) == 0 && msg.find("out of range") != std::string::npos, msg.c_str());
        }
        QVERIFY(!QFile::exists(QString::fromStdString(p)));
    }

    // Output appears only on finish(): an abandoned or short write leaves no file and no
    // temporary; an unwritable folder fails at open, naming the path.
    void nothingLeftWithoutFinish() {
        QTemporaryDir dir;
        const at::Tensor clip = syntheticClip(5, 16, 16);
        {
            auto writer = ts::openVideoWriter(dir.filePath("a.mp4").toStdString(), 5, 16, 16);
            writer->append(clip.narrow(1, 0, 3));
            QVERIFY(!QFile::exists(dir.filePath("a.mp4")));
            QCOMPARE(entries(dir.path()).size(), 1);  // the temporary, while writing
        }
        QVERIFY2(entries(dir.path()).isEmpty(), qPrintable(entries(dir.path()).join(",")));
        {
            auto writer = ts::openVideoWriter(dir.filePath("b.mkv").toStdString(), 5, 16, 16);
            writer->append(clip.narrow(1, 0, 4));
            const std::string msg = expectError([&] { writer->finish(); }, ts::ErrorKind::Runtime);
            QVERIFY2(msg.find("4 of 5 frames") != std::string::npos, msg.c_str());
            QVERIFY(!expectError([&] { writer->append(clip.narrow(1, 0, 2)); }, ts::ErrorKind::Runtime).empty());
        }
        QVERIFY2(entries(dir.path()).isEmpty(), qPrintable(entries(dir.path()).join(",")));
        const std::string missing = dir.filePath("no/such/dir/c.mp4").toStdString();
        const std::string msg = expectError([&] { ts::openVideoWriter(missing, 1, 8, 8); });
        QVERIFY2(msg.rfind(missing + ": cannot write output", 0) == 0, msg.c_str());
    }

    // Our own PNG output reads back exactly (8-bit); a folder of arbitrary *.png is read
    // in name order when there are no frame_*.png.
    void pngFolderReadsBack() {
        const at::Tensor clip = syntheticClip(5, 12, 10);
        writeClip(path("frames"), clip);
        const at::Tensor back = ts::readVideo(path("frames"));
        QCOMPARE(back.sizes().vec(), (std::vector<int64_t>{3, 5, 12, 10}));
        QVERIFY2((back - clip).abs().max().item<float>() <= 0.5f / 127.5f + 1e-6f,
                 qPrintable(QString::number((back - clip).abs().max().item<float>())));

        QDir().mkpath(dir_.filePath("named"));
        // Names sort b < c < d: frames 2, 0, 4 of the clip, in that order.
        QFile::copy(dir_.filePath("frames/frame_00002.png"), dir_.filePath("named/b.png"));
        QFile::copy(dir_.filePath("frames/frame_00000.png"), dir_.filePath("named/c.PNG"));
        QFile::copy(dir_.filePath("frames/frame_00004.png"), dir_.filePath("named/d.png"));
        ts::test::spit(path("named/notes.txt"), "not a frame");
        const at::Tensor named = ts::readVideo(path("named"));
        QCOMPARE(named.size(1), int64_t(3));
        QVERIFY(named.select(1, 0).equal(back.select(1, 2)));
        QVERIFY(named.select(1, 1).equal(back.select(1, 0)));
        QVERIFY(named.select(1, 2).equal(back.select(1, 4)));
    }

    void readerErrorsNameTheFile() {
        ts::test::spit(path("notes.mp4"), "these are my notes, renamed to look like a video\n");
        QDir().mkpath(dir_.filePath("empty"));
        // A valid YUV4MPEG2 stream header and no frames: a readable video with zero frames.
        ts::test::spit(path("empty.y4m"), "YUV4MPEG2 W64 H48 F16:1 Ip A1:1 C420jpeg\n");
        QDir().mkpath(dir_.filePath("badpng"));
        ts::test::spit(path("badpng/frame_00000.png"), "text, not a PNG");
        QDir().mkpath(dir_.filePath("cutpng"));
        const std::string png = ts::encodePng(at::zeros({3, 8, 8}));
        ts::test::spit(path("cutpng/frame_00000.png"), png.substr(0, png.size() / 2));
        QDir().mkpath(dir_.filePath("mixed"));
        ts::test::spit(path("mixed/frame_00000.png"), png);
        ts::test::spit(path("mixed/frame_00001.png"), ts::encodePng(at::zeros({3, 8, 6})));

        const struct {
            std::string file, mustSay;
            ts::ErrorKind kind;
        } cases[] = {
            {path("notes.mp4"), "not a video", ts::ErrorKind::Input},
            {path("empty"), "no .png frames", ts::ErrorKind::Input},
            {path("empty.y4m"), "no frames", ts::ErrorKind::Input},
            {path("badpng"), "not a PNG", ts::ErrorKind::Input},
            {path("cutpng"), "unreadable PNG", ts::ErrorKind::Input},
            {path("mixed"), "one size", ts::ErrorKind::Input},
            {path("missing.mp4"), "no such file", ts::ErrorKind::Input},
        };
        for (const auto& c : cases) {
            const std::string msg = expectError([&] { ts::readVideo(c.file); }, c.kind);
            QVERIFY2(msg.find(c.mustSay) != std::string::npos, msg.c_str());
            const std::string name = QFileInfo(QString::fromStdString(c.file)).fileName().toStdString();
            QVERIFY2(msg.find(name) != std::string::npos, msg.c_str());
        }
    }

    // Encoder shape rules: 1+4k frames, multiples of 8; crop and pad reach them.
    void fitToEncoderShape() {
        const at::Tensor clip = at::rand({3, 18, 50, 66}) * 2 - 1;
        const std::string msg = expectError([&] { ts::fitVideo("clip.mp4", clip, ts::VideoFit::None, 4, 8); });
        for (const char* part : {"clip.mp4", "18 frames of 66x50", "(17 or 21)", "(64x48 or 72x56)", "--fit crop|pad"})
            QVERIFY2(msg.find(part) != std::string::npos, msg.c_str());
        const at::Tensor cropped = ts::fitVideo("clip.mp4", clip, ts::VideoFit::Crop, 4, 8);
        QCOMPARE(cropped.sizes().vec(), (std::vector<int64_t>{3, 17, 48, 64}));
        QVERIFY(cropped.equal(clip.narrow(1, 0, 17).narrow(2, 1, 48).narrow(3, 1, 64)));  // centred
        const at::Tensor padded = ts::fitVideo("clip.mp4", clip, ts::VideoFit::Pad, 4, 8);
        QCOMPARE(padded.sizes().vec(), (std::vector<int64_t>{3, 21, 56, 72}));
        QVERIFY(padded.narrow(1, 0, 18).narrow(2, 0, 50).narrow(3, 0, 66).equal(clip));
        QVERIFY(padded.select(1, 20).narrow(1, 0, 50).narrow(2, 0, 66).equal(clip.select(1, 17)));  // last frame
        QVERIFY(padded.select(3, 71).narrow(2, 0, 50).equal(padded.select(3, 65).narrow(2, 0, 50)));  // right edge
        const at::Tensor valid = at::zeros({3, 9, 16, 24});
        QVERIFY(ts::fitVideo("ok", valid, ts::VideoFit::None, 4, 8).is_same(valid));
        QVERIFY(expectError([&] { ts::fitVideo("tiny", at::zeros({3, 1, 4, 4}), ts::VideoFit::Crop, 4, 8); })
                    .find("--fit pad") != std::string::npos);
        QCOMPARE(expectError([&] { ts::parseVideoFit("stretch"); }, ts::ErrorKind::Usage).rfind("--fit", 0), size_t(0));
    }

    // Known values: identical frames, a constant offset (PSNR 10*log10(4/d^2)), and SSIM
    // dropping under noise but staying in [-1, 1].
    void qualityMetrics() {
        const at::Tensor clip = syntheticClip(3, 24, 32);
        const ts::VideoQuality same = ts::compareVideos(clip, clip);
        QCOMPARE(same.psnrDb.size(), size_t(3));
        QCOMPARE(same.psnrDb[0], ts::kIdenticalPsnrDb);
        QVERIFY(std::abs(same.meanSsim - 1.0) < 1e-9);
        at::Tensor shifted = clip.clone();
        shifted.select(1, 1).add_(0.1);
        const ts::VideoQuality q = ts::compareVideos(clip, shifted);
        QVERIFY(std::abs(q.psnrDb[1] - 10 * std::log10(4 / 0.01)) < 1e-4);  // 26.02 dB
        QCOMPARE(q.minPsnrDb, q.psnrDb[1]);
        QCOMPARE(q.minSsim, *std::min_element(q.ssim.begin(), q.ssim.end()));
        QVERIFY(q.minSsim < 1.0 && q.ssim[0] == 1.0);  // the shifted frame is the lowest
        // Frames 0 and 2 are identical: counted apart, not averaged in as 999 dB.
        QCOMPARE(q.identicalFrames, 2);
        QCOMPARE(q.meanPsnrDb, q.psnrDb[1]);
        QCOMPARE(same.identicalFrames, 3);
        QVERIFY(q.ssim[1] < 1.0 && q.ssim[1] > 0.9);  // a luminance shift only
        at::manual_seed(7);
        const at::Tensor noisy = (clip + at::randn(clip.sizes()) * 0.8).clamp(-1, 1);
        const ts::VideoQuality n = ts::compareVideos(clip, noisy);
        for (double s : n.ssim) QVERIFY2(s > -1.0 && s < 0.5, qPrintable(QString::number(s)));
        // Texture against its negative: structure anti-correlated, SSIM near -1.
        const at::Tensor texture = at::rand({3, 2, 24, 32}) * 2 - 1;
        for (double s : ts::compareVideos(texture, -texture).ssim)
            QVERIFY2(s >= -1.0 && s < -0.5, qPrintable(QString::number(s)));
        QVERIFY(!expectError([&] { ts::compareVideos(clip, clip.narrow(1, 0, 2)); }).empty());
    }
};

QTEST_GUILESS_MAIN(TestVideoIo)
#include "test_video_io.moc"
