#include "settings_panel.h"

#include "device_choice.h"
#include "graph_options_box.h"
#include "input_box.h"

#include "plan/memory_budget.h"

#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QVBoxLayout>

namespace tsui {

namespace {

QSpinBox* spin(QWidget* parent, const char* name, int lo, int hi, int step, int value, const QString& suffix) {
    auto* s = new QSpinBox(parent);
    s->setObjectName(QLatin1String(name));
    s->setRange(lo, hi);
    s->setSingleStep(step);
    s->setValue(value);
    s->setSuffix(suffix);
    return s;
}

}  // namespace

SettingsPanel::SettingsPanel(QSettings* store, QWidget* parent)
    : QWidget(parent), store_(store), presets_(store) {
    build();
    refreshPresets();
    onChanged();
}

void SettingsPanel::build() {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);

    inputs_ = new InputBox(store_, this);
    layout->addWidget(inputs_);
    connect(inputs_, &InputBox::changed, this, &SettingsPanel::onChanged);

    auto* box = new QGroupBox(tr("Decode settings"), this);
    auto* form = new QFormLayout(box);
    presetCombo_ = new QComboBox(box);
    presetCombo_->setObjectName(QStringLiteral("presetCombo"));
    // Long preset names must not widen the panel: the combo elides, its popup shows them whole.
    presetCombo_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    presetCombo_->setMinimumContentsLength(14);
    presetCombo_->setToolTip(tr("Named settings. Choosing one applies it; Save stores the current settings "
                                "under a name."));
    auto* saveButton = new QPushButton(tr("Save…"), box);
    saveButton->setObjectName(QStringLiteral("savePresetButton"));
    auto* deletePreset = new QPushButton(tr("Delete"), box);
    deletePreset->setToolTip(tr("Delete the chosen preset (built-in presets stay)"));
    form->addRow(tr("Preset"), formRow(box, presetCombo_, saveButton, deletePreset));

    deviceCombo_ = new QComboBox(box);
    deviceCombo_->setObjectName(QStringLiteral("deviceCombo"));
    deviceCombo_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    deviceCombo_->setMinimumContentsLength(14);
    fillDeviceCombo(deviceCombo_);
    deviceCombo_->setToolTip(tr("Where the decoder runs. cpu works everywhere but is slow for large clips; "
                                "cuda needs a CUDA build of LibTorch and an NVIDIA GPU (listed with its memory)."));
    form->addRow(tr("Device"), deviceCombo_);

    precisionCombo_ = new QComboBox(box);
    precisionCombo_->setObjectName(QStringLiteral("precisionCombo"));
    precisionCombo_->addItems({QStringLiteral("fp32"), QStringLiteral("bf16"), QStringLiteral("fp16")});
    precisionCombo_->setToolTip(tr("fp32: reference accuracy, most memory, slowest.\nbf16: half the weight and "
                                   "activation memory, faster on recent hardware, about 3 significant digits.\n"
                                   "fp16: fastest on GPUs; not available for conv3d on the CPU."));
    form->addRow(tr("Precision"), precisionCombo_);

    tilingCombo_ = new QComboBox(box);
    tilingCombo_->setObjectName(QStringLiteral("tilingCombo"));
    tilingCombo_->addItems({QStringLiteral("off"), QStringLiteral("blend"), QStringLiteral("exact")});
    tilingCombo_->setToolTip(tr("off: whole frames at once; exact, but memory grows with the frame size.\n"
                                "blend: overlapping tiles cross-faded at the seams; bounded memory, small seam "
                                "differences.\nexact: tiles with enough context to match the untiled result; "
                                "bounded memory, more compute."));
    form->addRow(tr("Tiling"), tilingCombo_);

