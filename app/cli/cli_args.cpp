#include "cli_args.h"

#include "core/error.h"

#include <filesystem>
#include <sstream>
#include <utility>

namespace ts::cli {

const std::vector<std::string>& inputFileFlags() {
    static const std::vector<std::string> flags{"vae", "latents", "video", "case"};
    return flags;
}

const std::vector<std::string>& outputFileFlags() {
    static const std::vector<std::string> flags{"out", "trace", "csv", "summary", "report"};
    return flags;
}

CliArgs::CliArgs(const std::string& command, const std::vector<std::string>& args,
                 const std::set<std::string>& valueFlags, const std::set<std::string>& boolFlags)
    : command_(command) {
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a.rfind("--", 0) != 0) throwUsage(command + ": unexpected argument '" + a + "' (flags start with --)");
        std::string name = a.substr(2), value;
        const auto eq = name.find('=');
        const bool inlineValue = eq != std::string::npos;
        if (inlineValue) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        if (boolFlags.count(name)) {
            if (inlineValue) throwUsage(command + ": --" + name + " takes no value");
            bools_.insert(name);
        } else if (valueFlags.count(name)) {
            if (!inlineValue) {
                if (i + 1 >= args.size()) throwUsage(command + ": --" + name + " needs a value");
                // "--latents --out o.mp4": the value is missing, not a file named "--out".
                const std::string& next = args[i + 1];
                if (next.rfind("--", 0) == 0) {
                    const std::string nextName = next.substr(2, next.find('=') - 2);  // npos - 2: to the end
                    if (valueFlags.count(nextName) || boolFlags.count(nextName))
                        throwUsage(command + ": --" + name + " needs a value (got the flag " + next + "; use --" + name +
                                   "=VALUE for a value that starts with --)");
                }
                value = args[++i];
            }
            // Twice is a mistake or a leftover of an edited command line: which one meant?
            if (values_.count(name)) throwUsage(command + ": --" + name + " is given twice");
            values_[name] = value;
        } else {
            throwUsage(command + ": unknown flag --" + name + " (see tilescope-cli help " + command + ")");
        }
    }
    requireDistinctFiles();
}

void CliArgs::requireDistinctFiles() const {
    // An output on an input's path would replace the input; two outputs on one path, the
    // first. Paths compare as the files they name ("./a" is "a").
    const auto file = [](const std::string& p) {
        std::error_code ec;
        const std::filesystem::path c = std::filesystem::weakly_canonical(p, ec);
        return ec ? std::filesystem::path(p).lexically_normal() : c;
    };
    std::vector<std::pair<std::string, std::filesystem::path>> seen;
    for (const std::string& flag : inputFileFlags())
        if (auto it = values_.find(flag); it != values_.end()) seen.emplace_back(flag, file(it->second));
    for (const std::string& flag : outputFileFlags()) {
        auto it = values_.find(flag);
        if (it == values_.end()) continue;
        const std::filesystem::path out = file(it->second);
        for (const auto& [other, path] : seen)
            if (path == out)
                throwUsage(command_ + ": --" + flag + " and --" + other + " name the same file (" + it->second +
                           "); give the output a path of its own");
        seen.emplace_back(flag, out);
    }
}

bool CliArgs::has(const std::string& flag) const { return bools_.count(flag) || values_.count(flag); }

std::string CliArgs::get(const std::string& flag, const std::string& fallback) const {
    auto it = values_.find(flag);
    return it == values_.end() ? fallback : it->second;
}

std::string CliArgs::require(const std::string& flag) const {
    auto it = values_.find(flag);
    if (it == values_.end() || it->second.empty()) throwUsage(command_ + ": --" + flag + " is required");
    return it->second;
}

int CliArgs::getInt(const std::string& flag, int fallback) const {
    auto it = values_.find(flag);
    if (it == values_.end()) return fallback;
    try {
        size_t used = 0;
        const long v = std::stol(it->second, &used);
        if (used != it->second.size() || v < -1000000000L || v > 1000000000L) throw std::invalid_argument("");
        return static_cast<int>(v);
    } catch (const std::exception&) {
        throwUsage("--" + flag + ": '" + it->second + "' is not an integer");
    }
}

std::vector<long> parseShape(const std::string& flag, const std::string& text) {
    std::vector<long> dims;
    std::stringstream in(text);
    std::string part;
    while (std::getline(in, part, 'x')) {
        try {
            size_t used = 0;
            const long v = std::stol(part, &used);
            if (used != part.size() || v <= 0 || v > 100000) throw std::invalid_argument("");
            dims.push_back(v);
        } catch (const std::exception&) {
            throwUsage("--" + flag + ": '" + text + "' is not a shape like 16x3x16x16");
        }
    }
    if (dims.empty()) throwUsage("--" + flag + ": empty shape");
    return dims;
}

}  // namespace ts::cli
