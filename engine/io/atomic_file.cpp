#include "io/atomic_file.h"

#include "core/error.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

#include <unistd.h>

namespace fs = std::filesystem;

namespace ts {

namespace {

// pid + process-wide counter: unique among concurrent runs and among several outputs of
// one run, without asking the filesystem (mkstemp does not cover directories).
std::string tempNameFor(const std::string& finalPath) {
    static std::atomic<unsigned> counter{0};
    return finalPath + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

[[noreturn]] void throwCannotWrite(const std::string& finalPath, const std::string& why) {
    throwInput(finalPath + ": cannot write output: " + why);
}

}  // namespace

AtomicOutput::AtomicOutput(std::string finalPath, Kind kind)
    : final_(std::move(finalPath)), kind_(kind) {
    if (final_.empty()) throwUsage("output path is empty");
    // The temporary must sit in the final path's directory: rename() is atomic only
    // within one filesystem.
    temp_ = tempNameFor(final_);
    if (kind_ == Kind::Directory) {
        std::error_code ec;
        if (!fs::create_directory(temp_, ec) || ec)
            throwCannotWrite(final_, ec ? ec.message() : std::string(std::strerror(EEXIST)));
    } else {
        // Create (empty) now so an unwritable location fails before any work is done.
        errno = 0;
        std::ofstream f(temp_, std::ios::binary | std::ios::trunc);
        if (!f) throwCannotWrite(final_, errno ? std::strerror(errno) : "cannot create file");
    }
}

AtomicOutput::~AtomicOutput() {
    if (committed_) return;
    // Never throw from here: we may be unwinding from the error that stopped the output.
    try {
        std::error_code ec;
        if (kind_ == Kind::Directory)
            fs::remove_all(temp_, ec);
        else
            fs::remove(temp_, ec);
    } catch (...) {
    }
}

void AtomicOutput::commit() {
    if (committed_) return;
    std::error_code ec;
    // rename() replaces a file but not a non-empty directory (nor a dir by a file), so
    // an existing target is removed first. Brief window without a target: acceptable
    // for an output that is being overwritten anyway.
    const auto st = fs::symlink_status(final_, ec);
    if (!ec && fs::exists(st)) {
        const bool sameKindFile = kind_ == Kind::File && !fs::is_directory(st);
        if (!sameKindFile) {
            fs::remove_all(final_, ec);
            if (ec) throwCannotWrite(final_, "cannot replace the existing target: " + ec.message());
        }
    }
    ec.clear();
    fs::rename(temp_, final_, ec);
    if (ec) throwCannotWrite(final_, ec.message());
    committed_ = true;
}

}  // namespace ts
