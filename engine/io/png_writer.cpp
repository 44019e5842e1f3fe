#include "io/png_writer.h"

#include "core/error.h"
#include "io/video_writer.h"

#include <ATen/ATen.h>
#include <zlib.h>

#include <vector>

namespace ts {

namespace {

void putU32(std::string& out, std::uint32_t v) {
    out.push_back(static_cast<char>(v >> 24));
    out.push_back(static_cast<char>(v >> 16));
    out.push_back(static_cast<char>(v >> 8));
    out.push_back(static_cast<char>(v));
}

// length, type, data, CRC over type+data (PNG spec 5.3).
void putChunk(std::string& out, const char type[4], const std::uint8_t* data, std::size_t size) {
    putU32(out, static_cast<std::uint32_t>(size));
    const std::size_t typeAt = out.size();
    out.append(type, 4);
    if (size > 0) out.append(reinterpret_cast<const char*>(data), size);
    const uLong crc = crc32(crc32(0L, Z_NULL, 0),
                            reinterpret_cast<const Bytef*>(out.data() + typeAt), static_cast<uInt>(size + 4));
    putU32(out, static_cast<std::uint32_t>(crc));
}

}  // namespace

std::string encodePngRgb8(const std::uint8_t* rgb, int width, int height) {
    if (width <= 0 || height <= 0) throwRuntime("PNG: empty image");
    const std::size_t rowBytes = static_cast<std::size_t>(width) * 3;
    // Each scanline starts with its filter type. "Sub" (1) costs little and makes smooth
    // video frames compress far better than raw bytes.
    std::vector<std::uint8_t> raw((rowBytes + 1) * static_cast<std::size_t>(height));
    for (int y = 0; y < height; ++y) {
        const std::uint8_t* src = rgb + rowBytes * y;
        std::uint8_t* dst = raw.data() + (rowBytes + 1) * y;
        dst[0] = 1;
        for (std::size_t i = 0; i < rowBytes; ++i)
            dst[1 + i] = static_cast<std::uint8_t>(src[i] - (i >= 3 ? src[i - 3] : 0));
    }
    uLongf zsize = compressBound(static_cast<uLong>(raw.size()));
    std::vector<std::uint8_t> z(zsize);
    // Level 6 (zlib default) is a good size/speed balance; PNG writing must not dominate a decode.
    if (compress2(z.data(), &zsize, raw.data(), static_cast<uLong>(raw.size()), 6) != Z_OK)
        throwRuntime("PNG: zlib compression failed");

    std::string out("\x89PNG\r\n\x1a\n", 8);
    std::uint8_t ihdr[13] = {};
    for (int i = 0; i < 4; ++i) {
        ihdr[i] = static_cast<std::uint8_t>(static_cast<std::uint32_t>(width) >> (24 - 8 * i));
        ihdr[4 + i] = static_cast<std::uint8_t>(static_cast<std::uint32_t>(height) >> (24 - 8 * i));
    }
    ihdr[8] = 8;   // bit depth
    ihdr[9] = 2;   // colour type: truecolour RGB
    // compression, filter method, interlace: all 0
    putChunk(out, "IHDR", ihdr, sizeof ihdr);
    putChunk(out, "IDAT", z.data(), zsize);
    putChunk(out, "IEND", nullptr, 0);
    return out;
}

std::string encodePng(const at::Tensor& frameCHW) {
    at::Tensor f = frameCHW;
    if (f.dim() == 4 && f.size(1) == 1) f = f.select(1, 0);  // [3,1,H,W]: one frame of a chunk
    if (f.dim() != 3 || f.size(0) != 3) throwRuntime("encodePng: expected one frame [3,H,W]");
    // [-1,1] -> 0..255 with rounding; clamp first so out-of-range values saturate, and
    // NaN (a diverged decode) becomes mid-grey rather than an undefined byte cast.
    at::Tensor bytes = ((f.to(at::kFloat).nan_to_num(0.0).clamp(-1.0, 1.0) + 1.0) * 127.5)
                           .round()
                           .to(at::kByte)
                           .permute({1, 2, 0})  // HWC: interleaved RGB rows
                           .contiguous();
    return encodePngRgb8(bytes.data_ptr<std::uint8_t>(), static_cast<int>(f.size(2)), static_cast<int>(f.size(1)));
}

}  // namespace ts
