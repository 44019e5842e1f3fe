#pragma once
// The one exception type the engine throws for anything a user can cause or see.
// Its kind decides the CLI's exit code (usage/input -> 2, everything else -> 1),
// so every message must name the file or option and the problem in one line.
#include <stdexcept>
#include <string>

namespace ts {

enum class ErrorKind {
    Usage,        // a bad option value or combination
    Input,        // a bad file: missing, truncated, wrong shape, NaN...
    Unsupported,  // valid request this build/device cannot run (e.g. fp16 conv3d on CPU)
    OutOfMemory,  // device or budget exhausted
    Cancelled,    // the user asked to stop
    Runtime       // anything else that went wrong
};

class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, const std::string& message)
        : std::runtime_error(message), kind_(kind) {}
    ErrorKind kind() const { return kind_; }

private:
    ErrorKind kind_;
};

[[noreturn]] inline void throwUsage(const std::string& m) { throw Error(ErrorKind::Usage, m); }
[[noreturn]] inline void throwInput(const std::string& m) { throw Error(ErrorKind::Input, m); }
[[noreturn]] inline void throwUnsupported(const std::string& m) { throw Error(ErrorKind::Unsupported, m); }
[[noreturn]] inline void throwRuntime(const std::string& m) { throw Error(ErrorKind::Runtime, m); }

// Exit code convention shared by the CLI and the tests: 0 done, 2 bad usage or
// bad input, 1 other failure.
inline int exitCodeFor(ErrorKind kind) {
    switch (kind) {
    case ErrorKind::Usage:
    case ErrorKind::Input:
    case ErrorKind::Unsupported:
        return 2;
    default:
        return 1;
    }
}

}  // namespace ts
