#pragma once
// A minimal PNG encoder: 8-bit RGB, no interlace, one IDAT, zlib from the system.
// Enough for the decoded frames; encodePng (video_writer.h) maps [-1,1] onto it.
#include <cstdint>
#include <string>

namespace ts {

// rgb: height rows of width*3 bytes, tightly packed. Returns the PNG file's bytes.
std::string encodePngRgb8(const std::uint8_t* rgb, int width, int height);

}  // namespace ts
