// readSafetensors must turn every malformed file into a ts::Error: no crash, no
// out-of-bounds read, no allocation driven by an unchecked header.
#include "checkpoint/safetensors_reader.h"
#include "core/error.h"
#include "fuzz_input_file.h"

#include <c10/util/Exception.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string& path = ts_fuzz::writeInput(data, size, ".safetensors");
    try {
        const std::string head(reinterpret_cast<const char*>(data), size < 16 ? size : 16);
        (void)ts::looksLikeSafetensors(head, size);
        // Also through a filter, the path a decode takes (skips the encoder's bytes).
        ts::readSafetensors(path, [](const std::string& name) { return name.rfind("encoder.", 0) != 0; });
        ts::readSafetensors(path);
    } catch (const ts::Error&) {
    } catch (const c10::Error&) {
    }
    return 0;
}
