// The torch.save reader: bit-exact against the safetensors twin of the golden model,
// real torch.save fixtures (tools/make_test_tensors.py), and refusal of pickles that
// would run code (tools/make_test_pickles.py).
#include "checkpoint/checkpoint_reader.h"
#include "checkpoint/pickle_reader.h"
#include "checkpoint/pth_reader.h"
#include "checkpoint/safetensors_reader.h"
#include "core/error.h"
#include "test_support.h"

#include <ATen/ATen.h>

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <iterator>

using namespace ts;
using ts::test::expectError;
using ts::test::slurp;
using ts::test::spit;

namespace {

const std::string kData = TILESCOPE_TEST_DATA;


bool bitEqual(const at::Tensor& a, const at::Tensor& b) {
    return a.scalar_type() == b.scalar_type() && a.sizes() == b.sizes() && a.is_contiguous() &&
           b.is_contiguous() && std::memcmp(a.data_ptr(), b.data_ptr(), a.nbytes()) == 0;
}

}  // namespace

class TestPthReader : public QObject {
    Q_OBJECT

private slots:
    void matchesSafetensorsBitExact() {
        const NamedTensors pth = readPth(kData + "/vae.pth");
        const NamedTensors st = readSafetensors(kData + "/vae.safetensors");
        QCOMPARE(pth.size(), std::size_t(194));
        QCOMPARE(pth.size(), st.size());
        for (const auto& [name, t] : st) {
            QVERIFY2(pth.count(name), name.c_str());
            QVERIFY2(bitEqual(pth.at(name), t), name.c_str());
        }
        // readCheckpoint picks the format by content.
        QCOMPARE(readCheckpoint(kData + "/vae.pth").size(), std::size_t(194));
    }

    void filterSkipsTensors() {
        std::vector<std::string> asked;
        const NamedTensors t = readPth(kData + "/vae.pth", [&](const std::string& n) {
            asked.push_back(n);
            return n == "decoder.conv1.weight";
        });
        QCOMPARE(t.size(), std::size_t(1));
        QCOMPARE(asked.size(), std::size_t(194));
        QCOMPARE(t.at("decoder.conv1.weight").data_ptr<float>()[0], 0.03530750796198845f);
    }

    void filteredTensorsAreNotRead() {
        // Rename the storage record of the first tensor (encoder.conv1.weight, record
        // "vae/data/0"): reading it must fail, but a filter that skips it never looks.
        QTemporaryDir dir;
        std::string bytes = slurp(kData + "/vae.pth");
        const std::string name = "vae/data/0";
        auto u16 = [&](std::size_t at) { return std::size_t(std::uint8_t(bytes[at])) | std::size_t(std::uint8_t(bytes[at + 1])) << 8; };
        std::size_t hits = 0;
        for (std::size_t p = bytes.find(name); p != std::string::npos; p = bytes.find(name, p + 1)) {
            const bool local = p >= 30 && bytes.compare(p - 30, 4, "PK\x03\x04", 4) == 0 && u16(p - 4) == name.size();
            const bool central = p >= 46 && bytes.compare(p - 46, 4, "PK\x01\x02", 4) == 0 && u16(p - 18) == name.size();
            if (local || central) {
                bytes[p + name.size() - 1] = 'Z';
                ++hits;
            }
        }
        QCOMPARE(hits, std::size_t(2));
        const std::string path = dir.filePath("renamed.pth").toStdString();
        spit(path, bytes);
        const std::string msg = expectError([&] { readPth(path); });
        QVERIFY2(msg.find(path + ": tensor 'encoder.conv1.weight': storage record 'data/0' is missing") == 0, msg.c_str());
        const NamedTensors t = readPth(path, [](const std::string& n) { return n != "encoder.conv1.weight"; });
        QCOMPARE(t.size(), std::size_t(193));
    }

    void corruptedPickleNeverCrashes() {
        // Random byte flips inside data.pkl (stored, so at a fixed place in the file):
        // every outcome must be a result or a ts::Error, never another exception or a crash.
        QTemporaryDir dir;
        const std::string orig = slurp(kData + "/nested_state.pth");
        const std::size_t begin = orig.find("nested_state/data.pkl") + 21;
        const std::size_t end = orig.find("PK\x03\x04", begin);
        QVERIFY(begin > 21 && end != std::string::npos);
        const std::string path = dir.filePath("flipped.pth").toStdString();
        std::uint32_t seed = 12345;
        auto next = [&] { return seed = seed * 1664525u + 1013904223u; };
        int errors = 0;
        for (int round = 0; round < 300; ++round) {
            std::string bytes = orig;
            for (int k = 0; k < 3; ++k) bytes[begin + next() % (end - begin)] = char(next() >> 24);
            spit(path, bytes);
            try {
                readPthTensors(path);
            } catch (const Error&) {
                ++errors;
            }
        }
        QVERIFY(errors > 0);
    }