    tileSpin_ = spin(box, "tileSpin", 8, 4096, 8, 256, QStringLiteral(" px"));
    tileSpin_->setToolTip(tr("Tile edge in output pixels (a multiple of 8). Larger tiles: fewer seams and less "
                             "overhead, more memory per tile."));
    form->addRow(tr("Tile"), tileSpin_);
    overlapSpin_ = spin(box, "overlapSpin", 0, 4088, 8, 32, QStringLiteral(" px"));
    overlapSpin_->setToolTip(tr("Overlap of neighbouring tiles in output pixels (a multiple of 8, smaller than "
                                "the tile). More overlap hides seams better but decodes more pixels twice."));
    form->addRow(tr("Overlap"), overlapSpin_);
    streamsSpin_ = spin(box, "streamsSpin", 0, 64, 1, 1, QString());
    streamsSpin_->setSpecialValueText(tr("auto"));
    streamsSpin_->setToolTip(tr("Tiles decoded concurrently. More streams keep a GPU busier but multiply the "
                                "memory in flight. Only with tiling. Auto chooses workers and their threads "
                                "for the cores, the tiles and the memory budget (the run's trace says what)."));
    form->addRow(tr("Streams"), streamsSpin_);
    threadsSpin_ = spin(box, "threadsSpin", 0, 1024, 1, 0, QString());
    threadsSpin_->setSpecialValueText(tr("auto"));
    threadsSpin_->setToolTip(tr("CPU threads for the decode, shared by the streams. Auto uses all cores "
                                "(fastest); fewer threads leave cores free for the rest of the system."));
    form->addRow(tr("Threads"), threadsSpin_);
    memoryCombo_ = new QComboBox(box);
    memoryCombo_->setObjectName(QStringLiteral("memoryCombo"));
    memoryCombo_->setEditable(true);
    memoryCombo_->addItems({QString(), QStringLiteral("auto"), QStringLiteral("2G"), QStringLiteral("8G"),
                            QStringLiteral("22G")});
    memoryCombo_->lineEdit()->setPlaceholderText(tr("none"));
    memoryCombo_->setToolTip(tr("Memory budget (bytes, or 512M / 8G, or auto = what is free now). An untiled "
                                "decode that would not fit becomes exact tiles of the largest size that fits; "
                                "a tile that overflows is split and retried. Empty: no budget."));
    form->addRow(tr("Memory budget"), memoryCombo_);
    layout->addWidget(box);
    optionsBox_ = new GraphOptionsBox(this);
    layout->addWidget(optionsBox_);
    connect(optionsBox_, &GraphOptionsBox::changed, this, &SettingsPanel::onChanged);

    problemLabel_ = new QLabel(this);
    problemLabel_->setObjectName(QStringLiteral("problemLabel"));
    problemLabel_->setWordWrap(true);
    problemLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    problemLabel_->setStyleSheet(QStringLiteral("color: #c03030;"));
    problemLabel_->hide();
    layout->addWidget(problemLabel_);
    predictionLabel_ = new QLabel(this);
    predictionLabel_->setObjectName(QStringLiteral("predictionLabel"));
    predictionLabel_->setWordWrap(true);
    predictionLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    predictionLabel_->setToolTip(tr("Predicted by the engine's tile planner and cost model before running. The peak is "
                                    "of the tensors alive at once (weights, causal caches, a tile's activations, the "
                                    "output): the memory graph's \"allocated\" line. The process's RSS adds LibTorch, its "
                                    "libraries and the allocator's slack on top."));
    layout->addWidget(predictionLabel_);

    connect(presetCombo_, &QComboBox::activated, this, [this](int i) { applyPreset(presetCombo_->itemText(i)); });
    connect(saveButton, &QPushButton::clicked, this, [this] {
        bool ok = false;
        const QString name = QInputDialog::getText(this, tr("Save preset"), tr("Name:"), QLineEdit::Normal,
                                                   presetCombo_->currentText(), &ok);
        if (ok) savePreset(name);
    });
    connect(deletePreset, &QPushButton::clicked, this, [this] {
        presets_.remove(presetCombo_->currentText());
        refreshPresets();
    });
    for (QComboBox* c : {deviceCombo_, precisionCombo_, tilingCombo_, memoryCombo_})
        connect(c, &QComboBox::currentTextChanged, this, &SettingsPanel::onChanged);
    for (QSpinBox* s : {tileSpin_, overlapSpin_, streamsSpin_, threadsSpin_})
        connect(s, &QSpinBox::valueChanged, this, &SettingsPanel::onChanged);
}

// ------------------------------------------------------------------------ inputs

void SettingsPanel::setVaeSource(const QString& source) {
    inputs_->setVaeSource(source);
}

QString SettingsPanel::vaeSource() const {
    return inputs_->vaeSource();
}

void SettingsPanel::setLatents(const at::Tensor& latents, const QString& label) {
    inputs_->setLatents(latents, label);
}

void SettingsPanel::setLatentsPath(const QString& path) {
    inputs_->setLatentsPath(path);
}

const at::Tensor& SettingsPanel::latents() const {
    return inputs_->latents();
}

QString SettingsPanel::latentsPath() const {
    return inputs_->latentsPath();
}

QString SettingsPanel::latentsLabel() const {
    return inputs_->latentsLabel();
}

const ModelInfo& SettingsPanel::modelInfo() const {
    return inputs_->modelInfo();
}

bool SettingsPanel::modelPending() const {
    return inputs_->modelPending();
}

QStringList SettingsPanel::recentCheckpoints() const {
    return inputs_->recentCheckpoints();
}

// ------------------------------------------------------------------------ settings

QString SettingsPanel::memoryText() const {
    return memoryCombo_->currentText().trimmed();
}

