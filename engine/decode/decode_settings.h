#pragma once
// Every user-tunable setting of a decode, validated where it enters: parse* and
// validate() throw ts::Error(Usage) naming the option and the accepted values.
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include "model/graph_options.h"

#include <cstdint>
#include <string>

namespace ts {

enum class Precision { FP32, FP16, BF16 };
enum class TilingMode { Off, Blend, Exact };

Precision parsePrecision(const std::string& text);    // fp32|fp16|bf16
TilingMode parseTilingMode(const std::string& text);  // off|blend|exact
c10::Device parseDevice(const std::string& text);     // cpu|cuda|cuda:N
// --streams N|auto (1..64) and --threads N|auto (1..1024); auto is kAutoCount. Zero,
// negative and non-numbers are refused naming the option.
int parseStreams(const std::string& text);
int parseThreads(const std::string& text);
std::string countText(int count);  // "auto" for kAutoCount, else the number
std::string toString(Precision p);
std::string toString(TilingMode m);
c10::ScalarType scalarTypeOf(Precision p);

struct DecodeSettings {
    std::string device = "cpu";
    Precision precision = Precision::FP32;
    TilingMode tiling = TilingMode::Off;
    int tilePx = 256;     // output pixels, multiple of 8
    int overlapPx = 32;   // output pixels, multiple of 8
    // kAutoCount: chosen per run for the machine and the plan (schedule/cpu_balance.h);
    // RunStats reports what was chosen.
    static constexpr int kAutoCount = 0;
    int streams = 1;      // concurrent tile workers; kAutoCount = auto
    int threads = kAutoCount;  // CPU intra-op threads of all workers together; auto = every core
    bool rawLatents = false;  // latents are not normalised (skip de-normalisation)
    // fp32 on CUDA: allow TensorFloat-32 convolutions and matmuls (faster, ~1e-3 error).
    // Off by default so fp32 is exact to the reference.
    bool allowTf32 = false;
    // Memory budget in bytes: 0 none, -1 auto (free device memory / available RAM).
    // Untiled runs that would exceed it become exact tiled runs; tiles that would, split.
    std::int64_t maxMemoryBytes = 0;
    // CUDA: cap LibTorch's caching allocator at this many bytes, as on a smaller card
    // (0: the whole device). Runs over it meet real out-of-memory errors (tiles are split
    // and retried); --max-memory auto plans within it. gpu/cuda_allocator.h.
    std::int64_t simulateVramBytes = 0;
    // Graph and memory optimisations (--opt); every exact one by default.
    GraphOptions graph = GraphOptions::allExact();

    // Checks ranges and that this build can run the combination; throws naming the
    // option. Settings not implemented yet are refused, never silently ignored.
    void validate() const;
    int effectiveThreads() const;  // threads, or the cores this process may use when auto
    // The untiled decode a seam check compares a tiled run with: the same device,
    // precision and options, tiling off, one stream (decode --check-seams, the GUI's
    // Seam check).
    DecodeSettings untiledReference() const;
};

}  // namespace ts
