// `tilescope-cli bench` as a script drives it: --warmup runs each configuration untimed
// first and reports those runs, every configuration of a sweep gets its own, and a bad
// count is refused before any work with a message naming the flag.
#include "cli_runner.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QtTest>

namespace {

// A bench of the tiny built-in model on a 2x4x4 latent: fast enough to run a sweep.
ts::test::CliResult runBench(const QStringList& extra) {
    return ts::test::runCli(QStringList{"bench", "--vae", "builtin:tiny", "--latent-shape", "16x2x4x4", "--threads", "1"} +
                            extra);
}

}  // namespace

class TestBenchCommand : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void warmupRunsComeFirstAndAreReported() {
        const ts::test::CliResult r = runBench({"--warmup", "2", "--tiling", "off,exact", "--tile", "16"});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.jsonLines().size(), 2);  // one line per configuration of the sweep
        for (const QJsonObject& line : r.jsonLines()) {
            const QJsonArray warm = line.value("warmup_decode_s").toArray();
            QCOMPARE(warm.size(), 2);
            for (const QJsonValue& s : warm) QVERIFY(s.toDouble() > 0.0);
            QVERIFY(line.value("decode_s").toDouble() > 0.0);
        }
    }

    void noWarmupByDefault() {
        const ts::test::CliResult r = runBench({});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.jsonLines().size(), 1);
        QVERIFY(r.jsonLines().front().value("warmup_decode_s").isArray());
        QCOMPARE(r.jsonLines().front().value("warmup_decode_s").toArray().size(), 0);
    }

    // Each configuration says what CUPTI recorded for it: on a GPU the record counts of its
    // own session; on the CPU (this machine) nothing, as JSON null, in every line.
    void cuptiResultPerConfiguration() {
        const ts::test::CliResult r = runBench({"--tiling", "off,exact", "--tile", "16", "--profile", "on"});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.jsonLines().size(), 2);
        for (const QJsonObject& line : r.jsonLines()) {
            QVERIFY2(line.contains("cupti"), "no cupti field");
            QVERIFY(line.value("cupti").isNull());
        }
    }

    void hostBlockSwitchesReachTheAllocator() {
        // 16x2x16x16 on the tiny model: activations of 1-2 MiB, over unmap-freed's minimum.
        const auto blockStats = [](const QString& opt) {
            const ts::test::CliResult r = ts::test::runCli(
                {"bench", "--vae", "builtin:tiny", "--latent-shape", "16x2x16x16", "--threads", "1", "--opt", opt});
            return r.exitCode == 0 && r.jsonLines().size() == 1 ? r.jsonLines().front().value("block_cache").toObject()
                                                                : QJsonObject{{"failed", r.stderrText}};
        };
        const QJsonObject unmap = blockStats("unmap-freed");
        QVERIFY2(unmap.value("misses").toInt() > 0, qPrintable(QJsonDocument(unmap).toJson()));
        QCOMPARE(unmap.value("hits").toInt(), 0);  // cap 0: nothing kept, every block mapped afresh
        QCOMPARE(unmap.value("peak_kept_bytes").toInt(), 0);
        const QJsonObject kept = blockStats("unmap-freed,block-cache");
        QVERIFY2(kept.value("hits").toInt() > kept.value("misses").toInt(), qPrintable(QJsonDocument(kept).toJson()));
        QVERIFY(blockStats("all").isEmpty());  // null: neither switch
    }

    void badCountsAreRefused_data() {
        QTest::addColumn<QString>("value");
        QTest::newRow("negative") << "-1";
        QTest::newRow("too many") << "101";
        QTest::newRow("not a number") << "two";
    }
    void badCountsAreRefused() {
        QFETCH(QString, value);
        const ts::test::CliResult r = runBench({"--warmup", value});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.stderrText.contains("--warmup"), qPrintable(r.stderrText));
        QVERIFY(r.jsonLines().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestBenchCommand)
#include "test_bench_command.moc"
