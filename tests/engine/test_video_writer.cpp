// openVideoWriter: safetensors written in place chunk by chunk, PNG folders, and the
// all-or-nothing output contract.
#include "checkpoint/safetensors_reader.h"
#include "core/error.h"
#include "io/video_writer.h"

#include <ATen/ATen.h>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <cstdlib>

namespace {

QStringList entries(const QString& dir) {
    return QDir(dir).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden, QDir::Name);
}

std::uint32_t be32(const QByteArray& b, int at) {
    return (std::uint32_t(std::uint8_t(b[at])) << 24) | (std::uint32_t(std::uint8_t(b[at + 1])) << 16) |
           (std::uint32_t(std::uint8_t(b[at + 2])) << 8) | std::uint32_t(std::uint8_t(b[at + 3]));
}

// Decodes an 8-bit RGB, non-interlaced PNG to interleaved RGB rows: enough of a PNG
// reader to check the encoder without a GUI library (Qt Gui is not linked here).
QByteArray decodeRgbPng(const QByteArray& png, int& width, int& height) {
    width = height = 0;
    if (!png.startsWith(QByteArray("\x89PNG\r\n\x1a\n", 8))) return {};
    QByteArray idat;
    for (int at = 8; at + 12 <= png.size();) {
        const int len = static_cast<int>(be32(png, at));
        const QByteArray type = png.mid(at + 4, 4);
        const QByteArray data = png.mid(at + 8, len);
        if (type == "IHDR") {
            width = static_cast<int>(be32(data, 0));
            height = static_cast<int>(be32(data, 4));
            if (data[8] != 8 || data[9] != 2 || data[12] != 0) return {};
        } else if (type == "IDAT") {
            idat += data;
        }
        at += 12 + len;
    }
    const int stride = width * 3;
    // qUncompress wants the zlib stream prefixed by the expected size (big-endian).
    QByteArray sized(4, '\0');
    const std::uint32_t expected = static_cast<std::uint32_t>((stride + 1) * height);
    for (int i = 0; i < 4; ++i) sized[i] = static_cast<char>(expected >> (24 - 8 * i));
    const QByteArray raw = qUncompress(sized + idat);
    if (raw.size() != static_cast<int>(expected)) return {};
    QByteArray out(stride * height, '\0');
    auto px = [&](int y, int i) -> int { return (y < 0 || i < 0) ? 0 : std::uint8_t(out[y * stride + i]); };
    for (int y = 0; y < height; ++y) {
        const int filter = std::uint8_t(raw[y * (stride + 1)]);
        for (int i = 0; i < stride; ++i) {
            const int x = std::uint8_t(raw[y * (stride + 1) + 1 + i]);
            const int a = px(y, i - 3), b = px(y - 1, i), c = px(y - 1, i - 3);
            int pred = 0;
            if (filter == 1) pred = a;
            else if (filter == 2) pred = b;
            else if (filter == 3) pred = (a + b) / 2;
            else if (filter == 4) {
                const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
                pred = (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
            } else if (filter != 0) return {};
            out[y * stride + i] = static_cast<char>((x + pred) & 0xff);
        }
    }
    return out;
}

template <typename Fn>
const ts::Error* catchTs(Fn fn, ts::Error& storage) {
    try {
        fn();
    } catch (const ts::Error& e) {
        storage = e;
        return &storage;
    }
    return nullptr;
}

}  // namespace

class TestVideoWriter : public QObject {
    Q_OBJECT

private slots:
    // The format comes from the path, extensions in any case; the rest is a PNG folder.
    void formatByPath() {
        QVERIFY(ts::isPngFolderPath("out/frames") && ts::isPngFolderPath("clip.avi"));
        QVERIFY(!ts::isPngFolderPath("v.safetensors") && !ts::isPngFolderPath("v.SAFETENSORS"));
        QVERIFY(!ts::isPngFolderPath("a.mp4") && !ts::isPngFolderPath("a.MKV"));
        QVERIFY(ts::isVideoContainerPath("a.MKV") && !ts::isVideoContainerPath("v.safetensors"));
    }

    void safetensorsChunksReadBack() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("video.safetensors").toStdString();
        const int F = 7, H = 5, W = 6;  // odd sizes: no accidental alignment
        const at::Tensor src = at::rand({3, F, H, W}) * 2 - 1;
        auto writer = ts::openVideoWriter(path, F, H, W);
        writer->append(src.narrow(1, 0, 3));
        writer->append(src.narrow(1, 3, 1));
        QVERIFY(!QFile::exists(QString::fromStdString(path)));  // not before finish()
        writer->append(src.narrow(1, 4, 3));
        writer->finish();
        QCOMPARE(entries(dir.path()), QStringList{"video.safetensors"});

        const ts::NamedTensors back = ts::readSafetensors(path);
        QCOMPARE(back.size(), std::size_t(1));
        const at::Tensor v = back.at("video");
        QCOMPARE(v.scalar_type(), at::kFloat);
        QCOMPARE(v.sizes().vec(), (std::vector<int64_t>{3, F, H, W}));
        QVERIFY(v.equal(src));

