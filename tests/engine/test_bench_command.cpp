// `tilescope-cli bench` as a script drives it: --warmup runs each configuration untimed
// first and reports those runs, every configuration of a sweep gets its own, and a bad
// count is refused before any work with a message naming the flag.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QtTest>

namespace {

struct CliResult {
    int exitCode = -1;
    QString stderrText;
    QList<QJsonObject> lines;  // one JSON object per stdout line
};

CliResult runBench(const QStringList& extra) {
    QProcess p;
    p.start(TILESCOPE_CLI_PATH, QStringList{"bench", "--vae", "builtin:tiny", "--latent-shape", "16x2x4x4",
                                            "--threads", "1"} + extra);
    p.waitForFinished(120000);
    CliResult r;
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.stderrText = QString::fromUtf8(p.readAllStandardError()).trimmed();
    for (const QByteArray& line : p.readAllStandardOutput().split('\n'))
        if (!line.trimmed().isEmpty()) r.lines.push_back(QJsonDocument::fromJson(line).object());
    return r;
}

}  // namespace

class TestBenchCommand : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void warmupRunsComeFirstAndAreReported() {
        const CliResult r = runBench({"--warmup", "2", "--tiling", "off,exact", "--tile", "16"});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.lines.size(), 2);  // one line per configuration of the sweep
        for (const QJsonObject& line : r.lines) {
            const QJsonArray warm = line.value("warmup_decode_s").toArray();
            QCOMPARE(warm.size(), 2);
            for (const QJsonValue& s : warm) QVERIFY(s.toDouble() > 0.0);
            QVERIFY(line.value("decode_s").toDouble() > 0.0);
        }
    }

    void noWarmupByDefault() {
        const CliResult r = runBench({});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.lines.size(), 1);
        QVERIFY(r.lines.front().value("warmup_decode_s").isArray());
        QCOMPARE(r.lines.front().value("warmup_decode_s").toArray().size(), 0);
    }

    void badCountsAreRefused_data() {
        QTest::addColumn<QString>("value");
        QTest::newRow("negative") << "-1";
        QTest::newRow("too many") << "101";
        QTest::newRow("not a number") << "two";
    }
    void badCountsAreRefused() {
        QFETCH(QString, value);
        const CliResult r = runBench({"--warmup", value});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.stderrText.contains("--warmup"), qPrintable(r.stderrText));
        QVERIFY(r.lines.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestBenchCommand)
#include "test_bench_command.moc"
