#include "profile/device_peaks.h"

#ifdef TILESCOPE_WITH_CUDA
#include <cuda_runtime_api.h>
#endif

namespace ts {

namespace {

struct PresetRow {
    const char* nameContains;  // matched as a substring of the runtime's device name
    DevicePreset peaks;
};

// Dense (no structured sparsity) peaks at boost clock, TFLOP/s, from the vendor datasheets:
// NVIDIA GeForce RTX 3090 Ti / RTX 4090 product specifications and the Ampere GA102 and
// Ada AD102 whitepapers; NVIDIA A100 Tensor Core GPU datasheet; NVIDIA H100 Tensor Core GPU
// datasheet (SXM and PCIe columns); NVIDIA H200 Tensor Core GPU datasheet (SXM column).
// The runtime reports no tensor-core rate, hence the table. Order matters: the first row
// whose text occurs in the name wins, so variants come before their family.
constexpr PresetRow kPresets[] = {
    // Dense figures of NVIDIA's data sheets and architecture papers. GeForce parts run
    // half-precision tensor maths with fp32 accumulation (LibTorch's choice) at half the
    // rate of fp16 accumulation: 80, not 160, on a 3090 Ti.
    {"RTX 3090 Ti", {40.0, 80.0, 40.0}},
    {"RTX 4090", {82.6, 165.2, 82.6}},
    {"A100", {19.5, 312.0, 156.0}},  // SXM and PCIe share these peaks
    {"H100 PCIe", {51.0, 756.0, 378.0}},
    {"H100 80GB HBM3", {67.0, 989.0, 494.7}},  // the SXM5 part's runtime name
    {"H100 SXM", {67.0, 989.0, 494.7}},
    {"H200", {67.0, 989.0, 494.7}},
};

}  // namespace

std::optional<DevicePreset> devicePresetFor(const std::string& deviceName) {
    // NVL variants (H100 NVL, H200 NVL) run at lower clocks than the SXM parts: no preset
    // rather than a wrong one.
    if (deviceName.find("NVL") != std::string::npos) return std::nullopt;
    for (const PresetRow& row : kPresets)
        if (deviceName.find(row.nameContains) != std::string::npos) return row.peaks;
    return std::nullopt;
}

double bandwidthGBs(int memClockMHz, int busWidthBits) {
    // Double data rate: two transfers per memory clock, busWidth/8 bytes per transfer.
    return static_cast<double>(memClockMHz) * 1e6 * 2.0 * (busWidthBits / 8.0) / 1e9;
}

DevicePeaks queryDevicePeaks(int deviceIndex) {
    DevicePeaks p;
#ifdef TILESCOPE_WITH_CUDA
    cudaDeviceProp prop{};
    cudaError_t err = cudaGetDeviceProperties(&prop, deviceIndex);
    int smClockKHz = 0, memClockKHz = 0;
    // CUDA 13 dropped the clock fields from cudaDeviceProp; attributes still have them.
    if (err == cudaSuccess) err = cudaDeviceGetAttribute(&smClockKHz, cudaDevAttrClockRate, deviceIndex);
    if (err == cudaSuccess) err = cudaDeviceGetAttribute(&memClockKHz, cudaDevAttrMemoryClockRate, deviceIndex);
    if (err != cudaSuccess) {
        p.error = cudaGetErrorString(err);
        cudaGetLastError();  // clear the sticky error so later calls are unaffected
        return p;
    }
    p.name = prop.name;
    p.sms = prop.multiProcessorCount;
    p.smClockMHz = smClockKHz / 1000;
    p.memClockMHz = memClockKHz / 1000;
    p.busWidthBits = prop.memoryBusWidth;
    p.memoryBytes = static_cast<std::int64_t>(prop.totalGlobalMem);
    p.peakBandwidthGBs = bandwidthGBs(p.memClockMHz, p.busWidthBits);
    if (auto preset = devicePresetFor(p.name)) {
        p.peakFp32Tflops = preset->fp32Tflops;
        p.peakBf16Tflops = preset->bf16Tflops;
        p.peakTf32Tflops = preset->tf32Tflops;
    }
#else
    (void)deviceIndex;
    p.error = "built without CUDA";
#endif
    return p;
}

}  // namespace ts