        QFile f(QString::fromStdString(path));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray head = f.read(8);
        const auto headerLen = qFromLittleEndian<quint64>(head.constData());
        QCOMPARE(headerLen % 8, quint64(0));
        QCOMPARE(quint64(f.size()), 8 + headerLen + quint64(3 * F * H * W * 4));
    }

    void pngFolder() {
        QTemporaryDir dir;
        const QString out = dir.filePath("frames");
        const int F = 5, H = 4, W = 3;
        at::Tensor src = at::rand({3, F, H, W}) * 2.4 - 1.2;  // some values outside [-1,1]: clamped
        src[0][0][0][0] = -1.0;
        src[1][0][0][0] = 1.0;
        src[2][0][0][0] = 0.0;
        auto writer = ts::openVideoWriter(out.toStdString(), F, H, W);
        writer->append(src.narrow(1, 0, 2));
        writer->append(src.narrow(1, 2, 3));
        QVERIFY(!QFile::exists(out));
        writer->finish();

        const QStringList files = entries(out);
        QCOMPARE(files, (QStringList{"frame_00000.png", "frame_00001.png", "frame_00002.png", "frame_00003.png",
                                     "frame_00004.png"}));
        QCOMPARE(entries(dir.path()), QStringList{"frames"});

        const at::Tensor expected =
            ((src.clamp(-1, 1) + 1) * 127.5).round().to(at::kByte).permute({1, 2, 3, 0}).contiguous();  // F,H,W,C
        for (int frame : {0, 3}) {
            QFile f(out + "/" + files[frame]);
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QByteArray png = f.readAll();
            QVERIFY(png.startsWith(QByteArray("\x89PNG\r\n\x1a\n", 8)));
            QCOMPARE(png.mid(12, 4), QByteArray("IHDR"));
            QCOMPARE(be32(png, 16), std::uint32_t(W));
            QCOMPARE(be32(png, 20), std::uint32_t(H));
            int w = 0, h = 0;
            const QByteArray rgb = decodeRgbPng(png, w, h);
            QCOMPARE(w, W);
            QCOMPARE(h, H);
            QCOMPARE(rgb.size(), H * W * 3);
            const at::Tensor want = expected[frame];
            QCOMPARE(QByteArray(reinterpret_cast<const char*>(want.data_ptr<std::uint8_t>()), H * W * 3), rgb);
            if (frame == 0) {
                QCOMPARE(std::uint8_t(rgb[0]), std::uint8_t(0));    // -1 -> 0
                QCOMPARE(std::uint8_t(rgb[1]), std::uint8_t(255));  // +1 -> 255
                QCOMPARE(std::uint8_t(rgb[2]), std::uint8_t(128));  // 0 -> round(127.5)
            }
        }
    }

    void missingFinishLeavesNothing() {
        QTemporaryDir dir;
        for (const char* name : {"v.safetensors", "frames"}) {
            {
                auto writer = ts::openVideoWriter(dir.filePath(name).toStdString(), 3, 4, 4);
                writer->append(at::zeros({3, 2, 4, 4}));
            }
            QVERIFY2(entries(dir.path()).isEmpty(), name);
        }
    }

    void tooFewOrTooManyFrames() {
        QTemporaryDir dir;
        for (const char* name : {"v.safetensors", "frames"}) {
            ts::Error err(ts::ErrorKind::Runtime, "");
            {
                auto writer = ts::openVideoWriter(dir.filePath(name).toStdString(), 3, 4, 4);
                writer->append(at::zeros({3, 2, 4, 4}));
                const ts::Error* e = catchTs([&] { writer->finish(); }, err);
                QVERIFY(e && e->kind() == ts::ErrorKind::Runtime);
                QVERIFY2(QString(e->what()).contains("2 of 3 frames"), e->what());
                e = catchTs([&] { writer->append(at::zeros({3, 2, 4, 4})); }, err);
                QVERIFY(e && e->kind() == ts::ErrorKind::Runtime);
            }
            QVERIFY2(entries(dir.path()).isEmpty(), name);
        }
    }

    void unwritablePathIsInputError() {
        QTemporaryDir dir;
        for (const char* name : {"missing/v.safetensors", "missing/frames"}) {
            const std::string path = dir.filePath(name).toStdString();
            ts::Error err(ts::ErrorKind::Runtime, "");
            const ts::Error* e = catchTs([&] { ts::openVideoWriter(path, 1, 2, 2); }, err);
            QVERIFY(e);
            QCOMPARE(e->kind(), ts::ErrorKind::Input);
            QVERIFY2(QString(e->what()).startsWith(QString::fromStdString(path)), e->what());
        }
    }

    void encodePngSingleFrame() {
        const std::string png = ts::encodePng(at::zeros({3, 2, 3}));
        int w = 0, h = 0;
        const QByteArray rgb = decodeRgbPng(QByteArray(png.data(), static_cast<int>(png.size())), w, h);
        QCOMPARE(w, 3);
        QCOMPARE(h, 2);
        QCOMPARE(rgb, QByteArray(18, char(128)));
    }
};

QTEST_APPLESS_MAIN(TestVideoWriter)
#include "test_video_writer.moc"