ts::DecodeSettings SettingsPanel::settings() const {
    ts::DecodeSettings s;
    s.device = deviceCombo_->currentData().toString().toStdString();
    // The combos only hold values the parsers accept; a refusal shows in settingsProblem().
    try {
        s.precision = ts::parsePrecision(precisionCombo_->currentText().toStdString());
        s.tiling = ts::parseTilingMode(tilingCombo_->currentText().toStdString());
        s.maxMemoryBytes = memoryText().isEmpty() ? 0 : ts::parseMemorySize(memoryText().toStdString());
    } catch (const std::exception&) {
    }
    s.tilePx = tileSpin_->value();
    s.overlapPx = overlapSpin_->value();
    s.streams = streamsSpin_->value();
    s.threads = threadsSpin_->value();
    s.graph = optionsBox_->options();
    return s;
}

QString SettingsPanel::settingsProblem() const {
    try {
        if (!memoryText().isEmpty()) ts::parseMemorySize(memoryText().toStdString());
        settings().validate();
    } catch (const std::exception& e) {
        return inWindowTerms(QString::fromUtf8(e.what()));
    }
    // A preset may select a GPU this build or machine cannot run: refuse it here, not
    // in a run that fails.
    if (const QString device = deviceProblem(settings().device); !device.isEmpty()) return device;
    if (const QString input = inputs_->problem(); !input.isEmpty()) return input;
    return prediction_.refusal;  // e.g. a decode beyond this machine's RAM
}

void SettingsPanel::onChanged() {
    const bool tiled = tilingCombo_->currentText() != QStringLiteral("off");
    for (QSpinBox* s : {tileSpin_, overlapSpin_, streamsSpin_}) s->setEnabled(tiled && !running_);

    // The prediction does not need a runnable device: a CPU-only build can still plan a
    // 3090 Ti preset. First: its refusal (beyond this machine's RAM) is a settings problem.
    const ModelInfo& model = inputs_->modelInfo();
    const at::Tensor& latents = inputs_->latents();
    if (model.ok && latents.defined() && latents.dim() == 4)
        prediction_ = predictDecode(model.config, latents.size(1), latents.size(2), latents.size(3), settings());
    else {
        prediction_ = Prediction();
        prediction_.error = inputs_->modelPending() ? tr("Reading the checkpoint…") : tr("No prediction without a model and latents");
    }
    const QString problem = settingsProblem();
    problemLabel_->setText(problem);
    problemLabel_->setVisible(!problem.isEmpty());

    predictionLabel_->setText(prediction_.ok ? tr("Predicted: %1").arg(prediction_.summary()) : prediction_.error);
    Q_EMIT problemChanged(problem);
    Q_EMIT settingsChanged();
}

bool SettingsPanel::applyPreset(const QString& name) {
    const std::optional<Preset> p = presets_.find(name);
    if (!p) return false;
    const int d = deviceItem(deviceCombo_, QString::fromStdString(p->settings.device));
    // One recomputation at the end, not one per widget.
    const QSignalBlocker b1(deviceCombo_), b2(precisionCombo_), b3(tilingCombo_), b4(tileSpin_), b5(overlapSpin_),
        b6(streamsSpin_), b7(threadsSpin_), b8(memoryCombo_);
    deviceCombo_->setCurrentIndex(d);
    precisionCombo_->setCurrentText(QString::fromStdString(ts::toString(p->settings.precision)));
    tilingCombo_->setCurrentText(QString::fromStdString(ts::toString(p->settings.tiling)));
    tileSpin_->setValue(p->settings.tilePx);
    overlapSpin_->setValue(p->settings.overlapPx);
    streamsSpin_->setValue(p->settings.streams);
    threadsSpin_->setValue(p->settings.threads);
    memoryCombo_->setCurrentText(p->memoryText);
    presetCombo_->setCurrentText(name);
    presetCombo_->setToolTip(p->description);
    onChanged();
    return true;
}

bool SettingsPanel::savePreset(const QString& name) {
    Preset p;
    p.name = name.trimmed();
    p.settings = settings();
    p.memoryText = memoryText();
    p.description = tr("Saved by you");
    if (!presets_.save(p)) return false;
    refreshPresets();
    presetCombo_->setCurrentText(p.name);
    return true;
}

void SettingsPanel::refreshPresets() {
    const QString current = presetCombo_->currentText();
    const QSignalBlocker block(presetCombo_);
    presetCombo_->clear();
    presetCombo_->addItems(presets_.names());
    presetCombo_->setCurrentIndex(-1);
    if (!current.isEmpty()) presetCombo_->setCurrentText(current);
    presetCombo_->setPlaceholderText(tr("(choose a preset)"));
}

void SettingsPanel::setRunning(bool running) {
    running_ = running;
    inputs_->setRunning(running);
    for (QWidget* w : std::initializer_list<QWidget*>{deviceCombo_, precisionCombo_, tilingCombo_, threadsSpin_,
                                                     memoryCombo_, presetCombo_, optionsBox_})
        w->setEnabled(!running);
    onChanged();
}

}  // namespace tsui
