#pragma once
// Output that appears only when complete: written under a temporary name next to the
// target and renamed on commit(). Destroyed without commit (error, cancel), it removes
// the temporary, so a failed run leaves nothing behind. Works for files and folders.
// While it works it holds an advisory lock (flock) on its temporary: the sign, for
// removeDeadWritersTemporaries, that a writer is still alive.
//
// It never deletes what it did not write. An existing regular file is replaced by a file
// output (as most tools overwrite); a folder, a device, a pipe or a socket in the file's
// place is refused. A folder output replaces an existing folder only when that folder is
// empty or holds nothing but files the writer says it writes (ownsEntry), e.g. the PNG
// frames of an earlier decode; anything else is refused, before any work is done.
#include <functional>
#include <string>

namespace ts {

class AtomicOutput {
public:
    enum class Kind { File, Directory };
    // For Kind::Directory: true for a file name (no folder) this kind of output writes.
    using OwnsEntry = std::function<bool(const std::string& fileName)>;

    // Throws an Input error naming finalPath when the target cannot be (re)placed.
    AtomicOutput(std::string finalPath, Kind kind, OwnsEntry ownsEntry = {});
    ~AtomicOutput();
    AtomicOutput(const AtomicOutput&) = delete;
    AtomicOutput& operator=(const AtomicOutput&) = delete;

    const std::string& tempPath() const { return temp_; }
    const std::string& finalPath() const { return final_; }  // without trailing separators
    void commit();  // rename into place (replacing an existing target, as above)

private:
    void releaseLock();

    std::string final_;
    std::string temp_;
    Kind kind_;
    OwnsEntry ownsEntry_;
    bool committed_ = false;
    int lockFd_ = -1;  // open on the temporary, flock'ed, until commit or destruction
};

// The constructor's check of an existing target (an Input error naming finalPath when it may
// not be replaced), for outputs written only after the run, such as profile reports: so
// that a refusal comes before the work, not after it.
void checkOutputTarget(const std::string& finalPath, AtomicOutput::Kind kind, const AtomicOutput::OwnsEntry& ownsEntry = {});

// What an AtomicOutput leaves beside its target while it works, by name:
// "<target>.tmp-<pid>-<n>" (the temporary) and "<target>.replaced-<pid>-<n>" (a replaced
// folder, moved aside during commit). The writing process's id; 0 for any other name.
long leftoverWriterPid(const std::string& fileName);

// Removes what this process's unfinished AtomicOutputs for finalPath left (files and
// folders named like their temporaries). For a program stopped by a signal, which cannot
// unwind to their destructors; a complete output is never touched.
void removeOwnTemporaries(const std::string& finalPath);

// Removes the temporaries ("<target>.tmp-<pid>-<n>") that writers of finalPath left when
// they were killed (SIGKILL, a crash, a power cut: nothing could unwind). One goes only
// when nobody holds its lock (a live writer does, in any process, container or machine
// whose filesystem passes locks on), its process id is not a live process here, and it has
// not changed for 10 minutes (for filesystems that do not pass locks on); one with this
// process's own id (a killed predecessor's, reused) only when a day old. A ".replaced-"
// leftover is kept: if a writer died mid-commit it may be the only copy of the earlier
// output. Returns how many were removed.
int removeDeadWritersTemporaries(const std::string& finalPath);

}  // namespace ts
