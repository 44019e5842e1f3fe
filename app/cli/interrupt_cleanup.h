#pragma once
// Ctrl-C (SIGINT), SIGTERM and SIGHUP stop tilescope-cli without leaving half-written
// outputs: the signals are taken by one thread (sigwait) instead of killing the process
// where it stands, and that thread removes this process's temporaries of every output the
// command line names (--out, --trace, --csv, --summary, --report; io/atomic_file.h), says
// so, and exits with 128 + the signal's number (130 for Ctrl-C), as a shell expects. A
// signal the process was started with ignored (nohup) stays ignored.
// Outputs already complete stay. SIGPIPE is ignored: a closed stdout is a failed write.
// Construct it first in main, before any other thread starts: threads inherit the
// blocked signals, so no other thread is interrupted.
#include <atomic>
#include <csignal>
#include <string>
#include <thread>
#include <vector>

namespace ts::cli {

class InterruptCleanup {
public:
    explicit InterruptCleanup(std::vector<std::string> outputPaths);
    ~InterruptCleanup();
    InterruptCleanup(const InterruptCleanup&) = delete;
    InterruptCleanup& operator=(const InterruptCleanup&) = delete;

    // The values of the output flags in a subcommand's arguments ("--out X", "--out=X").
    static std::vector<std::string> outputPathsIn(const std::vector<std::string>& args);

private:
    void waitForSignal();

    std::vector<std::string> outputs_;
    sigset_t watched_;  // what the watcher waits for (and every thread blocks)
    std::atomic<bool> stopping_{false};
    std::thread watcher_;
};

}  // namespace ts::cli
