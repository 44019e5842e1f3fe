// --streams auto / --threads auto: the choice of workers x threads per worker as a pure
// function of cores, plan and budget (no timing), the options refused where they enter,
// and that a decode with auto gives the output of a fixed setting and reports its choice.
#include "checkpoint/safetensors_reader.h"
#include "decode/decoder_run.h"
#include "model/wan_vae.h"
#include "profile/trace_store.h"
#include "schedule/cpu_balance.h"

#include <ATen/ATen.h>

#include "test_support.h"
#include "cli_runner.h"  // after ATen: Qt's keyword macros break its headers

#include <QDir>
#include <QFile>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <climits>
#include <map>
#include <set>

using namespace ts;

namespace {

const std::string kData = TILESCOPE_TEST_DATA;
constexpr std::int64_t kMiB = std::int64_t(1) << 20;

// A plan of `tiles` equal tiles of `tileBytes` each, holding `fixedBytes` besides them.
TilePlan syntheticPlan(TilingMode mode, int tiles, std::int64_t tileBytes = 100 * kMiB,
                       std::int64_t fixedBytes = 500 * kMiB) {
    TilePlan plan;
    plan.mode = mode;
    for (int i = 0; i < tiles; ++i) {
        PlannedTile t;
        t.index = i;
        t.macs = 1000000;
        t.peakBytes = tileBytes;
        plan.tiles.push_back(t);
    }
    plan.workers = 1;
    plan.estimatedPeakBytes = fixedBytes + tileBytes;
    return plan;
}

BalanceRequest autoOn(int cores, std::int64_t budget = 0) {
    BalanceRequest r;
    r.cores = cores;
    r.budgetBytes = budget;
    return r;
}

QString pair(const WorkerBalance& b) { return QString("%1x%2").arg(b.workers).arg(b.threadsPerWorker); }

using test::CliResult;
using test::runCli;

}  // namespace

class TestCpuBalance : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;

