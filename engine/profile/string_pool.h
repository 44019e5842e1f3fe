#pragma once
// Interned strings: each distinct string is kept once and named by a dense 32-bit id.
// A trace repeats the same few hundred op names, categories, argument keys and shape
// strings hundreds of thousands of times; storing ids instead of copies is what keeps a
// long profiled run's trace small (trace_store.h). Not thread-safe: the owner locks.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ts {

class StringPool {
public:
    StringPool() = default;
    // The lookup keys point into this pool's own strings: a copy would point into the
    // original's.
    StringPool(const StringPool&) = delete;
    StringPool& operator=(const StringPool&) = delete;

    std::uint32_t intern(std::string_view text);
    const std::string& text(std::uint32_t id) const { return strings_[id]; }
    std::size_t size() const { return strings_.size(); }
    // A pool with the same strings under the same ids (the lookup keys of a plain copy
    // would point into this pool).
    void copyFrom(const StringPool& other);
    // Heap bytes the pool holds (strings and the lookup table), for the trace's own
    // footprint; an estimate from sizes and capacities, not a malloc count.
    std::size_t bytesHeld() const;

private:
    std::deque<std::string> strings_;  // a deque never moves its elements: the keys below point into them
    std::unordered_map<std::string_view, std::uint32_t> ids_;
    std::size_t textBytes_ = 0;
};

}  // namespace ts
