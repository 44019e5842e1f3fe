// readPth / readPthTensors: the zip reader and the restricted unpickler must refuse
// anything malformed or hostile with a ts::Error; a crash, hang or other exception is a finding.
#include "checkpoint/pth_reader.h"
#include "core/error.h"
#include "fuzz_input_file.h"

#include <c10/util/Exception.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string& path = ts_fuzz::writeInput(data, size, ".pth");
    (void)ts::looksLikeZip(std::string(reinterpret_cast<const char*>(data), size < 16 ? size : 16));
    try {
        ts::readPth(path);
    } catch (const ts::Error&) {
    } catch (const c10::Error&) {
    }
    try {
        ts::readPthTensors(path);
    } catch (const ts::Error&) {
    } catch (const c10::Error&) {
    }
    return 0;
}
