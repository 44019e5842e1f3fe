#pragma once
// Command-line flags of one subcommand: "--name value" and boolean "--name". Unknown
// flags, missing values and malformed numbers are usage errors naming the flag, and so
// is an output flag naming the same file as an input or another output.
#include <map>
#include <set>
#include <string>
#include <vector>

namespace ts::cli {

class CliArgs {
public:
    CliArgs(const std::string& command, const std::vector<std::string>& args,
            const std::set<std::string>& valueFlags, const std::set<std::string>& boolFlags);

    bool has(const std::string& flag) const;
    std::string get(const std::string& flag, const std::string& fallback) const;
    std::string require(const std::string& flag) const;
    int getInt(const std::string& flag, int fallback) const;
    const std::string& command() const { return command_; }

private:
    void requireDistinctFiles() const;

    std::string command_;
    std::map<std::string, std::string> values_;
    std::set<std::string> bools_;
};

// The flags (without "--") whose values name files: those a command reads, and those it
// writes (CliArgs keeps them apart; an interrupt removes the latter's temporaries).
const std::vector<std::string>& inputFileFlags();
const std::vector<std::string>& outputFileFlags();

// Parses "16x3x16x16" style shapes for --latent-shape.
std::vector<long> parseShape(const std::string& flag, const std::string& text);

}  // namespace ts::cli
