#include "progress_printer.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <unistd.h>

namespace ts::cli {

ProgressPrinter::ProgressPrinter(bool json, std::function<void(int, const at::Tensor&)> frameSink)
    : json_(json), terminal_(isatty(STDERR_FILENO) != 0), sink_(std::move(frameSink)) {}

void ProgressPrinter::onProgress(const DecodeProgress& p) {
    if (json_) {
        nlohmann::json j{{"event", "progress"},        {"chunks_done", p.chunksDone}, {"chunks_total", p.chunksTotal},
                         {"frames_done", p.framesDone}, {"frames_total", p.framesTotal}, {"elapsed_s", p.elapsedSeconds},
                         {"eta_s", p.etaSeconds},       {"stage", p.stage}};
        std::cout << j.dump() << std::endl;
        return;
    }
    if (!terminal_) return;
    const int width = 30;
    const int filled = p.chunksTotal > 0 ? width * p.chunksDone / p.chunksTotal : 0;
    std::fprintf(stderr, "\r[%s%s] %d/%d frames  %.1fs", std::string(filled, '#').c_str(),
                 std::string(width - filled, '.').c_str(), p.framesDone, p.framesTotal, p.elapsedSeconds);
    if (p.etaSeconds >= 0 && p.chunksDone < p.chunksTotal) std::fprintf(stderr, "  eta %.1fs", p.etaSeconds);
    std::fprintf(stderr, "   ");
    if (p.chunksDone == p.chunksTotal && p.stage == "done") std::fprintf(stderr, "\n");
    std::fflush(stderr);
}

void ProgressPrinter::onFrames(int first, const at::Tensor& frames) {
    if (sink_) sink_(first, frames);
}

}  // namespace ts::cli
