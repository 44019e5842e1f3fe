#pragma once
// File > Open Trace: a Chrome trace written by tilescope-cli --trace (on a headless GPU
// server, say) read off the GUI thread and handed over as a ReopenedRun, which the run
// reopener shows in the main views as it shows a run from the history: its timeline with
// the launch flows, its memory graph, its numbers and File > Export. A trace has no
// frames; its metadata gives the settings and times the CLI recorded.
#include "reopened_run.h"

#include <QObject>
#include <QString>

#include <nlohmann/json_fwd.hpp>

#include <thread>

namespace tsui {

// The history row a trace file stands for: its settings, times and work from the CLI's
// "run" metadata where present, the file's name as its latents and its modification time
// as when it finished.
RunRecord recordOfTrace(const QString& path, const nlohmann::json& metadata);

class TraceImporter : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;
    ~TraceImporter() override;  // waits for a read in progress
    // Starts reading `path` on a thread of its own; false while another read is in
    // progress (each holds a whole trace in memory).
    bool open(const QString& path);
    bool isBusy() const { return pending_ != 0; }

Q_SIGNALS:
    void opened(const tsui::ReopenedRun& run);
    void failed(const QString& path, const QString& error);  // error names the file

private:
    int pending_ = 0;
    std::thread thread_;
};

}  // namespace tsui
