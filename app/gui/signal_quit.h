#pragma once
// Ctrl-C, SIGTERM or SIGHUP in the GUI's terminal close the window as its Quit does, instead
// of killing the process where it stands: the running decode is cancelled, the run store
// and exports still being written finish (the application waits for its pool), and no
// temporary is left behind. The handler only writes the signal's number to a pipe; Qt reads
// it on the GUI thread (the pattern of Qt's "Calling Qt Functions From Unix Signal
// Handlers"). Signals the process was started with ignored stay ignored.
#include <QObject>

#include <functional>

class QSocketNotifier;

namespace tsgui {

class SignalQuit : public QObject {
public:
    // quit(signal) runs on the GUI thread for the first signal; a second one kills the
    // process the default way (the user insists).
    explicit SignalQuit(std::function<void(int signal)> quit, QObject* parent = nullptr);
    ~SignalQuit() override;
    bool installed() const { return notifier_ != nullptr; }

private:
    std::function<void(int)> quit_;
    QSocketNotifier* notifier_ = nullptr;
    int fds_[2] = {-1, -1};
};

}  // namespace tsgui
