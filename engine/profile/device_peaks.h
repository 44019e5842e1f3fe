#pragma once
// What a device can do at most, for roofline figures and "% of peak" columns: counts and
// clocks from the CUDA runtime, dense tensor-core peaks from a preset table by device
// name (the runtime does not report them). Without a driver or GPU the query says why in
// `error` and leaves the numbers at 0.
#include <cstdint>
#include <optional>
#include <string>

namespace ts {

struct DevicePeaks {
    std::string name;
    int sms = 0;
    int smClockMHz = 0;
    int memClockMHz = 0;
    int busWidthBits = 0;
    std::int64_t memoryBytes = 0;
    double peakFp32Tflops = 0;   // dense, from the preset table (0 = unknown device)
    double peakBf16Tflops = 0;   // dense tensor-core, fp32 accumulate, from the preset table
    double peakTf32Tflops = 0;   // dense tensor-core TF32 (fp32 runs with --tf32), from the table
    double peakBandwidthGBs = 0; // memClock * 2 (double data rate) * bus width / 8
    std::string error;           // empty on success
};

struct DevicePreset {
    double fp32Tflops;
    double bf16Tflops;  // with fp32 accumulation, as LibTorch runs it
    double tf32Tflops;
};

// Matches a runtime device name ("NVIDIA H100 80GB HBM3") against the table.
std::optional<DevicePreset> devicePresetFor(const std::string& deviceName);

// Bandwidth in GB/s (1e9 bytes/s) from the memory clock in MHz and the bus width.
double bandwidthGBs(int memClockMHz, int busWidthBits);

DevicePeaks queryDevicePeaks(int deviceIndex);

}  // namespace ts
