// readLatents / readVideoTensor: formats, layouts, dtypes, and the one-line errors a
// user sees for the wrong file.
#include "checkpoint/safetensors_writer.h"
#include "core/error.h"
#include "io/latents_reader.h"

#include <ATen/ATen.h>

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>

namespace {

const std::string kData = TILESCOPE_TEST_DATA;

// A v1 .npy of fp32 little-endian values, written the way numpy.save does.
void writeNpyRaw(const std::string& path, const std::vector<int64_t>& shape, const std::string& descr,
                 const void* bytes, std::size_t size, bool fortran = false, int major = 1) {
    std::string dims;
    for (int64_t d : shape) dims += std::to_string(d) + ", ";
    if (shape.size() > 1) dims.resize(dims.size() - 1 - 1);
    else if (shape.size() == 1) dims.resize(dims.size() - 1);
    std::string header = "{'descr': '" + descr + "', 'fortran_order': " + std::string(fortran ? "True" : "False") +
                         ", 'shape': (" + dims + "), }";
    const std::size_t prefix = major == 1 ? 10 : 12;
    const std::size_t total = prefix + header.size() + 1;
    header.append((64 - total % 64) % 64, ' ');
    header += '\n';
    std::ofstream o(path, std::ios::binary);
    o.write("\x93NUMPY", 6);
    o.put(static_cast<char>(major)).put('\0');
    for (std::size_t i = 0; i < prefix - 8; ++i) o.put(static_cast<char>((header.size() >> (8 * i)) & 0xff));
    o << header;
    o.write(static_cast<const char*>(bytes), static_cast<std::streamsize>(size));
}

void writeNpy(const std::string& path, const std::vector<int64_t>& shape, const std::vector<float>& values,
              bool fortran = false) {
    writeNpyRaw(path, shape, "<f4", values.data(), values.size() * sizeof(float), fortran);
}

// Runs fn, expecting a ts Input error whose one-line message contains every fragment.
template <typename Fn>
QString expectInputError(Fn fn) {
    try {
        fn();
    } catch (const ts::Error& e) {
        if (e.kind() != ts::ErrorKind::Input) return QString("wrong kind: ") + e.what();
        const QString msg = QString::fromUtf8(e.what());
        if (msg.contains('\n')) return QString("multi-line: ") + msg;
        return msg;
    }
    return QString("no error");
}

}  // namespace

class TestLatentsReader : public QObject {
    Q_OBJECT

private slots:
    void goldenSafetensorsLatents() {
        const at::Tensor z = ts::readLatents(kData + "/case.safetensors");
        QCOMPARE(z.sizes().vec(), (std::vector<int64_t>{16, 4, 8, 8}));
        QCOMPARE(z.scalar_type(), at::kFloat);
        QVERIFY(z.is_contiguous());
        // Reference values read from the file's raw bytes independently of the loader.
        QCOMPARE(z[0][0][0][0].item<float>(), 1.2360119819641113f);
        QCOMPARE(z[0][0][0][1].item<float>(), 0.5830207467079163f);
        QCOMPARE(z[3][2][5][7].item<float>(), 1.337338924407959f);
        QCOMPARE(z[15][3][7][7].item<float>(), 0.39665597677230835f);
        QVERIFY(std::abs(z.sum().item<double>() - 80.92325562241604) < 1e-3);
        QVERIFY(std::abs(z.abs().sum().item<double>() - 3319.6085058423632) < 1e-2);
    }

    void goldenSafetensorsVideo() {
        const at::Tensor v = ts::readVideoTensor(kData + "/case.safetensors");
        QCOMPARE(v.sizes().vec(), (std::vector<int64_t>{3, 13, 64, 64}));
    }

    void npyWithKnownValues() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("z.npy").toStdString();
        std::vector<float> values(2 * 3 * 4 * 5);
        for (std::size_t i = 0; i < values.size(); ++i) values[i] = 0.25f * static_cast<float>(i) - 7.0f;
        writeNpy(path, {2, 3, 4, 5}, values);
        const at::Tensor z = ts::readLatents(path);
        QCOMPARE(z.sizes().vec(), (std::vector<int64_t>{2, 3, 4, 5}));
        QCOMPARE(z[0][0][0][0].item<float>(), -7.0f);
        QCOMPARE(z[1][2][3][4].item<float>(), 0.25f * 119 - 7.0f);
        QCOMPARE(z[1][0][2][1].item<float>(), 0.25f * ((1 * 3 * 4 + 2) * 5 + 1) - 7.0f);

