#include "io/atomic_file.h"

#include "core/error.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <vector>

#include <unistd.h>

namespace fs = std::filesystem;

namespace ts {

namespace {

// What every temporary of finalPath made by this process starts with.
std::string ownTempPrefix(const std::string& finalPath) {
    return finalPath + ".tmp-" + std::to_string(::getpid()) + "-";
}

// pid + process-wide counter: unique among concurrent runs and among several outputs of
// one run, without asking the filesystem (mkstemp does not cover directories).
std::string tempNameFor(const std::string& finalPath) {
    static std::atomic<unsigned> counter{0};
    return ownTempPrefix(finalPath) + std::to_string(counter++);
}

[[noreturn]] void throwCannotWrite(const std::string& finalPath, const std::string& why) {
    throwInput(finalPath + ": cannot write output: " + why);
}

// "out/" and "out//" name the folder "out": the temporary goes beside it, not inside.
std::string withoutTrailingSeparators(std::string path) {
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    return path;
}

}  // namespace

void removeOwnTemporaries(const std::string& finalPath) {
    const fs::path prefix = ownTempPrefix(withoutTrailingSeparators(finalPath));
    const fs::path dir = prefix.has_parent_path() ? prefix.parent_path() : fs::path(".");
    const std::string start = prefix.filename().string();
    std::error_code ec;
    std::vector<fs::path> ours;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.size() > start.size() && name.compare(0, start.size(), start) == 0 &&
            name.find_first_not_of("0123456789", start.size()) == std::string::npos)
            ours.push_back(it->path());
    }
    for (const fs::path& p : ours) fs::remove_all(p, ec);
}

AtomicOutput::AtomicOutput(std::string finalPath, Kind kind, OwnsEntry ownsEntry)
    : final_(withoutTrailingSeparators(std::move(finalPath))), kind_(kind), ownsEntry_(std::move(ownsEntry)) {
    if (final_.empty()) throwUsage("output path is empty");
    const std::string name = fs::path(final_).filename().string();
    if (final_ == "/" || name == "." || name == "..")
        throwCannotWrite(final_, "it names an existing folder as a whole; give a new file or folder name");
    checkOutputTarget(final_, kind_, ownsEntry_);  // before any work: a refused target must not cost a decode
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

void checkOutputTarget(const std::string& finalPath, AtomicOutput::Kind kind, const AtomicOutput::OwnsEntry& ownsEntry) {
    const std::string target = withoutTrailingSeparators(finalPath);
    using Kind = AtomicOutput::Kind;
    std::error_code ec;
    const fs::file_status own = fs::symlink_status(target, ec);
    if (ec || !fs::exists(own)) return;  // nothing there (or unreadable: creating the temporary will say)
    // A file output follows a link to a regular file (the link is replaced, its target kept).
    const fs::file_status st = kind == Kind::File ? fs::status(target, ec) : own;
    if (kind == Kind::File) {
        if (fs::is_regular_file(st)) return;
        throwCannotWrite(target, fs::is_directory(st)
                                     ? "it is a folder; give a file name (nothing was changed)"
                                     : "it exists and is not a regular file (a device, pipe or socket); nothing was changed");
    }
    if (!fs::is_directory(st))
        throwCannotWrite(target, "it exists and is not a folder; this output is a folder (nothing was changed)");
    for (fs::directory_iterator it(target, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string entry = it->path().filename().string();
        if (!it->is_regular_file(ec) || !ownsEntry || !ownsEntry(entry))
            throwCannotWrite(target, "the folder exists and holds '" + entry +
                                         "', which this output does not write; choose another folder or empty it "
                                         "(nothing was changed)");
    }
    if (ec) throwCannotWrite(target, "cannot list the existing folder: " + ec.message());
}

void AtomicOutput::commit() {
    if (committed_) return;
    checkOutputTarget(final_, kind_, ownsEntry_);  // again: the target may have changed during the run
    std::error_code ec;
    if (kind_ == Kind::Directory && fs::exists(fs::symlink_status(final_, ec))) {
        // rename() does not replace a non-empty folder. Delete the files checkOutputTarget
        // found to be ours one by one, then the folder without recursion: a file that
        // appeared meanwhile makes that fail instead of being lost. Brief window without
        // a target: acceptable for an output that is being overwritten anyway.
        std::vector<fs::path> ours;
        for (fs::directory_iterator it(final_, ec), end; !ec && it != end; it.increment(ec))
            if (it->is_regular_file(ec) && ownsEntry_ && ownsEntry_(it->path().filename().string())) ours.push_back(it->path());
        for (const fs::path& p : ours)
            if (!ec) fs::remove(p, ec);
        if (!ec) fs::remove(final_, ec);
        if (ec) throwCannotWrite(final_, "cannot replace the existing folder: " + ec.message());
    }
    ec.clear();
    fs::rename(temp_, final_, ec);  // replaces a regular file atomically
    if (ec) throwCannotWrite(final_, ec.message());
    committed_ = true;
}

}  // namespace ts
