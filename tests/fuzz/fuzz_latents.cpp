// readLatents / readVideoTensor: content sniffing plus the safetensors, .npy and .pt
// loaders and the shape/dtype/finiteness checks behind them.
#include "core/error.h"
#include "fuzz_input_file.h"
#include "io/latents_reader.h"

#include <c10/util/Exception.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // A neutral extension: the format must be recognised from the content.
    const std::string& path = ts_fuzz::writeInput(data, size, ".bin");
    try {
        ts::readLatents(path);
    } catch (const ts::Error&) {
    } catch (const c10::Error&) {
    }
    try {
        ts::readVideoTensor(path);
    } catch (const ts::Error&) {
    } catch (const c10::Error&) {
    }
    return 0;
}
