#include "signal_quit.h"

#include <QSocketNotifier>

#include <csignal>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tsgui {

namespace {

// The one thing a POSIX signal handler may touch: the pipe's write end, set before the
// handlers are installed and cleared (with them) before the pipe closes.
volatile sig_atomic_t gWriteFd = -1;

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};

void onSignal(int sig) {
    const int fd = gWriteFd;
    if (fd < 0) return;
    const unsigned char byte = static_cast<unsigned char>(sig);
    const ssize_t ignored = ::write(fd, &byte, 1);
    (void)ignored;
    std::signal(sig, SIG_DFL);  // a second one ends the process at once
}

}  // namespace

SignalQuit::SignalQuit(std::function<void(int)> quit, QObject* parent) : QObject(parent), quit_(std::move(quit)) {
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds_) != 0) return;
    ::fcntl(fds_[0], F_SETFL, O_NONBLOCK);
    ::fcntl(fds_[1], F_SETFL, O_NONBLOCK);
    gWriteFd = fds_[1];
    for (int s : kSignals) {
        struct sigaction current {};
        if (sigaction(s, nullptr, &current) == 0 && current.sa_handler == SIG_IGN) continue;  // nohup
        struct sigaction act {};
        act.sa_handler = onSignal;
        sigemptyset(&act.sa_mask);
        act.sa_flags = SA_RESTART;
        sigaction(s, &act, nullptr);
    }
    notifier_ = new QSocketNotifier(fds_[0], QSocketNotifier::Read, this);
    connect(notifier_, &QSocketNotifier::activated, this, [this] {
        unsigned char sig = 0;
        if (::read(fds_[0], &sig, 1) == 1 && quit_) {
            auto quit = std::move(quit_);  // once
            quit_ = nullptr;
            quit(sig);
        }
    });
}

SignalQuit::~SignalQuit() {
    for (int s : kSignals) {
        struct sigaction current {};
        if (sigaction(s, nullptr, &current) == 0 && current.sa_handler == onSignal) std::signal(s, SIG_DFL);
    }
    gWriteFd = -1;
    for (int fd : fds_)
        if (fd >= 0) ::close(fd);
}

}  // namespace tsgui
