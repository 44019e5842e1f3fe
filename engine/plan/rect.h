#pragma once
// A half-open pixel rectangle [y0,y1) x [x0,x1) at one layer's resolution.
#include <algorithm>
#include <cstdint>

namespace ts {

struct Rect {
    std::int64_t y0 = 0, y1 = 0, x0 = 0, x1 = 0;

    std::int64_t height() const { return y1 - y0; }
    std::int64_t width() const { return x1 - x0; }
    std::int64_t area() const { return height() * width(); }
    bool empty() const { return y1 <= y0 || x1 <= x0; }
    bool contains(const Rect& o) const { return o.y0 >= y0 && o.y1 <= y1 && o.x0 >= x0 && o.x1 <= x1; }
    bool operator==(const Rect& o) const { return y0 == o.y0 && y1 == o.y1 && x0 == o.x0 && x1 == o.x1; }

    Rect grown(std::int64_t by) const { return {y0 - by, y1 + by, x0 - by, x1 + by}; }
    Rect clipped(std::int64_t height, std::int64_t width) const {
        return {std::max<std::int64_t>(y0, 0), std::min(y1, height), std::max<std::int64_t>(x0, 0), std::min(x1, width)};
    }
    // The region at half resolution whose nearest-2x upsampling covers this one.
    Rect halved() const { return {y0 / 2, (y1 + 1) / 2, x0 / 2, (x1 + 1) / 2}; }
    Rect scaled(std::int64_t f) const { return {y0 * f, y1 * f, x0 * f, x1 * f}; }
};

}  // namespace ts
