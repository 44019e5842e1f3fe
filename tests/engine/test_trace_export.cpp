// Profile outputs end to end: a traced tiled decode exports a Chrome trace that the
// viewers accept (every event has the fields its phase needs), whose spans nest on each
// track, with one span per tile inside the run span and the decoder's stages; the CSV
// and the summary agree with it; the CLI writes them and refuses them for sweeps.
#include "checkpoint/safetensors_reader.h"
#include "decode/decoder_run.h"
#include "model/wan_vae.h"
#include "profile/trace_scope.h"
#include "report/chrome_trace_writer.h"
#include "report/run_summary.h"
#include "report/span_csv_writer.h"

#include <ATen/ATen.h>

#include "cli_runner.h"  // after ATen: Qt's keyword macros break its headers

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include <zlib.h>

using namespace ts;

namespace {

const std::string kData = TILESCOPE_TEST_DATA;

DecodeSettings exact32TwoStreams() {
    DecodeSettings s;
    s.threads = 2;
    s.tiling = TilingMode::Exact;
    s.tilePx = 32;
    s.streams = 2;
    return s;
}

QJsonObject readJson(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &err);
    return err.error == QJsonParseError::NoError ? doc.object() : QJsonObject{};
}

struct Span {
    QString name, cat;
    double ts = 0, dur = 0;
    qint64 tid = 0;
};

}  // namespace

class TestTraceExport : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    NamedTensors golden_;
    TraceStore store_;
    RunStats stats_;
    QString path(const QString& name) const { return dir_.filePath(name); }