        // Same bytes, misleading extension: content decides.
        const std::string renamed = dir.filePath("z.latent").toStdString();
        QVERIFY(QFile::copy(QString::fromStdString(path), QString::fromStdString(renamed)));
        QVERIFY(ts::readLatents(renamed).equal(z));
    }

    void npyVersion2Double() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("d.npy").toStdString();
        const std::vector<double> values = {0.5, -1.25, 3.0, 1e-3, 2.0, -0.0};
        writeNpyRaw(path, {1, 1, 3, 1, 2}, "<f8", values.data(), values.size() * sizeof(double), false, 2);
        const at::Tensor z = ts::readLatents(path);
        QCOMPARE(z.sizes().vec(), (std::vector<int64_t>{1, 3, 1, 2}));
        QCOMPARE(z.scalar_type(), at::kFloat);
        QCOMPARE(z[0][1][0][1].item<float>(), 1e-3f);

        const std::string big = dir.filePath("be.npy").toStdString();
        writeNpyRaw(big, {1, 1, 1, 1}, ">f4", values.data(), 4);
        QVERIFY(expectInputError([&] { ts::readLatents(big); }).contains("big-endian"));
    }

    void npyErrors() {
        QTemporaryDir dir;
        const std::string fortran = dir.filePath("f.npy").toStdString();
        writeNpy(fortran, {1, 2, 2, 2}, std::vector<float>(8, 1.0f), true);
        QVERIFY(expectInputError([&] { ts::readLatents(fortran); }).contains("Fortran order"));

        const std::string shortFile = dir.filePath("short.npy").toStdString();
        writeNpy(shortFile, {1, 2, 2, 2}, std::vector<float>(7, 1.0f));
        const QString msg = expectInputError([&] { ts::readLatents(shortFile); });
        QVERIFY2(msg.startsWith(QString::fromStdString(shortFile) + ": ") && msg.contains("truncated"), qPrintable(msg));
    }

    void fiveDimBatchOneAccepted() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("z5.safetensors").toStdString();
        const at::Tensor src = at::randn({1, 16, 2, 3, 4});
        ts::writeSafetensors(path, {{"latents", src}});
        const at::Tensor z = ts::readLatents(path);
        QCOMPARE(z.sizes().vec(), (std::vector<int64_t>{16, 2, 3, 4}));
        QVERIFY(z.equal(src.squeeze(0)));

        const std::string batch2 = dir.filePath("b2.safetensors").toStdString();
        ts::writeSafetensors(batch2, {{"latents", at::zeros({2, 16, 2, 3, 4})}});
        const QString msg = expectInputError([&] { ts::readLatents(batch2); });
        QVERIFY2(msg.contains("batch size 2") && msg.contains("only batch size 1"), qPrintable(msg));
    }

    void twoDimRejected() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("flat.safetensors").toStdString();
        ts::writeSafetensors(path, {{"latents", at::zeros({16, 64})}});
        QCOMPARE(expectInputError([&] { ts::readLatents(path); }),
                 QString::fromStdString(path + ": latents must be [C,T,h,w] or [1,C,T,h,w]; got a 2-D tensor [16, 64]"));
    }

    void emptyDimensionRejected() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("empty.safetensors").toStdString();
        ts::writeSafetensors(path, {{"latents", at::zeros({16, 0, 8, 8})}});
        QVERIFY(expectInputError([&] { ts::readLatents(path); }).contains("empty dimension [16, 0, 8, 8]"));
    }

    void nanRejectedWithCounts() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("nan.safetensors").toStdString();
        at::Tensor z = at::zeros({4, 2, 3, 3});
        const float nan = std::numeric_limits<float>::quiet_NaN();
        z[1][0][2][1] = nan;
        z[2][1][0][0] = nan;
        z[3][1][2][2] = nan;
        ts::writeSafetensors(path, {{"latents", z}});
        QCOMPARE(expectInputError([&] { ts::readLatents(path); }),
                 QString::fromStdString(path + ": latents contain 3 NaN and 0 Inf values (first at [1, 0, 2, 1])"));

        z[0][0][0][1] = std::numeric_limits<float>::infinity();
        ts::writeSafetensors(path, {{"latents", z}});
        QVERIFY(expectInputError([&] { ts::readLatents(path); })
                    .endsWith("3 NaN and 1 Inf values (first at [0, 0, 0, 1])"));
    }

    void checkpointRejected() {
        const std::string path = kData + "/vae.safetensors";
        const QString msg = expectInputError([&] { ts::readLatents(path); });
        QVERIFY2(msg.startsWith(QString::fromStdString(path + ": this is a VAE checkpoint (")) &&
                     msg.endsWith(" tensors), not latents"),
                 qPrintable(msg));
        const QString pth = expectInputError([&] { ts::readLatents(kData + "/vae.pth"); });
        QVERIFY2(pth.contains("this is a VAE checkpoint"), qPrintable(pth));
    }

    void severalTensorsWithoutLatents() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("many.safetensors").toStdString();
        ts::writeSafetensors(path, {{"a", at::zeros({1, 1, 1, 1})}, {"b", at::zeros({1, 1, 1, 1})},
                                    {"c", at::zeros({1, 1, 1, 1})}});
        const QString msg = expectInputError([&] { ts::readLatents(path); });
        QVERIFY2(msg.contains("3 tensors ('a', 'b', 'c') and none named 'latents'"), qPrintable(msg));

        // A single tensor, whatever its name, is taken.
        const std::string one = dir.filePath("one.safetensors").toStdString();
        ts::writeSafetensors(one, {{"samples", at::ones({16, 1, 2, 2})}});
        QCOMPARE(ts::readLatents(one).sum().item<float>(), 64.0f);
    }

    void halfPrecisionConverted() {
        QTemporaryDir dir;
        const at::Tensor src = at::arange(16 * 2 * 2 * 2, at::kFloat).reshape({16, 2, 2, 2}) / 8.0;  // exact in fp16/bf16
        for (auto type : {at::kHalf, at::kBFloat16, at::kDouble}) {
            const std::string path = dir.filePath("h.safetensors").toStdString();
            ts::writeSafetensors(path, {{"latents", src.to(type)}});
            const at::Tensor z = ts::readLatents(path);
            QCOMPARE(z.scalar_type(), at::kFloat);
            QVERIFY(z.equal(src));
        }
        const std::string ints = dir.filePath("i.safetensors").toStdString();
        ts::writeSafetensors(ints, {{"latents", at::zeros({1, 1, 1, 1}, at::kLong)}});
        QVERIFY(expectInputError([&] { ts::readLatents(ints); }).contains("must be fp32, fp16, bf16 or fp64"));
    }

    void videoNeedsThreeChannels() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("v.safetensors").toStdString();
        ts::writeSafetensors(path, {{"video", at::zeros({4, 2, 8, 8})}});
        QVERIFY(expectInputError([&] { ts::readVideoTensor(path); }).contains("3 (RGB) channels"));
        ts::writeSafetensors(path, {{"video", at::zeros({1, 3, 2, 8, 8}, at::kHalf)}});
        QCOMPARE(ts::readVideoTensor(path).sizes().vec(), (std::vector<int64_t>{3, 2, 8, 8}));
    }

    void ptGoesThroughThePthReader() {
        // torch.save of one 3-D tensor [2, 4, 3]: read as a .pt, then refused for its rank.
        const std::string path = kData + "/saved_tensor.pt";
        QCOMPARE(expectInputError([&] { ts::readLatents(path); }),
                 QString::fromStdString(path + ": latents must be [C,T,h,w] or [1,C,T,h,w]; got a 3-D tensor [2, 4, 3]"));
    }

    void missingAndUnknownFiles() {
        QTemporaryDir dir;
        const std::string missing = dir.filePath("nope.safetensors").toStdString();
        QCOMPARE(expectInputError([&] { ts::readLatents(missing); }), QString::fromStdString(missing + ": no such file"));
        const std::string junk = dir.filePath("junk.txt").toStdString();
        std::ofstream(junk) << "not a tensor";
        QVERIFY(expectInputError([&] { ts::readLatents(junk); }).startsWith(QString::fromStdString(junk + ": ")));
    }
};

QTEST_APPLESS_MAIN(TestLatentsReader)
#include "test_latents_reader.moc"
