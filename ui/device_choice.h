#pragma once
// Which devices the settings panel offers, and whether this build and machine can run
// the one chosen. The CPU always; each CUDA device the CUDA runtime reports (listed with
// its memory); a device a preset names that is not here is still selectable, marked
// "(not available here)", so the preset's plan can be predicted — but Run stays disabled
// with deviceProblem()'s message instead of starting a run that fails.
#include <QString>

#include <string>

class QComboBox;

namespace tsui {

// Fills an empty combo: "cpu", then "cuda:N (24 GiB)" per device found; item data is
// the engine's device string ("cpu", "cuda:N").
void fillDeviceCombo(QComboBox* combo);

// The item for `device` (engine string), added as "(not available here)" when missing.
int deviceItem(QComboBox* combo, const QString& device);

// "" when `device` can run here; otherwise why not, naming the device: CUDA in a build
// whose LibTorch is CPU-only (Debian's libtorch-dev), or a GPU index not present.
// An unparsable device string is left to DecodeSettings::validate().
QString deviceProblem(const std::string& device);

// Whether this build's LibTorch was compiled with CUDA.
bool buildHasCuda();

}  // namespace tsui
