#pragma once
// Device memory as the CUDA runtime sees it (the whole device, all processes), for
// benchmarks and the VRAM graph. Compiled against the CUDA runtime when the toolkit is
// present; without a driver or GPU every query returns -1 and says why in `error`.
#include <cstdint>
#include <string>

namespace ts {

struct DeviceMemory {
    std::int64_t usedBytes = -1;
    std::int64_t totalBytes = -1;
    std::string error;  // empty on success
};

DeviceMemory queryDeviceMemory(int deviceIndex);

}  // namespace ts
