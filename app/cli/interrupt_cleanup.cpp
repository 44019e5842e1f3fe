#include "interrupt_cleanup.h"

#include "cli_args.h"

#include "io/atomic_file.h"

#include <csignal>
#include <cstdio>
#include <cstring>

#include <pthread.h>
#include <unistd.h>

namespace ts::cli {

namespace {

// SIGUSR1 only wakes the watcher when the program ends normally. A signal the process
// was started with ignored (nohup's SIGHUP, SIGINT for a script's `cmd &`) stays ignored:
// a blocked signal would be taken by sigwait even so.
sigset_t watchedSignals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    for (int s : {SIGINT, SIGTERM, SIGHUP}) {
        struct sigaction current {};
        if (sigaction(s, nullptr, &current) == 0 && current.sa_handler == SIG_IGN) continue;
        sigaddset(&set, s);
    }
    return set;
}

}  // namespace

std::vector<std::string> InterruptCleanup::outputPathsIn(const std::vector<std::string>& args) {
    std::vector<std::string> paths;
    for (std::size_t i = 0; i < args.size(); ++i) {
        for (const std::string& name : outputFileFlags()) {
            const std::string f = "--" + name;
            if (args[i] == f && i + 1 < args.size())
                paths.push_back(args[i + 1]);
            else if (args[i].compare(0, f.size() + 1, f + "=") == 0)
                paths.push_back(args[i].substr(f.size() + 1));
        }
    }
    return paths;
}

InterruptCleanup::InterruptCleanup(std::vector<std::string> outputPaths) : outputs_(std::move(outputPaths)) {
    // A closed stdout (`| head -1`) would kill the process where it stands (SIGPIPE goes to
    // the writing thread, not to the watcher): a failed write instead, which --json's
    // progress turns into a cancelled run that cleans up after itself.
    std::signal(SIGPIPE, SIG_IGN);
    watched_ = watchedSignals();
    pthread_sigmask(SIG_BLOCK, &watched_, nullptr);
    watcher_ = std::thread([this] { waitForSignal(); });
}

InterruptCleanup::~InterruptCleanup() {
    stopping_ = true;
    pthread_kill(watcher_.native_handle(), SIGUSR1);
    watcher_.join();
}

void InterruptCleanup::waitForSignal() {
    int sig = 0;
    for (;;) {
        if (sigwait(&watched_, &sig) != 0) continue;
        if (sig != SIGUSR1) break;
        if (stopping_) return;  // the program is ending on its own (a stray SIGUSR1 is ignored)
    }
    // The other threads run on until _exit. A temporary removed here and still being
    // written is an unlinked file, and its commit fails; one created in the microseconds
    // between this scan and _exit would stay (its name says which process left it).
    for (const std::string& path : outputs_) removeOwnTemporaries(path);
    char line[160];
    std::snprintf(line, sizeof line, "\ntilescope-cli: interrupted (%s); unfinished outputs removed\n",
                  sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP");
    const ssize_t ignored = ::write(STDERR_FILENO, line, std::strlen(line));
    (void)ignored;
    ::_exit(128 + sig);
}

}  // namespace ts::cli
