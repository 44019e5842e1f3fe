#include "profile/nvtx_range.h"

#if TILESCOPE_WITH_NVTX
#include <nvtx3/nvToolsExt.h>
#endif

namespace ts {

#if TILESCOPE_WITH_NVTX
void nvtxPushRange(const std::string& name) { nvtxRangePushA(name.c_str()); }
void nvtxPopRange() { nvtxRangePop(); }
bool nvtxCompiledIn() { return true; }
#else
void nvtxPushRange(const std::string&) {}
void nvtxPopRange() {}
bool nvtxCompiledIn() { return false; }
#endif

}  // namespace ts
