#include "profile/string_pool.h"

namespace ts {

std::uint32_t StringPool::intern(std::string_view text) {
    const auto it = ids_.find(text);
    if (it != ids_.end()) return it->second;
    const auto id = static_cast<std::uint32_t>(strings_.size());
    const std::string& stored = strings_.emplace_back(text);
    ids_.emplace(std::string_view(stored), id);
    // Short strings live inside the std::string object itself (no heap block; 15
    // characters in libstdc++, 22 in libc++: an estimate either way).
    if (stored.capacity() > 15) textBytes_ += stored.capacity() + 1;
    return id;
}

void StringPool::copyFrom(const StringPool& other) {
    strings_.clear();
    ids_.clear();
    textBytes_ = 0;
    for (const std::string& text : other.strings_) intern(text);  // in id order: the same ids
}

std::size_t StringPool::bytesHeld() const {
    // Per entry: the string object, a hash node (key view, id, next pointer, cached hash)
    // and its bucket pointer.
    const std::size_t perEntry = sizeof(std::string) + sizeof(std::string_view) + 3 * sizeof(void*) + sizeof(void*);
    return strings_.size() * perEntry + ids_.bucket_count() * sizeof(void*) + textBytes_;
}

}  // namespace ts
