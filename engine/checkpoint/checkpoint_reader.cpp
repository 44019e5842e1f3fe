#include "checkpoint/checkpoint_reader.h"

#include "checkpoint/pth_reader.h"
#include "checkpoint/safetensors_reader.h"
#include "core/error.h"

#include <filesystem>
#include <fstream>

namespace ts {

NamedTensors readCheckpoint(const std::string& path, const KeyFilter& keep) {
    std::error_code ec;
    const auto st = std::filesystem::status(path, ec);
    if (!std::filesystem::exists(st)) throwInput(path + ": no such file");
    if (std::filesystem::is_directory(st)) throwInput(path + ": is a directory, not a checkpoint file");
    const std::uint64_t size = std::filesystem::file_size(path, ec);
    if (ec) throwInput(path + ": cannot read the file size: " + ec.message());

    std::ifstream in(path, std::ios::binary);
    if (!in) throwInput(path + ": cannot open for reading");
    // The format is decided by content, not extension: users rename files freely.
    std::string head(16, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));

    if (looksLikeZip(head)) return readPth(path, keep);
    // A '{' after the length word is safetensors even when the length is implausible
    // (a truncated download): its reader then says what exactly is wrong.
    if (looksLikeSafetensors(head, size) || (head.size() >= 9 && head[8] == '{'))
        return readSafetensors(path, keep);
    // torch.save before PyTorch 1.6 wrote a bare pickle stream (magic number, then
    // pickled storages): recognisable, but a different format this reader does not take.
    if (head.size() >= 2 && head[0] == '\x80' && head[1] == '\x02')
        throwUnsupported(path + ": a legacy torch.save file (PyTorch < 1.6, not a zip); re-save it with a current "
                                "PyTorch or convert it to safetensors");
    throwInput(path + ": not a checkpoint: neither a torch.save zip (.pth) nor a safetensors file");
}

}  // namespace ts