    void deepNestingNeverOverflowsTheStack() {
        // A 600 KB data.pkl of lists (and tuples) nested 300,000 deep parses; releasing it
        // used to recurse once per level in Value's destructor and crash with a stack overflow.
        constexpr std::size_t kDepth = 300000;
        const std::string lists = std::string("\x80\x02") + std::string(kDepth, ']') + std::string(kDepth - 1, 'a') + ".";
        const std::string tuples = std::string("\x80\x02") + "]" + std::string(kDepth, '\x85') + ".";
        for (const std::string& data : {lists, tuples}) {
            pickle::ValuePtr v = pickle::unpickle(data, "deep.pkl");
            QVERIFY(v && (v->kind == pickle::Value::Kind::List || v->kind == pickle::Value::Kind::Tuple));
            std::size_t depth = 0;
            for (const pickle::Value* x = v.get(); !x->items.empty(); x = x->items.front().get()) ++depth;
            QCOMPARE(depth, kDepth - 1 + (data == tuples ? 1 : 0));
            v.reset();  // the crash was here
        }
    }

    void savedTensor() {
        // torch.save(arange(60).reshape(3,4,5)[1:, :, ::2]): a strided view at offset 20.
        const NamedTensors t = readPthTensors(kData + "/saved_tensor.pt");
        QCOMPARE(t.size(), std::size_t(1));
        const at::Tensor& x = t.at("");
        const at::Tensor expect = at::arange(60, at::kFloat).reshape({3, 4, 5}).slice(0, 1).slice(2, 0, 5, 2);
        QCOMPARE(x.sizes().vec(), (std::vector<int64_t>{2, 4, 3}));
        QVERIFY(x.is_contiguous());
        QVERIFY(at::equal(x, expect));
        QVERIFY(expectError([&] { readPth(kData + "/saved_tensor.pt"); }).find("single tensor") != std::string::npos);
    }

    void zeroStrideBombsAreRefused() {
        // saved_tensor.pt with its view's strides set to 0 and its sizes to 255^3: 16.6 M
        // elements from one stored float, which materialising would allocate (64 MB here,
        // terabytes with larger sizes). Refused, naming the file and the tensor.
        QTemporaryDir dir;
        std::string bytes = slurp(kData + "/saved_tensor.pt");
        const std::size_t sizes = bytes.find(std::string("K\x02K\x04K\x03\x87", 7));
        const std::size_t strides = bytes.find(std::string("K\x14K\x05K\x02\x87", 7));
        QVERIFY(sizes != std::string::npos && strides != std::string::npos);
        bytes.replace(sizes, 7, std::string("K\xffK\xffK\xff\x87", 7));
        bytes.replace(strides, 7, std::string("K\x00K\x00K\x00\x87", 7));
        const std::string path = dir.filePath("bomb.pt").toStdString();
        spit(path, bytes);
        const std::string msg = expectError([&] { readPthTensors(path); });
        QVERIFY2(msg.find(path) == 0 && msg.find("zero strides") != std::string::npos, msg.c_str());
    }

    void zip64Layout() {
        // saved_tensor.pt rewritten with saturated sizes/offsets and zip64 records, as
        // a checkpoint over 4 GB has them (tools/make_test_pickles.py).
        const NamedTensors t = readPthTensors(kData + "/zip64_tensor.pt");
        const at::Tensor expect = at::arange(60, at::kFloat).reshape({3, 4, 5}).slice(0, 1).slice(2, 0, 5, 2);
        QVERIFY(at::equal(t.at(""), expect));
    }

