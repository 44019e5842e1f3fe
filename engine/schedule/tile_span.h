#pragma once
// What actually ran: one record per tile (or per shared prefix), with the worker and
// stream it ran on and when, on the host's steady clock. The profiler and the GUI
// timeline read it; it is filled by the scheduler as tiles finish.
#include <cstdint>
#include <string>

namespace ts {

struct TileSpan {
    int tile = -1;            // -1: the shared prefix (exact) or the untiled run
    int worker = 0;           // 0..streams-1
    std::int64_t streamId = 0;  // the device stream's id (0 on the CPU)
    double startSeconds = 0;  // since the run started
    double endSeconds = 0;
    std::int64_t macs = 0;    // multiply-adds it executed
    std::string label;        // "prefix", "tile 3 (r1 c0)"
};

}  // namespace ts
