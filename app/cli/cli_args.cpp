#include "cli_args.h"

#include "core/error.h"

#include <sstream>

namespace ts::cli {

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
                value = args[++i];
            }
            values_[name] = value;
        } else {
            throwUsage(command + ": unknown flag --" + name + " (see tilescope-cli help " + command + ")");
        }
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