    void compressedEntryRefused() {
        // A zip whose data.pkl is deflated: torch.save never writes one.
        QTemporaryDir dir;
        std::string bytes = slurp(kData + "/malicious_os_system.pth");
        std::size_t hits = 0;
        for (std::size_t p = bytes.find("malicious_os_system/data.pkl"); p != std::string::npos;
             p = bytes.find("malicious_os_system/data.pkl", p + 1), ++hits) {
            const bool central = p >= 46 && bytes.compare(p - 46, 4, "PK\x01\x02", 4) == 0;
            bytes[central ? p - 46 + 10 : p - 30 + 8] = 8;  // method: deflate
        }
        QCOMPARE(hits, std::size_t(2));
        const std::string path = dir.filePath("deflated.pth").toStdString();
        spit(path, bytes);
        const std::string msg = expectError([&] { readPth(path); }, ErrorKind::Unsupported);
        QVERIFY2(msg.find(path) == 0 && msg.find("compressed") != std::string::npos, msg.c_str());
    }

    void nestedStateDictWithDtypes() {
        const NamedTensors t = readPth(kData + "/nested_state.pth");
        QCOMPARE(t.size(), std::size_t(7));  // "epoch" is not a tensor
        QVERIFY(at::equal(t.at("half"), (at::arange(6, at::kHalf).reshape({2, 3}) / 4)));
        QVERIFY(at::equal(t.at("bf16"), at::arange(4, at::kBFloat16) - 2));
        QCOMPARE(t.at("long").data_ptr<int64_t>()[0], -(int64_t(1) << 40));
        QCOMPARE(t.at("long").data_ptr<int64_t>()[2], int64_t(1) << 40);
        QCOMPARE(t.at("mask").scalar_type(), at::kBool);
        QCOMPARE(t.at("mask").sum().item<int64_t>(), int64_t(2));
        QVERIFY(at::equal(t.at("param"), at::full({2, 2}, 3.0f)));
        QVERIFY(at::equal(t.at("shared_a"), at::arange(5, at::kFloat)));
        QVERIFY(at::equal(t.at("shared_b"), at::arange(5, 10, at::kFloat)));
        QCOMPARE(readPthTensors(kData + "/nested_state.pth").size(), std::size_t(7));
    }

    void refusesOsSystem() {
        const std::string path = kData + "/malicious_os_system.pth";
        const std::string msg = expectError([&] { readCheckpoint(path); });
        QCOMPARE(msg, path + ": refusing to load: the pickle names the global "
                                    "'os.system', which a checkpoint never needs (only tensors and containers are "
                                    "accepted)");
    }

    void refusesEval() {
        const std::string path = kData + "/malicious_eval.pth";
        const std::string msg = expectError([&] { readPth(path); });
        QVERIFY2(msg.find(path) == 0 && msg.find("'builtins.eval'") != std::string::npos, msg.c_str());
    }

    void truncatedPth() {
        QTemporaryDir dir;
        const std::string bytes = slurp(kData + "/vae.pth");
        for (std::size_t keep : {bytes.size() - 100, bytes.size() / 2, std::size_t(64), std::size_t(4)}) {
            const std::string path = dir.filePath(QString("cut%1.pth").arg(keep)).toStdString();
            spit(path, bytes.substr(0, keep));
            const std::string msg = expectError([&] { readCheckpoint(path); });
            QVERIFY2(msg.find(path) == 0, msg.c_str());
            QVERIFY2(msg.find('\n') == std::string::npos, msg.c_str());
        }
    }

    void corruptedStorageRecord() {
        // Shrink one storage record's declared size in the central directory and the
        // local header: the tensor view then lies outside it and must be refused.
        QTemporaryDir dir;
        std::string bytes = slurp(kData + "/saved_tensor.pt");
        const std::string name = "saved_tensor/data/0";
        std::size_t hits = 0;
        for (std::size_t p = bytes.find(name); p != std::string::npos; p = bytes.find(name, p + 1)) {
            const bool central = p >= 46 && bytes.compare(p - 46, 4, "PK\x01\x02", 4) == 0;
            const std::size_t sizes = central ? p - 46 + 20 : p - 30 + 18;
            for (int k = 0; k < 8; ++k) bytes[sizes + k] = k % 4 == 0 ? '\x10' : '\0';  // both sizes = 16 bytes
            ++hits;
        }
        QCOMPARE(hits, std::size_t(2));
        const std::string path = dir.filePath("shrunk.pt").toStdString();
        spit(path, bytes);
        const std::string msg = expectError([&] { readPthTensors(path); });
        QVERIFY2(msg.find(path) == 0 && msg.find("outside its storage record") != std::string::npos, msg.c_str());
    }
};

QTEST_APPLESS_MAIN(TestPthReader)
#include "test_pth_reader.moc"
