#pragma once
// Checks of an output path the command line names, made before any work: a decode must
// not run for minutes and then find that its output cannot be written.
#include <string>

namespace ts::cli {

// The folder exists and is writable, and what sits at the path (if anything) is a regular
// file that may be replaced (io/atomic_file.h). Errors name --flag and the path.
void checkOutputWritable(const std::string& flag, const std::string& path);

}  // namespace ts::cli