private Q_SLOTS:
    void autoChoice_data() {
        QTest::addColumn<int>("cores");
        QTest::addColumn<int>("tiles");
        QTest::addColumn<int>("mode");
        QTest::addColumn<qint64>("budget");
        QTest::addColumn<QString>("expected");  // workers x threads per worker
        QTest::addColumn<QString>("bound");     // what limited the worker count
        const int exact = int(TilingMode::Exact), blend = int(TilingMode::Blend), off = int(TilingMode::Off);
        QTest::newRow("1 core, 4 tiles") << 1 << 4 << exact << qint64(0) << "1x1" << "threads";
        QTest::newRow("2 cores, 1 tile") << 2 << 1 << exact << qint64(0) << "1x2" << "tiles";
        // Equal waves: two single-thread workers beat one of two threads (sublinear threads).
        QTest::newRow("2 cores, 4 tiles") << 2 << 4 << blend << qint64(0) << "2x1" << "threads";
        QTest::newRow("2 cores, 9 tiles") << 2 << 9 << exact << qint64(0) << "2x1" << "threads";
        // Uneven waves: 3 tiles on one worker of two threads (3 / 2^0.7 = 1.85 waves) beat
        // 2 waves of single-thread workers, one idle in the second (measured quiet).
        QTest::newRow("2 cores, 3 tiles") << 2 << 3 << exact << qint64(0) << "1x2" << "threads";
        // 2x2: 3 waves / 2^0.7 = 1.85 beats 1x4 (5 / 4^0.7 = 1.89) and 3x1/4x1 (2 waves).
        QTest::newRow("4 cores, 5 tiles") << 4 << 5 << exact << qint64(0) << "2x2" << "threads";
        QTest::newRow("16 cores, 16 tiles") << 16 << 16 << exact << qint64(0) << "16x1" << "threads";
        // 500 MiB fixed + 4 x 100 MiB tiles fit 950 MiB, 5 do not.
        QTest::newRow("16 cores, tight budget") << 16 << 16 << exact << qint64(950 * kMiB) << "4x4" << "memory";
        QTest::newRow("tiling off") << 8 << 1 << off << qint64(0) << "1x8" << "";
    }
    void autoChoice() {
        QFETCH(int, cores);
        QFETCH(int, tiles);
        QFETCH(int, mode);
        QFETCH(qint64, budget);
        QFETCH(QString, expected);
        QFETCH(QString, bound);
        const WorkerBalance b = chooseWorkerBalance(autoOn(cores, budget), syntheticPlan(TilingMode(mode), tiles));
        QCOMPARE(pair(b), expected);
        const QString reason = QString::fromStdString(b.reason);
        QVERIFY2(reason.startsWith("auto: " + QString::number(b.workers) + " worker"), qPrintable(reason));
        if (!bound.isEmpty()) QVERIFY2(reason.contains("by " + bound), qPrintable(reason));
        if (mode == int(TilingMode::Off)) QVERIFY2(reason.contains("tiling off"), qPrintable(reason));
        QVERIFY(b.workers <= tiles);
        QVERIFY(b.workers * b.threadsPerWorker <= cores);
    }

    void memoryFit() {
        const TilePlan plan = syntheticPlan(TilingMode::Exact, 16);
        QCOMPARE(workersThatFit(plan, 0), INT_MAX);
        QCOMPARE(workersThatFit(plan, 500 * kMiB + 300 * kMiB), 3);
        QCOMPARE(workersThatFit(plan, 500 * kMiB + 399 * kMiB), 3);
        QCOMPARE(workersThatFit(plan, 100 * kMiB), 1);  // nothing fits: one worker, the scheduler splits tiles
        // A plan estimated for 3 workers (--streams 3) holds the same fixed part.
        TilePlan three = plan;
        three.workers = 3;
        three.estimatedPeakBytes = 500 * kMiB + 3 * 100 * kMiB;
        QCOMPARE(workersThatFit(three, 500 * kMiB + 300 * kMiB), 3);
    }

    void fixedSettings() {
        BalanceRequest r = autoOn(4);
        r.streams = 2;
        WorkerBalance b = chooseWorkerBalance(r, syntheticPlan(TilingMode::Exact, 9));
        QCOMPARE(pair(b), QString("2x2"));
        QVERIFY2(b.reason.rfind("--streams 2: ", 0) == 0, b.reason.c_str());
        r.streams = 4;  // never more workers than tiles
        QCOMPARE(pair(chooseWorkerBalance(r, syntheticPlan(TilingMode::Exact, 2))), QString("2x2"));
        // A fixed --threads is what auto workers share, whatever the cores.
        BalanceRequest t = autoOn(16);
        t.threads = 2;
        b = chooseWorkerBalance(t, syntheticPlan(TilingMode::Blend, 4));
        QCOMPARE(pair(b), QString("2x1"));
        QVERIFY2(b.reason.find("--threads 2") != std::string::npos, b.reason.c_str());
        t.threads = 1;
        QCOMPARE(pair(chooseWorkerBalance(t, syntheticPlan(TilingMode::Blend, 4))), QString("1x1"));
    }

    void cudaAutoIsFixed() {
        BalanceRequest r = autoOn(16);
        r.cuda = true;
        WorkerBalance b = chooseWorkerBalance(r, syntheticPlan(TilingMode::Exact, 12));
        QCOMPARE(b.workers, kCudaAutoStreams);
        QCOMPARE(b.threadsPerWorker, 16);  // host threads are not split between streams
        QVERIFY2(b.reason.find("CUDA") != std::string::npos, b.reason.c_str());
        QCOMPARE(chooseWorkerBalance(r, syntheticPlan(TilingMode::Exact, 1)).workers, 1);
        r.budgetBytes = 650 * kMiB;  // one tile besides the fixed 500 MiB
        QCOMPARE(chooseWorkerBalance(r, syntheticPlan(TilingMode::Exact, 12)).workers, 1);
    }

    // A real plan: the memory model's per-tile cost against a budget of exactly two tiles.
    void realPlanBudget() {
        const WanVae vae = WanVae::load(kData + "/vae.safetensors", VaeParts::Decoder);
        DecodeSettings s;
        s.tiling = TilingMode::Exact;
        s.tilePx = 16;
        s.streams = DecodeSettings::kAutoCount;
        const TilePlan plan = makeTilePlan(vae.config(), 2, 8, 8, s);
        QVERIFY(plan.tiles.size() >= 4);
        std::int64_t largest = 0;
        for (const PlannedTile& t : plan.tiles) largest = std::max(largest, t.peakBytes);
        const std::int64_t budget = plan.estimatedPeakBytes + largest;  // fixed + 2 tiles
        QCOMPARE(workersThatFit(plan, budget), 2);
        const WorkerBalance b = chooseWorkerBalance(autoOn(8, budget), plan);
        QCOMPARE(b.workers, 2);
        QVERIFY2(b.reason.find("by memory") != std::string::npos, b.reason.c_str());
    }

    void parsing() {
        QCOMPARE(parseStreams("auto"), DecodeSettings::kAutoCount);
        QCOMPARE(parseThreads("3"), 3);
        QCOMPARE(countText(DecodeSettings::kAutoCount), std::string("auto"));
        QCOMPARE(countText(4), std::string("4"));
        const std::string zero = test::expectError([] { parseThreads("0"); }, ErrorKind::Usage);
        QVERIFY2(zero.rfind("--threads: 0 ", 0) == 0 && zero.find("auto") != std::string::npos, zero.c_str());
        const std::string neg = test::expectError([] { parseStreams("-1"); }, ErrorKind::Usage);
        QVERIFY2(neg.rfind("--streams: '-1'", 0) == 0, neg.c_str());
        const std::string big = test::expectError([] { parseStreams("65"); }, ErrorKind::Usage);
        QVERIFY2(big.rfind("--streams: 65 ", 0) == 0, big.c_str());
    }

    void cliRefusesBadCounts_data() {
        QTest::addColumn<QString>("command");
        QTest::addColumn<QString>("flag");
        QTest::addColumn<QString>("value");
        QTest::newRow("decode --threads 0") << "decode" << "threads" << "0";
        QTest::newRow("decode --threads foo") << "decode" << "threads" << "foo";
        QTest::newRow("decode --streams -1") << "decode" << "streams" << "-1";
        QTest::newRow("bench --threads 0") << "bench" << "threads" << "0";
        QTest::newRow("bench --streams auto,foo") << "bench" << "streams" << "auto,foo";
    }
    void cliRefusesBadCounts() {
        QFETCH(QString, command);
        QFETCH(QString, flag);
        QFETCH(QString, value);
        QVERIFY(dir_.isValid());
        const QString out = dir_.filePath("out.safetensors");
        QStringList args{command, "--vae", QString::fromStdString(kData + "/vae.safetensors"), "--" + flag, value,
                         "--tiling", "exact"};
        if (command == "decode") args << "--latents" << QString::fromStdString(kData + "/case.safetensors") << "--out" << out;
        else args << "--latent-shape" << "16x1x2x2";
        const CliResult r = runCli(args);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.stderrText.contains("--" + flag + ":"), qPrintable(r.stderrText));
        QVERIFY2(r.stderrText.contains("auto"), qPrintable(r.stderrText));
        QCOMPARE(r.stderrText.count('\n'), 0);  // one line
        QVERIFY(!QFile::exists(out));
    }

    // Auto changes who runs which tile, never the output; the choice is reported.
    void autoDecodeEqualsFixed() {
        const NamedTensors golden = readSafetensors(kData + "/case.safetensors");
        const WanVae vae = WanVae::load(kData + "/vae.safetensors", VaeParts::Decoder);
        DecodeSettings fixed;
        fixed.tiling = TilingMode::Exact;
        fixed.tilePx = 16;
        fixed.threads = 2;
        fixed.streams = 1;
        DecodeSettings automatic = fixed;
        automatic.streams = DecodeSettings::kAutoCount;
        automatic.threads = DecodeSettings::kAutoCount;
        RunStats fixedStats, autoStats;
        TraceStore trace;
        const at::Tensor a = decodeToTensor(vae, golden.at("latents"), fixed, &fixedStats);
        const at::Tensor b = decodeToTensor(vae, golden.at("latents"), automatic, &autoStats, &trace);
        const double err = test::maxAbs(a, b);
        QVERIFY2(err <= 1e-4, qPrintable(QString("max abs %1").arg(err)));
        QCOMPARE(fixedStats.workers, 1);
        QCOMPARE(fixedStats.threadsPerWorker, 2);
        QVERIFY(autoStats.tiles > 1);
        QVERIFY(autoStats.workers >= 1 && autoStats.workers <= autoStats.tiles);
        QVERIFY(autoStats.workers * autoStats.threadsPerWorker <= availableCores());
        QVERIFY2(autoStats.balanceReason.rfind("auto: ", 0) == 0, autoStats.balanceReason.c_str());
        // The tiles ran on the chosen workers and no others (a worker that starts late
        // may find the queue empty, so fewer can appear).
        std::set<int> workersSeen;
        for (const TileSpan& span : autoStats.schedule)
            if (span.tile >= 0 && span.label.rfind("retry", 0) != 0) workersSeen.insert(span.worker);
        QVERIFY(!workersSeen.empty());
        QVERIFY(*workersSeen.rbegin() < autoStats.workers);
        // The trace's run span records the choice.
        bool recorded = false;
        for (const TraceEvent& e : trace.eventsFrom(0)) {
            if (e.category != "run") continue;
            std::map<std::string, std::string> args(e.args.begin(), e.args.end());
            QCOMPARE(args["workers"], std::to_string(autoStats.workers));
            QCOMPARE(args["threads_per_worker"], std::to_string(autoStats.threadsPerWorker));
            QCOMPARE(args["balance_reason"], autoStats.balanceReason);
            recorded = true;
        }
        QVERIFY(recorded);
    }

    void benchJsonReportsTheChoice() {
        const CliResult r = runCli({"bench", "--vae", "builtin:tiny", "--latent-shape", "16x1x8x8", "--tiling", "exact",
                                    "--tile", "32", "--streams", "auto", "--threads", "1"});
        QCOMPARE(r.exitCode, 0);
        const QJsonObject o = r.jsonLines().last();
        QCOMPARE(o["settings"].toObject()["streams"].toString(), QString("auto"));
        QCOMPARE(o["settings"].toObject()["threads"].toString(), QString("1"));
        QCOMPARE(o["tiles"].toInt(), 4);
        // One thread in all: one worker, whatever the machine.
        QCOMPARE(o["workers"].toInt(), 1);
        QCOMPARE(o["threads_per_worker"].toInt(), 1);
        QVERIFY2(o["balance_reason"].toString().startsWith("auto: 1 worker x 1 thread"),
                 qPrintable(o["balance_reason"].toString()));
    }
};

QTEST_GUILESS_MAIN(TestCpuBalance)
#include "test_cpu_balance.moc"
