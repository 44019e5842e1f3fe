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
    int exitCode = -1;      // -1 when it crashed, did not start or did not finish in time
    bool crashed = false;   // killed by a signal (a crash is never an acceptable answer to bad input)
    bool timedOut = false;  // killed by runCli after timeoutMs (then crashed is false)
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

// Runs `program` (tilescope-cli unless given) with `args`. What went wrong with the process
// itself (did not start, timed out) is appended to stderrText, so a check's message says it.
inline CliResult runCli(const QStringList& args, int timeoutMs = 120000,
                        const QString& program = QStringLiteral(TILESCOPE_CLI_PATH)) {
    QProcess p;
    p.start(program, args);
    CliResult r;
    if (!p.waitForStarted(30000)) {
        r.stderrText = QStringLiteral("[runCli: %1 did not start: %2]").arg(program, p.errorString());
        return r;
    }
    r.timedOut = !p.waitForFinished(timeoutMs);
    if (r.timedOut) {
        p.kill();
        p.waitForFinished();
    }
    r.crashed = !r.timedOut && p.exitStatus() != QProcess::NormalExit;
    r.exitCode = r.timedOut || r.crashed ? -1 : p.exitCode();
    r.stdoutText = QString::fromUtf8(p.readAllStandardOutput()).trimmed();
    r.stderrText = QString::fromUtf8(p.readAllStandardError()).trimmed();
    if (r.timedOut) r.stderrText += QStringLiteral("\n[runCli: killed after %1 s]").arg(timeoutMs / 1000);
    return r;
}

}  // namespace ts::test
