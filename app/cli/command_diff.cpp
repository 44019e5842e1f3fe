// diff: two runs' summaries (--summary FILE.json of decode/bench) compared per stage,
// op and memory counter, largest change first.
#include "commands.h"

#include "core/error.h"
#include "report/summary_diff.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>

namespace ts::cli {

namespace {

nlohmann::json readSummary(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throwInput(path + ": is a folder, not a summary file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throwInput(path + ": cannot open summary");
    try {
        return nlohmann::json::parse(in);
    } catch (const nlohmann::json::parse_error& e) {
        throwInput(path + ": not JSON (" + std::string(e.what()) + ")");
    } catch (const std::exception& e) {  // a read error (e.g. EIO) surfaces from the stream buffer
        throwInput(path + ": cannot read summary (" + std::string(e.what()) + ")");
    }
}

}  // namespace

int commandDiff(const std::vector<std::string>& argv) {
    std::vector<std::string> files;
    bool json = false;
    for (const std::string& a : argv) {
        if (a == "--json") json = true;
        else if (a.rfind("--", 0) == 0) throwUsage("diff: unknown flag " + a + " (usage: diff A.json B.json [--json])");
        else files.push_back(a);
    }
    if (files.size() != 2)
        throwUsage("diff: expected two summary files, got " + std::to_string(files.size()) + " (usage: diff A.json B.json [--json])");
    const nlohmann::json diff = diffSummaries(readSummary(files[0]), readSummary(files[1]), files[0], files[1]);
    if (json)
        std::cout << diff.dump() << std::endl;
    else
        std::cout << formatSummaryDiff(diff);
    return 0;
}

}  // namespace ts::cli
