#pragma once
// The left panel: the inputs (an InputBox: checkpoint with file dialog and recent files,
// what the checkpoint is, latents with shape, frames, resolution), device, precision,
// tiling, tile, overlap, streams, threads and memory budget, each with a tooltip on its
// trade-off; named presets; and, on every change, the engine's verdict on the settings
// and its prediction (tile plan, peak memory, FLOPs) before anything runs.
#include "model_probe.h"
#include "prediction.h"
#include "preset_store.h"

#include "decode/decode_settings.h"

#include <ATen/core/Tensor.h>

#include <QWidget>

class QComboBox;
class QLabel;
class QPushButton;
class QSettings;
class QSpinBox;

namespace tsui {

class SettingsPanel : public QWidget {
    Q_OBJECT
public:
    SettingsPanel(QSettings* store, QWidget* parent = nullptr);

    void setVaeSource(const QString& source);
    QString vaeSource() const;
    void setLatents(const at::Tensor& latents, const QString& label);  // in memory (the demo)
    void setLatentsPath(const QString& path);  // read now, to know the shape; a bad file says why
    const at::Tensor& latents() const;
    QString latentsPath() const;
    QString latentsLabel() const;  // the path, or the in-memory clip's label

    ts::DecodeSettings settings() const;
    QString settingsProblem() const;  // "" when the engine accepts them
    const Prediction& prediction() const { return prediction_; }
    const ModelInfo& modelInfo() const;
    bool modelPending() const;
    QString memoryText() const;

    PresetStore& presets() { return presets_; }
    bool applyPreset(const QString& name);
    bool savePreset(const QString& name);
    QStringList recentCheckpoints() const;

    void setRunning(bool running);  // inputs are read-only during a run
    class InputBox* inputs() const { return inputs_; }

Q_SIGNALS:
    void settingsChanged();    // validated and predicted again
    void problemChanged(const QString& problem);

private:
    void build();
    void onChanged();
    void refreshPresets();

    QSettings* store_;
    PresetStore presets_;
    Prediction prediction_;
    bool running_ = false;

    class InputBox* inputs_ = nullptr;
    class GraphOptionsBox* optionsBox_ = nullptr;
    QComboBox* presetCombo_ = nullptr;
    QComboBox* deviceCombo_ = nullptr;
    QComboBox* precisionCombo_ = nullptr;
    QComboBox* tilingCombo_ = nullptr;
    QSpinBox* tileSpin_ = nullptr;
    QSpinBox* overlapSpin_ = nullptr;
    QSpinBox* streamsSpin_ = nullptr;
    QSpinBox* threadsSpin_ = nullptr;
    QComboBox* memoryCombo_ = nullptr;
    QLabel* problemLabel_ = nullptr;
    QLabel* predictionLabel_ = nullptr;
};

}  // namespace tsui
