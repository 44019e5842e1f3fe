// safetensors reader and writer against the golden model file, and the ways a damaged
// or foreign file must fail: one-line Input errors that name the file.
#include "checkpoint/checkpoint_reader.h"
#include "checkpoint/safetensors_reader.h"
#include "checkpoint/safetensors_writer.h"
#include "core/error.h"
#include "test_support.h"

#include <ATen/ATen.h>

#include <QTemporaryDir>
#include <QtTest>

#include <cstring>
#include <fstream>
#include <iterator>

using namespace ts;
using ts::test::expectError;
using ts::test::slurp;
using ts::test::spit;

namespace {

const std::string kVae = std::string(TILESCOPE_TEST_DATA) + "/vae.safetensors";

}  // namespace

class TestSafetensors : public QObject {
    Q_OBJECT

private slots:
    void readsGoldenModel() {
        const NamedTensors t = readSafetensors(kVae);
        QCOMPARE(t.size(), std::size_t(194));
        const at::Tensor w = t.at("decoder.conv1.weight");
        QCOMPARE(w.sizes().vec(), (std::vector<int64_t>{32, 16, 3, 3, 3}));
        QCOMPARE(w.scalar_type(), at::kFloat);
        QVERIFY(w.is_contiguous());
        const float* p = w.data_ptr<float>();
        // Values read independently from the file with Python's struct module.
        QCOMPARE(p[0], 0.03530750796198845f);
        QCOMPARE(p[1], -0.008183145895600319f);
        QCOMPARE(p[3], -0.07977233827114105f);
        QCOMPARE(t.at("conv2.bias").data_ptr<float>()[15], -0.04677809029817581f);
        QCOMPARE(t.at("decoder.middle.1.norm.gamma").sizes().vec(), (std::vector<int64_t>{32, 1, 1}));
    }

    void filterSkipsTensors() {
        const NamedTensors t = readSafetensors(kVae, [](const std::string& n) { return n.rfind("decoder.", 0) == 0; });
        QCOMPARE(t.size(), std::size_t(106));  // counted with Python from the header
        QVERIFY(!t.count("encoder.conv1.weight"));
        QVERIFY(t.count("decoder.head.2.weight"));
    }

    void dispatchesByContent() {
        QTemporaryDir dir;
        const std::string renamed = dir.filePath("weights.pth").toStdString();  // wrong extension on purpose
        spit(renamed, slurp(kVae));
        QCOMPARE(readCheckpoint(renamed).size(), std::size_t(194));
    }

