#pragma once
// Runs tilescope-cli as a user would (the suites that test a command end to end): its exit
// code, whether it crashed, and what it printed. TILESCOPE_CLI_PATH comes from
// tests/CMakeLists.txt.
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QProcess>
#include <QString>
#include <QStringList>

namespace ts::test {

struct CliResult {
    int exitCode = -1;     // -1 when it crashed or did not finish in time
    bool crashed = false;  // killed by a signal (a crash is never an acceptable answer to bad input)
    QString stdoutText;    // trimmed
    QString stderrText;    // trimmed

    // Both streams, for checks that do not care which one a line went to.
    QString allText() const { return stdoutText + '\n' + stderrText; }

    // stdout's lines parsed as JSON objects (bench, --json), skipping blank lines.
    QList<QJsonObject> jsonLines() const {
        QList<QJsonObject> lines;
        for (const QString& line : stdoutText.split('\n'))
            if (!line.trimmed().isEmpty()) lines.push_back(QJsonDocument::fromJson(line.toUtf8()).object());
        return lines;
    }
};

inline CliResult runCli(const QStringList& args, int timeoutMs = 300000) {
    QProcess p;
    p.start(TILESCOPE_CLI_PATH, args);
    const bool finished = p.waitForFinished(timeoutMs);
    if (!finished) {
        p.kill();
        p.waitForFinished();
    }
    CliResult r;
    r.crashed = p.exitStatus() != QProcess::NormalExit;
    r.exitCode = finished && !r.crashed ? p.exitCode() : -1;
    r.stdoutText = QString::fromUtf8(p.readAllStandardOutput()).trimmed();
    r.stderrText = QString::fromUtf8(p.readAllStandardError()).trimmed();
    return r;
}

}  // namespace ts::test
