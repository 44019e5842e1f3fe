#pragma once
// Copies a CUPTI record out of its activity buffer. CUPTI aligns records to 8 bytes, but
// a copy keeps the handlers independent of that and of the buffer's lifetime. Shared by
// the translator's .cpp files (internal to engine/profile).
#include <cstring>

namespace ts::cupti_detail {

template <typename T>
T load(const void* record) {
    T value;
    std::memcpy(&value, record, sizeof(T));
    return value;
}

}  // namespace ts::cupti_detail