    void roundTrip() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("rt.safetensors").toStdString();
        NamedTensors in;
        in["a.float"] = at::randn({3, 5, 7});
        in["b.half"] = at::randn({4, 2}).to(at::kHalf);
        in["c.bf16"] = at::randn({9}).to(at::kBFloat16);
        in["d.long"] = at::arange(-5, 5, at::kLong);
        in["e.bool"] = at::rand({6}) > 0.5;
        in["f.empty"] = at::empty({0, 3});
        in["g.scalar"] = at::scalar_tensor(2.5, at::kDouble);
        in["h.strided"] = at::arange(24, at::kFloat).reshape({4, 6}).t();  // non-contiguous input
        writeSafetensors(path, in, {{"format", "pt"}});
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 1);  // no temporary left

        const std::string bytes = slurp(path);
        std::uint64_t headerLen = 0;
        std::memcpy(&headerLen, bytes.data(), 8);
        QCOMPARE((8 + headerLen) % 8, std::uint64_t(0));  // data section aligned
        QVERIFY(bytes.find("\"__metadata__\":{\"format\":\"pt\"}") != std::string::npos);

        const NamedTensors out = readSafetensors(path);
        QCOMPARE(out.size(), in.size());
        for (const auto& [name, t] : in) {
            const at::Tensor& r = out.at(name);
            QCOMPARE(r.scalar_type(), t.scalar_type());
            QCOMPARE(r.sizes().vec(), t.sizes().vec());
            QVERIFY2(at::equal(r, t), name.c_str());
        }

        // And the golden model survives a write/read unchanged.
        const std::string copy = dir.filePath("vae_copy.safetensors").toStdString();
        const NamedTensors vae = readSafetensors(kVae);
        writeSafetensors(copy, vae);
        const NamedTensors back = readSafetensors(copy);
        QCOMPARE(back.size(), vae.size());
        for (const auto& [name, t] : vae) QVERIFY2(at::equal(back.at(name), t), name.c_str());
    }

    void failedWriteLeavesNothing() {
        QTemporaryDir dir;
        const std::string missingDir = dir.filePath("no/such/dir/out.safetensors").toStdString();
        NamedTensors t{{"x", at::ones({2})}};
        QVERIFY(expectError([&] { writeSafetensors(missingDir, t); }).find(missingDir) == 0);

        const std::string path = dir.filePath("complex.safetensors").toStdString();
        t["y"] = at::ones({2}, at::kComplexFloat);  // no safetensors dtype for it
        const std::string msg = expectError([&] { writeSafetensors(path, t); }, ErrorKind::Unsupported);
        QVERIFY2(msg.find(path) == 0 && msg.find("'y'") != std::string::npos, msg.c_str());
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 0);
    }

    void legacyTorchSave() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("old.pth").toStdString();
        spit(path, std::string("\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19.", 15));  // pre-1.6 magic
        const std::string msg = expectError([&] { readCheckpoint(path); }, ErrorKind::Unsupported);
        QVERIFY2(msg.find(path + ": a legacy torch.save file") == 0, msg.c_str());
    }

    void truncatedFileNamesPathAndTensor() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("truncated.safetensors").toStdString();
        const std::string bytes = slurp(kVae);
        spit(path, bytes.substr(0, bytes.size() - 1000));
        const std::string msg = expectError([&] { readSafetensors(path); });
        QVERIFY2(msg.find(path) != std::string::npos, msg.c_str());
        QVERIFY2(msg.find("truncated") != std::string::npos, msg.c_str());
        QVERIFY2(msg.find('\n') == std::string::npos, msg.c_str());
        // Damage in a tensor the filter skips is still reported: the file is not whole.
        const std::string msgFiltered =
            expectError([&] { readSafetensors(path, [](const std::string& n) { return n == "conv1.bias"; }); });
        QVERIFY2(msgFiltered.find(path) == 0 && msgFiltered.find("truncated") != std::string::npos, msgFiltered.c_str());
        // Cut inside the header: the header length now exceeds the file.
        spit(path, bytes.substr(0, 5000));
        const std::string msg2 = expectError([&] { readCheckpoint(path); });
        QVERIFY2(msg2.find(path) != std::string::npos && msg2.find("exceeds the file size") != std::string::npos,
                 msg2.c_str());
    }

    void hugeHeaderLength() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("huge.safetensors").toStdString();
        std::string bytes(8, '\0');
        bytes[7] = '\x80';  // 2^63
        bytes += "{\"a\":{}}";
        spit(path, bytes);
        const std::string msg = expectError([&] { readSafetensors(path); });
        QVERIFY2(msg.find(path + ": safetensors header length 9223372036854775808 exceeds the file size (16 bytes)") == 0,
                 msg.c_str());
        QVERIFY(expectError([&] { readCheckpoint(path); }).find(path) == 0);
    }

    void badHeaders() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("bad.safetensors").toStdString();
        auto withHeader = [&](const std::string& json, std::size_t dataBytes) {
            std::string b(8, '\0');
            std::uint64_t n = json.size();
            std::memcpy(b.data(), &n, 8);
            spit(path, b + json + std::string(dataBytes, '\0'));
        };
        withHeader("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]", 8);  // unterminated JSON
        QVERIFY(expectError([&] { readSafetensors(path); }).find("not valid JSON") != std::string::npos);
        withHeader("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,12]}}", 12);  // size mismatch
        QVERIFY(expectError([&] { readSafetensors(path); }).find("'x'") != std::string::npos);
        withHeader("{\"x\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,8]}}", 8);
        QVERIFY(expectError([&] { readSafetensors(path); }).find("too large") != std::string::npos);
        withHeader("{\"x\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8);
        QVERIFY(expectError([&] { readSafetensors(path); }).find("negative") != std::string::npos);
        // One name twice: refused, whichever entry a reader would keep.
        withHeader("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                   "\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8);
        const std::string twice = expectError([&] { readSafetensors(path); });
        QVERIFY2(twice.find(path + ": safetensors header names tensor 'x' twice") == 0, twice.c_str());
        withHeader("{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8);  // past the data
        QVERIFY(expectError([&] { readSafetensors(path); }).find("outside the data section") != std::string::npos);
        withHeader("{\"x\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8);
        QVERIFY(expectError([&] { readSafetensors(path); }).find("unsupported dtype") != std::string::npos);
    }

    void corruptedHeaderNeverCrashes() {
        // Random byte flips in the JSON header: a result or a ts::Error, nothing else.
        QTemporaryDir dir;
        const std::string orig = slurp(std::string(TILESCOPE_TEST_DATA) + "/case.safetensors");
        std::uint64_t headerLen = 0;
        std::memcpy(&headerLen, orig.data(), 8);
        const std::string path = dir.filePath("flipped.safetensors").toStdString();
        std::uint32_t seed = 777;
        auto next = [&] { return seed = seed * 1664525u + 1013904223u; };
        int errors = 0;
        for (int round = 0; round < 300; ++round) {
            std::string bytes = orig;
            for (int k = 0; k < 2; ++k) bytes[8 + next() % headerLen] = char(next() >> 24);
            spit(path, bytes);
            try {
                readCheckpoint(path);
            } catch (const Error&) {
                ++errors;
            }
        }
        QVERIFY(errors > 0);
    }

    void notACheckpoint() {
        QTemporaryDir dir;
        const std::string text = dir.filePath("notes.txt").toStdString();
        spit(text, "These are not the weights you are looking for.\n");
        QCOMPARE(expectError([&] { readCheckpoint(text); }),
                 text + ": not a checkpoint: neither a torch.save zip (.pth) nor a safetensors file");
        QVERIFY(expectError([&] { readSafetensors(text); }).find(text) == 0);

        const std::string missing = dir.filePath("missing.safetensors").toStdString();
        QCOMPARE(expectError([&] { readCheckpoint(missing); }), missing + ": no such file");
        const std::string folder = dir.path().toStdString();
        QVERIFY(expectError([&] { readCheckpoint(folder); }).find("is a directory") != std::string::npos);

        const std::string empty = dir.filePath("empty.bin").toStdString();
        spit(empty, "");
        QVERIFY(expectError([&] { readCheckpoint(empty); }).find("not a checkpoint") != std::string::npos);
    }
};

QTEST_APPLESS_MAIN(TestSafetensors)
#include "test_safetensors.moc"
