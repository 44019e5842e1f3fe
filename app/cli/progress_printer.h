#pragma once
// Shows decode progress: a one-line bar on a terminal's stderr, or JSON lines on stdout
// with --json (one object per event, for scripts and the sweep tools).
#include "decode/decode_observer.h"

#include <functional>
#include <iostream>

namespace ts::cli {

class ProgressPrinter : public DecodeObserver {
public:
    ProgressPrinter(bool json, std::function<void(int, const at::Tensor&)> frameSink);
    void onProgress(const DecodeProgress& p) override;
    void onFrames(int first, const at::Tensor& frames) override;
    // With --json, a reader that went away (`| head -1`) stops the run: its outputs are
    // removed as for any cancelled run (SIGPIPE is ignored, see interrupt_cleanup.h).
    bool cancelRequested() const override { return json_ && !std::cout; }
    TraceSink* traceSink() override { return trace_; }
    void setTraceSink(TraceSink* sink) { trace_ = sink; }

private:
    bool json_;
    bool terminal_;
    std::function<void(int, const at::Tensor&)> sink_;
    TraceSink* trace_ = nullptr;
};

}  // namespace ts::cli