private slots:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        golden_ = readSafetensors(kData + "/case.safetensors");
        const WanVae vae = WanVae::load(kData + "/vae.safetensors", VaeParts::Decoder);
        const at::Tensor video = decodeToTensor(vae, golden_.at("latents"), exact32TwoStreams(), &stats_, &store_);
        // Tracing must not change what is decoded.
        QVERIFY((video - golden_.at("video")).abs().max().item<double>() <= 1e-4);
        QCOMPARE(stats_.tiles, 4);
    }

    void chromeTraceHasTheFieldsOfEachPhase() {
        writeChromeTrace(path("t.json").toStdString(), store_.snapshot(), {{"case", "exact 32 px, 2 streams"}});
        const QJsonObject root = readJson(path("t.json"));
        QVERIFY(root.contains("traceEvents"));
        QCOMPARE(root["displayTimeUnit"].toString(), QString("ms"));
        QCOMPARE(root["metadata"].toObject()["case"].toString(), QString("exact 32 px, 2 streams"));
        QVERIFY(root["metadata"].toObject()["notes"].isArray());
        std::set<QString> threadNames;
        double earliest = 1e300;
        for (const QJsonValue& v : root["traceEvents"].toArray()) {
            const QJsonObject e = v.toObject();
            const QString ph = e["ph"].toString();
            QVERIFY2(e.contains("name") && e.contains("pid") && e.contains("tid"), qPrintable(ph));
            if (ph == "M") {
                QVERIFY(!e["args"].toObject()["name"].toString().isEmpty());
                if (e["name"].toString() == "thread_name") threadNames.insert(e["args"].toObject()["name"].toString());
                continue;
            }
            QVERIFY2(e["ts"].isDouble(), qPrintable(e["name"].toString()));
            earliest = std::min(earliest, e["ts"].toDouble());
            if (ph == "X") {
                QVERIFY(e["dur"].isDouble() && e["dur"].toDouble() >= 0);
                QVERIFY(e["args"].isObject());
            } else if (ph == "C") {
                QVERIFY(!e["args"].toObject().isEmpty());
            } else if (ph == "s" || ph == "f") {
                QVERIFY(e.contains("id"));
            } else {
                QVERIFY2(ph == "i", qPrintable("unexpected phase " + ph));
            }
        }
        QCOMPARE(earliest, 0.0);  // relative to the earliest event
        QVERIFY(threadNames.count("main"));
        QVERIFY(threadNames.count("worker 0") && threadNames.count("worker 1"));
    }

    void gzNamedTraceIsGzipOfThePlainOne() {
        // "--trace run.json.gz" writes what its name says, which Perfetto opens directly.
        const auto snapshot = store_.snapshot();
        writeChromeTrace(path("same.json").toStdString(), snapshot, {{"case", "gz"}});
        writeChromeTrace(path("same.json.gz").toStdString(), snapshot, {{"case", "gz"}});
        QFile plainFile(path("same.json")), gzFile(path("same.json.gz"));
        QVERIFY(plainFile.open(QIODevice::ReadOnly) && gzFile.open(QIODevice::ReadOnly));
        const QByteArray plain = plainFile.readAll(), packed = gzFile.readAll();
        QVERIFY(packed.size() > 18);
        QCOMPARE(static_cast<unsigned char>(packed[0]), static_cast<unsigned char>(0x1f));  // gzip magic
        QCOMPARE(static_cast<unsigned char>(packed[1]), static_cast<unsigned char>(0x8b));
        QVERIFY2(packed.size() * 4 < plain.size(), qPrintable(QString::number(packed.size())));
        z_stream z{};
        QCOMPARE(inflateInit2(&z, 15 + 16), Z_OK);
        std::string out(static_cast<size_t>(plain.size()) + 1, '\0');
        z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data()));
        z.avail_in = static_cast<uInt>(packed.size());
        z.next_out = reinterpret_cast<Bytef*>(out.data());
        z.avail_out = static_cast<uInt>(out.size());
        QCOMPARE(inflate(&z, Z_FINISH), Z_STREAM_END);  // complete, trailer and checksum included
        out.resize(out.size() - z.avail_out);
        inflateEnd(&z);
        QCOMPARE(QByteArray::fromStdString(out), plain);
    }

    void spansNestOnEveryTrack() {
        const QJsonObject root = readJson(path("t.json"));
        std::map<std::pair<int, qint64>, std::vector<Span>> tracks;
        std::vector<Span> all;
        for (const QJsonValue& v : root["traceEvents"].toArray()) {
            const QJsonObject e = v.toObject();
            if (e["ph"].toString() != "X") continue;
            const Span s{e["name"].toString(), e["cat"].toString(), e["ts"].toDouble(), e["dur"].toDouble(),
                         e["tid"].toInteger()};
            tracks[{e["pid"].toInt(), e["tid"].toInteger()}].push_back(s);
            all.push_back(s);
        }
        const double tol = 1.0;  // µs
        for (const auto& [track, spans] : tracks)
            for (size_t i = 0; i < spans.size(); ++i)
                for (size_t j = i + 1; j < spans.size(); ++j) {
                    const Span &a = spans[i], &b = spans[j];
                    const bool disjoint = a.ts + a.dur <= b.ts + tol || b.ts + b.dur <= a.ts + tol;
                    const bool aInB = b.ts <= a.ts + tol && a.ts + a.dur <= b.ts + b.dur + tol;
                    const bool bInA = a.ts <= b.ts + tol && b.ts + b.dur <= a.ts + a.dur + tol;
                    QVERIFY2(disjoint || aInB || bInA,
                             qPrintable(QString("%1 and %2 overlap partially on tid %3").arg(a.name, b.name).arg(track.second)));
                }

        std::vector<Span> runs, tiles;
        std::set<QString> stages;
        for (const Span& s : all) {
            if (s.cat == "run") runs.push_back(s);
            if (s.cat == "tile") tiles.push_back(s);
            if (s.cat == "stage") stages.insert(s.name);
        }
        QCOMPARE(int(runs.size()), 1);
        QCOMPARE(runs[0].name, QString("decode"));
        QCOMPARE(int(tiles.size()), stats_.tiles);
        std::set<QString> tileNames;
        for (const Span& t : tiles) {
            tileNames.insert(t.name);
            QVERIFY(t.ts >= runs[0].ts - tol && t.ts + t.dur <= runs[0].ts + runs[0].dur + tol);
        }
        QCOMPARE(int(tileNames.size()), stats_.tiles);  // one span per tile, not per retry
        // Each tile's latent frames are chunks inside it, on its worker's track.
        const int latentFrames = int(golden_.at("latents").size(1));
        int chunks = 0;
        for (const Span& c : all) {
            if (c.cat != "chunk") continue;
            ++chunks;
            QVERIFY2(std::any_of(tiles.begin(), tiles.end(),
                                 [&](const Span& t) {
                                     return t.tid == c.tid && c.ts >= t.ts - tol && c.ts + c.dur <= t.ts + t.dur + tol;
                                 }),
                     qPrintable(c.name));
        }
        QCOMPARE(chunks, stats_.tiles * latentFrames);
        QVERIFY(stages.count("prefix: post-quant conv + middle block"));
        QVERIFY(stages.count("up stage 0") && stages.count("up stage 3"));
        QVERIFY(stages.count("head"));
    }

    void tileSpansCarryTheirTile() {
        for (const TraceEvent& e : store_.snapshot().events) {
            if (e.category != "tile") continue;
            std::map<std::string, std::string> args(e.args.begin(), e.args.end());
            QVERIFY(args.count("tile") && args.count("output_rect") && args.count("macs"));
            QVERIFY(std::stoll(args["macs"]) > 0);
            QCOMPARE(e.tid, cpuWorkerTrack(std::stoi(args["worker"])));
        }
    }

    void csvHasOneRowPerSpan() {
        const TraceStore::Snapshot snap = store_.snapshot();
        writeSpanCsv(path("t.csv").toStdString(), snap);
        QFile f(path("t.csv"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QList<QByteArray> lines = f.readAll().trimmed().split('\n');
        QCOMPARE(lines.front(), QByteArray("name,category,pid,tid,start_us,dur_us,args"));
        int spans = 0;
        for (const TraceEvent& e : snap.events) spans += e.kind == TraceEvent::Kind::Span;
        QCOMPARE(int(lines.size()) - 1, spans);
    }

    void csvQuotesFieldsAndTimesFromTheOrigin() {
        TraceStore::Snapshot snap;
        TraceEvent a;
        a.name = "conv, \"3d\"";
        a.category = "op";
        a.tid = 7;
        a.startNs = 1000;
        a.durationNs = 2500;
        a.args = {{"shapes", "1x2"}, {"dtype", "float"}};
        TraceEvent counter;
        counter.kind = TraceEvent::Kind::Counter;
        counter.name = "rss_bytes";
        counter.startNs = 1500;
        snap.events = {a, counter};
        std::ostringstream out;
        writeSpanCsv(out, snap);
        QCOMPARE(out.str(), std::string("name,category,pid,tid,start_us,dur_us,args\n"
                                        "\"conv, \"\"3d\"\"\",op,0,7,0.000,2.500,shapes=1x2; dtype=float\n"));
    }

    void summarySharesSumToOnePerCategory() {
        const TraceStore::Snapshot snap = store_.snapshot();
        const nlohmann::json s = summarizeRun(snap, {{"tiles", stats_.tiles}});
        QCOMPARE(s["run"]["tiles"].get<int>(), stats_.tiles);
        QVERIFY(s["total_s"].get<double>() > 0);
        for (const char* cat : {"run", "stage", "tile"}) QVERIFY2(s["categories"].contains(cat), cat);
        for (const auto& [cat, c] : s["categories"].items()) {
            double sum = 0;
            for (const auto& [name, n] : c["names"].items()) sum += n["share"].get<double>();
            QVERIFY2(std::abs(sum - 1.0) < 1e-9, cat.c_str());
        }
        QCOMPARE(s["categories"]["tile"]["count"].get<int>(), stats_.tiles);
        double stageShares = 0;
        for (const auto& st : s["stages"]) stageShares += st["share"].get<double>();
        QVERIFY(std::abs(stageShares - 1.0) < 1e-9);
    }

    void untiledRunHasChunksAndStages() {
        const WanVae vae = WanVae::load(kData + "/vae.safetensors", VaeParts::Decoder);
        DecodeSettings s;
        s.threads = 2;
        TraceStore store;
        decodeToTensor(vae, golden_.at("latents"), s, nullptr, &store);
        int chunks = 0, heads = 0;
        for (const TraceEvent& e : store.snapshot().events) {
            chunks += e.category == "chunk";
            heads += e.name == "head";
        }
        QCOMPARE(chunks, int(golden_.at("latents").size(1)));
        // --opt frame-split (on by default) runs the stages after a temporal upsampler,
        // head included, once per video frame: 1 + 4 * 3 = 13 heads for 4 latent frames.
        QCOMPARE(heads, int(golden_.at("video").size(1)));
        s.graph = GraphOptions::none();
        TraceStore plain;
        decodeToTensor(vae, golden_.at("latents"), s, nullptr, &plain);
        int plainHeads = 0;
        for (const TraceEvent& e : plain.snapshot().events) plainHeads += e.name == "head";
        QCOMPARE(plainHeads, chunks);  // without it: one head per latent frame
    }

    void noSinkNoEvents() {
        TraceScope scope(nullptr, "nothing", "run", 0, 0);
        QVERIFY(!scope.active());
    }

    void cliWritesTraceAndSummary() {
        const QString vae = QString::fromStdString(kData + "/vae.safetensors");
        const QString latents = QString::fromStdString(kData + "/case.safetensors");
        const test::CliResult r =
            test::runCli({"decode", "--vae", vae, "--latents", latents, "--out", path("v.safetensors"), "--threads", "2",
                          "--tiling", "exact", "--tile", "32", "--streams", "2", "--trace", path("cli.json"),
                          "--summary", path("cli-summary.json")},
                         300000);  // traced: slow on a busy machine
        QVERIFY2(r.exitCode == 0, qPrintable(r.stderrText));
        const QJsonObject trace = readJson(path("cli.json"));
        QVERIFY(trace["traceEvents"].toArray().size() > 0);
        const QJsonObject summary = readJson(path("cli-summary.json"));
        QCOMPARE(summary["categories"].toObject()["tile"].toObject()["count"].toInt(), 4);
        QCOMPARE(summary["run"].toObject()["tiles"].toInt(), 4);
    }

    void cliRefusesTraceForSweeps() {
        const QString vae = QString::fromStdString(kData + "/vae.safetensors");
        const test::CliResult r = test::runCli(
            {"bench", "--vae", vae, "--latent-shape", "16x2x4x4", "--tiling", "off,exact", "--trace", path("sweep.json")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.stderrText.contains("--trace"), qPrintable(r.stderrText));
        QVERIFY(!QFile::exists(path("sweep.json")));
    }
};

QTEST_APPLESS_MAIN(TestTraceExport)
#include "test_trace_export.moc"
