#pragma once
// The left panel: checkpoint (file dialog, recent files, what the checkpoint is), latents
// (shape, frames, resolution), device, precision, tiling, tile, overlap, streams, threads
// and memory budget, each with a tooltip on its trade-off; named presets; and, on every
// change, the engine's verdict on the settings and its prediction (tile plan, peak
// memory, FLOPs) before anything runs.
#include "model_probe.h"
#include "prediction.h"
#include "preset_store.h"

#include "decode/decode_settings.h"

#include <ATen/core/Tensor.h>

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSettings;
class QSpinBox;
class QToolButton;

namespace tsui {

class SettingsPanel : public QWidget {
    Q_OBJECT
public:
    SettingsPanel(QSettings* store, QWidget* parent = nullptr);

    void setVaeSource(const QString& source);
    QString vaeSource() const;
    void setLatents(const at::Tensor& latents, const QString& label);  // in memory (the demo)
    void setLatentsPath(const QString& path);  // read now, to know the shape; a bad file says why
    const at::Tensor& latents() const { return latents_; }
    QString latentsPath() const;

    ts::DecodeSettings settings() const;
    QString settingsProblem() const;  // "" when the engine accepts them
    const Prediction& prediction() const { return prediction_; }
    const ModelInfo& modelInfo() const { return model_; }
    bool modelPending() const { return probe_->isBusy(); }
    QString memoryText() const;

    PresetStore& presets() { return presets_; }
    bool applyPreset(const QString& name);
    bool savePreset(const QString& name);
    QStringList recentCheckpoints() const;

    void setRunning(bool running);  // inputs are read-only during a run

Q_SIGNALS:
    void settingsChanged();    // validated and predicted again
    void problemChanged(const QString& problem);

private:
    void build();
    void onChanged();
    void onModelInfo(const ModelInfo& info);
    void addRecent(const QString& source);
    void refreshRecentMenu();
    void refreshPresets();
    void updateLatentsInfo();
    void browseVae();
    void browseLatents();
    QWidget* row(QWidget* a, QWidget* b, QWidget* c = nullptr);

    QSettings* store_;
    PresetStore presets_;
    ModelProbe* probe_;
    ModelInfo model_;
    Prediction prediction_;
    at::Tensor latents_;
    QString latentsError_;
    bool running_ = false;

    class GraphOptionsBox* optionsBox_ = nullptr;
    QLineEdit* vaeEdit_ = nullptr;
    QToolButton* recentButton_ = nullptr;
    QLabel* modelLabel_ = nullptr;
    QLineEdit* latentsEdit_ = nullptr;
    QLabel* latentsLabel_ = nullptr;
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
