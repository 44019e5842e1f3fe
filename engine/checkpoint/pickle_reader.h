#pragma once
// A restricted unpickler for torch.save's data.pkl. It executes nothing: globals are
// checked against a short whitelist (containers, tensor rebuild functions, storage
// classes) when they are named, and the few it accepts are interpreted here.
// Tensors come back as references into storage records, so a loader reads the bytes
// of only the tensors it keeps.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ts::pickle {

struct Value;
using ValuePtr = std::shared_ptr<Value>;

struct StorageRef {
    std::string key;       // the record name under <archive>/data/
    at::ScalarType dtype;  // from the storage class
};

struct TensorRef {
    std::shared_ptr<StorageRef> storage;
    std::int64_t offset = 0;  // in elements
    std::vector<std::int64_t> size, stride;
};

struct Value {
    enum class Kind { None, Bool, Int, Float, Str, Bytes, Tuple, List, Dict, Global, Storage, Tensor };
    Kind kind = Kind::None;
    std::int64_t i = 0;  // Bool, Int
    double f = 0;        // Float
    std::string s;       // Str, Bytes, Global ("module.name")
    std::vector<ValuePtr> items;                           // Tuple, List
    std::vector<std::pair<ValuePtr, ValuePtr>> dict;       // Dict, in insertion order
    std::shared_ptr<StorageRef> storage;                   // Storage
    std::shared_ptr<TensorRef> tensor;                     // Tensor

    Value() = default;
    Value(const Value&) = delete;
    Value& operator=(const Value&) = delete;
    // Releases nested values with a worklist, not by recursion: a pickle of lists nested
    // 200,000 deep (400 KB) would overflow the stack in the default destructor.
    ~Value();
};

// Parses a pickle; `where` (the file's path) starts every error message.
ValuePtr unpickle(const std::string& data, const std::string& where);

}  // namespace ts::pickle
