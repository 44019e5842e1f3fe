#include "io/atomic_file.h"

#include "core/error.h"

#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
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
std::string uniqueSuffix() {
    static std::atomic<unsigned> counter{0};
    return std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

std::string tempNameFor(const std::string& finalPath) {
    return finalPath + ".tmp-" + uniqueSuffix();  // starts with ownTempPrefix(finalPath)
}

[[noreturn]] void throwCannotWrite(const std::string& finalPath, const std::string& why) {
    throwInput(finalPath + ": cannot write output: " + why);
}

// "out/" and "out//" name the folder "out": the temporary goes beside it, not inside.
std::string withoutTrailingSeparators(std::string path) {
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    return path;
}

// The writer's process id in "<pid>-<n>", as uniqueSuffix() writes it, with nothing after;
// 0 for anything else.
long pidOfSuffix(const std::string& suffix) {
    const std::size_t dash = suffix.find('-');
    if (dash == 0 || dash == std::string::npos || dash + 1 == suffix.size() ||
        suffix.find_first_not_of("0123456789-") != std::string::npos || suffix.find('-', dash + 1) != std::string::npos)
        return 0;
    try {
        return std::stol(suffix.substr(0, dash));
    } catch (const std::exception&) {
        return 0;  // out of range: not one of ours
    }
}

}  // namespace

long leftoverWriterPid(const std::string& fileName) {
    for (const char* infix : {".tmp-", ".replaced-"}) {
        const std::size_t at = fileName.rfind(infix);
        if (at == std::string::npos) continue;
        if (const long pid = pidOfSuffix(fileName.substr(at + std::strlen(infix)))) return pid;
    }
    return 0;
}

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
    // A writer thread may still add a frame to a folder while it is removed (ENOTEMPTY):
    // a few more tries.
    for (const fs::path& p : ours)
        for (int attempt = 0; attempt < 5 && fs::exists(fs::symlink_status(p, ec)); ++attempt) fs::remove_all(p, ec);
}

int removeDeadWritersTemporaries(const std::string& finalPath) {
    const fs::path target(withoutTrailingSeparators(finalPath));
    const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    const std::string start = target.filename().string() + ".tmp-";
    std::error_code ec;
    std::vector<fs::path> candidates;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.compare(0, start.size(), start) != 0) continue;
        const long pid = pidOfSuffix(name.substr(start.size()));  // exactly "<target>.tmp-<pid>-<n>"
        if (pid > 999'999'999) continue;  // at most 9 digits: a pid_t, not wrapped onto another process
        // A live process here with that id (ESRCH only: EPERM is another user's) may be the
        // writer; this process's own id was reused from the killed one (containers).
        if (pid <= 0 || (pid != ::getpid() && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH))) continue;
        // This process's own id: a killed predecessor's (containers reuse PID 1), or one of
        // this process's live outputs, which its lock protects on local disks but not over
        // NFS (POSIX locks do not conflict within a process): a day's age tells them apart.
        const auto written = fs::last_write_time(it->path(), ec);
        const std::chrono::minutes minAge = pid == ::getpid() ? std::chrono::hours(24) : std::chrono::minutes(10);
        if (ec || fs::file_time_type::clock::now() - written < minAge) continue;
        candidates.push_back(it->path());
    }
    int removed = 0;
    for (const fs::path& p : candidates) {
        // Not through a link (a writer never makes one), and only while nobody holds the
        // writer's lock: held here until the removal is done.
        const int fd = ::open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0) continue;
        if (::flock(fd, LOCK_EX | LOCK_NB) == 0 && fs::remove_all(p, ec) > 0 && !ec) ++removed;
        ::close(fd);
    }
    return removed;
}

