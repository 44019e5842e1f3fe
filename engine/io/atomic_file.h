#pragma once
// Output that appears only when complete: written under a temporary name next to the
// target and renamed on commit(). Destroyed without commit (error, cancel), it removes
// the temporary, so a failed run leaves nothing behind. Works for files and folders.
#include <string>

namespace ts {

class AtomicOutput {
public:
    enum class Kind { File, Directory };
    AtomicOutput(std::string finalPath, Kind kind);
    ~AtomicOutput();
    AtomicOutput(const AtomicOutput&) = delete;
    AtomicOutput& operator=(const AtomicOutput&) = delete;

    const std::string& tempPath() const { return temp_; }
    const std::string& finalPath() const { return final_; }
    void commit();  // rename into place (replacing an existing target)

private:
    std::string final_;
    std::string temp_;
    Kind kind_;
    bool committed_ = false;
};

}  // namespace ts