AtomicOutput::AtomicOutput(std::string finalPath, Kind kind, OwnsEntry ownsEntry)
    : final_(withoutTrailingSeparators(std::move(finalPath))), kind_(kind), ownsEntry_(std::move(ownsEntry)) {
    if (final_.empty()) throwUsage("output path is empty");
    const std::string name = fs::path(final_).filename().string();
    if (final_ == "/" || name == "." || name == "..")
        throwCannotWrite(final_, "it names an existing folder as a whole; give a new file or folder name");
    checkOutputTarget(final_, kind_, ownsEntry_);  // before any work: a refused target must not cost a decode
    // A killed earlier writer of this output cannot have cleaned up after itself; its
    // partial file goes now, so that a folder does not collect them run after run.
    removeDeadWritersTemporaries(final_);
    // The temporary must sit in the final path's directory: rename() is atomic only
    // within one filesystem.
    // Created now, empty, so that an unwritable location fails before any work is done,
    // under a name nobody has: a killed process whose id this one reuses (containers) may
    // have left the first names.
    for (int attempt = 0;; ++attempt) {
        temp_ = tempNameFor(final_);
        int err = 0;
        if (kind_ == Kind::Directory) {
            err = ::mkdir(temp_.c_str(), 0777) == 0 ? 0 : errno;
        } else {
            const int fd = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
            err = fd >= 0 ? 0 : errno;
            if (fd >= 0) ::close(fd);
        }
        if (err == 0) break;
        if (err != EEXIST || attempt == 1000) {
            temp_.clear();  // nothing of ours to remove
            throwCannotWrite(final_, std::strerror(err));
        }
    }
    // The lock says "alive" to removeDeadWritersTemporaries; where the filesystem has no
    // locks the output works without it.
    lockFd_ = ::open(temp_.c_str(), O_RDONLY | O_CLOEXEC);
    if (lockFd_ >= 0 && ::flock(lockFd_, LOCK_EX | LOCK_NB) != 0) releaseLock();
}

void AtomicOutput::releaseLock() {
    if (lockFd_ >= 0) ::close(lockFd_);
    lockFd_ = -1;
}

AtomicOutput::~AtomicOutput() {
    // Never throw from here: we may be unwinding from the error that stopped the output.
    try {
        std::error_code ec;
        if (!committed_ && !temp_.empty()) {
            if (kind_ == Kind::Directory)
                fs::remove_all(temp_, ec);
            else
                fs::remove(temp_, ec);
        }
    } catch (...) {
    }
    releaseLock();  // after the removal: until then the temporary is a live writer's
}

void checkOutputTarget(const std::string& finalPath, AtomicOutput::Kind kind, const AtomicOutput::OwnsEntry& ownsEntry) {
    const std::string target = withoutTrailingSeparators(finalPath);
    using Kind = AtomicOutput::Kind;
    std::error_code ec;
    const fs::file_status own = fs::symlink_status(target, ec);
    if (ec || !fs::exists(own)) return;  // nothing there (or unreadable: creating the temporary will say)
    // A file output replaces a link to a regular file or a dangling one (the link itself,
    // never what it points to). A folder output does not go through links.
    const bool link = fs::is_symlink(own);
    const fs::file_status st = kind == Kind::File ? fs::status(target, ec) : own;
    if (kind == Kind::File) {
        if (fs::is_regular_file(st) || (link && !fs::exists(st))) return;
        throwCannotWrite(target, fs::is_directory(st)
                                     ? "it is a folder; give a file name (nothing was changed)"
                                     : "it exists and is not a regular file (a device, pipe or socket); nothing was changed");
    }
    if (link)
        throwCannotWrite(target, "it is a symbolic link; give the folder's own path (nothing was changed)");
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
        // rename() does not replace a non-empty folder. The old one is renamed aside
        // first, so that at every moment one whole folder exists (an interrupt between the
        // steps leaves the old one beside the target, never neither), then the new one
        // takes its name, then the files checkOutputTarget found to be ours are deleted
        // one by one and the folder without recursion: a file that appeared meanwhile
        // stays, in the aside folder, instead of being lost.
        const std::string aside = final_ + ".replaced-" + uniqueSuffix();
        fs::rename(final_, aside, ec);
        if (ec) throwCannotWrite(final_, "cannot replace the existing folder: " + ec.message());
        fs::rename(temp_, final_, ec);
        if (ec) {
            std::error_code restore;
            fs::rename(aside, final_, restore);
            throwCannotWrite(final_, ec.message());
        }
        committed_ = true;
        releaseLock();
        std::vector<fs::path> ours;
        for (fs::directory_iterator it(aside, ec), end; !ec && it != end; it.increment(ec))
            if (it->is_regular_file(ec) && ownsEntry_ && ownsEntry_(it->path().filename().string())) ours.push_back(it->path());
        for (const fs::path& p : ours) fs::remove(p, ec);
        fs::remove(aside, ec);  // fails, keeping it, only if something else is in it
        return;
    }
    ec.clear();
    fs::rename(temp_, final_, ec);  // replaces a regular file (or a link) atomically
    if (ec) throwCannotWrite(final_, ec.message());
    committed_ = true;
    releaseLock();
}

}  // namespace ts
