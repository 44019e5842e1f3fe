#include "settings_panel.h"

#include "graph_options_box.h"

#include "core/format_bytes.h"
#include "gpu/device_memory.h"
#include "io/latents_reader.h"
#include "plan/memory_budget.h"

#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

#include <c10/util/Exception.h>

namespace tsui {

namespace {

constexpr int kRecentMax = 8;
const char* kRecentKey = "recentCheckpoints";

QString shapeText(const at::Tensor& t) {
    QStringList dims;
    for (int64_t d : t.sizes()) dims << QString::number(d);
    return dims.join(QStringLiteral("×"));
}

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
    : QWidget(parent), store_(store), presets_(store), probe_(new ModelProbe(this)) {
    qRegisterMetaType<tsui::ModelInfo>("tsui::ModelInfo");
    connect(probe_, &ModelProbe::finished, this, &SettingsPanel::onModelInfo);
    build();
    refreshPresets();
    refreshRecentMenu();
    onChanged();
}

QWidget* SettingsPanel::row(QWidget* a, QWidget* b, QWidget* c) {
    auto* w = new QWidget(this);
    auto* l = new QHBoxLayout(w);
    l->setContentsMargins(0, 0, 0, 0);
    l->addWidget(a, 1);
    l->addWidget(b);
    if (c) l->addWidget(c);
    return w;
}

void SettingsPanel::build() {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);

    auto* inputBox = new QGroupBox(tr("Model and input"), this);
    auto* inputForm = new QFormLayout(inputBox);
    vaeEdit_ = new QLineEdit(inputBox);
    vaeEdit_->setObjectName(QStringLiteral("vaeEdit"));
    vaeEdit_->setMinimumWidth(120);
    vaeEdit_->setPlaceholderText(tr("Wan2.1_VAE.pth, .safetensors or builtin:…"));
    vaeEdit_->setToolTip(tr("The VAE checkpoint: a .pth or .safetensors file (either key naming), or "
                            "builtin:tiny / builtin:wan2.1 (random weights)."));
    auto* browse = new QPushButton(tr("Browse…"), inputBox);
    browse->setObjectName(QStringLiteral("vaeBrowseButton"));
    recentButton_ = new QToolButton(inputBox);
    recentButton_->setObjectName(QStringLiteral("recentButton"));
    recentButton_->setText(tr("Recent"));
    recentButton_->setPopupMode(QToolButton::InstantPopup);
    recentButton_->setToolTip(tr("Checkpoints opened before"));
    recentButton_->setMenu(new QMenu(recentButton_));
    inputForm->addRow(tr("Checkpoint"), row(vaeEdit_, browse, recentButton_));
    modelLabel_ = new QLabel(inputBox);
    modelLabel_->setObjectName(QStringLiteral("modelLabel"));
    modelLabel_->setWordWrap(true);
    modelLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    inputForm->addRow(QString(), modelLabel_);

    latentsEdit_ = new QLineEdit(inputBox);
    latentsEdit_->setObjectName(QStringLiteral("latentsEdit"));
    latentsEdit_->setPlaceholderText(tr("latents .safetensors, .npy or .pt"));
    latentsEdit_->setToolTip(tr("The latents to decode: [16,T,h,w] (or [1,16,T,h,w]) as a Wan2.1 pipeline "
                                "hands them to the VAE (normalised). Press Enter after typing a path."));
    auto* latentsBrowse = new QPushButton(tr("Browse…"), inputBox);
    inputForm->addRow(tr("Latents"), row(latentsEdit_, latentsBrowse));
    latentsLabel_ = new QLabel(inputBox);
    latentsLabel_->setObjectName(QStringLiteral("latentsLabel"));
    latentsLabel_->setWordWrap(true);
    inputForm->addRow(QString(), latentsLabel_);
    layout->addWidget(inputBox);

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
    form->addRow(tr("Preset"), row(presetCombo_, saveButton, deletePreset));

    deviceCombo_ = new QComboBox(box);
    deviceCombo_->setObjectName(QStringLiteral("deviceCombo"));
    deviceCombo_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    deviceCombo_->setMinimumContentsLength(14);
    deviceCombo_->addItem(tr("cpu"), QStringLiteral("cpu"));
    for (int i = 0; i < 16; ++i) {
        const ts::DeviceMemory m = ts::queryDeviceMemory(i);
        if (m.totalBytes <= 0) break;
        deviceCombo_->addItem(QStringLiteral("cuda:%1 (%2)").arg(i).arg(QString::fromStdString(ts::formatBytes(m.totalBytes))),
                              QStringLiteral("cuda:%1").arg(i));
    }
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
    streamsSpin_ = spin(box, "streamsSpin", 1, 64, 1, 1, QString());
    streamsSpin_->setToolTip(tr("Tiles decoded concurrently. More streams keep a GPU busier but multiply the "
                                "memory in flight. Only with tiling."));
    form->addRow(tr("Streams"), streamsSpin_);
    threadsSpin_ = spin(box, "threadsSpin", 0, 1024, 1, 0, QString());
    threadsSpin_->setSpecialValueText(tr("all cores"));
    threadsSpin_->setToolTip(tr("CPU threads for the decode. 0 uses all cores (fastest); fewer threads leave "
                                "cores free for the rest of the system."));
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
    predictionLabel_->setToolTip(tr("Predicted by the engine's tile planner and cost model before running"));
    layout->addWidget(predictionLabel_);

    connect(browse, &QPushButton::clicked, this, &SettingsPanel::browseVae);
    connect(latentsBrowse, &QPushButton::clicked, this, &SettingsPanel::browseLatents);
    connect(vaeEdit_, &QLineEdit::editingFinished, this, [this] {
        if (model_.source != vaeSource()) setVaeSource(vaeSource());
    });
    connect(latentsEdit_, &QLineEdit::returnPressed, this, [this] { setLatentsPath(latentsEdit_->text().trimmed()); });
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
    vaeEdit_->setText(source);
    vaeEdit_->setCursorPosition(0);
    model_ = ModelInfo();
    model_.source = source;
    model_.error = tr("Reading the checkpoint…");
    modelLabel_->setText(model_.error);
    probe_->probe(source);
    onChanged();
}

QString SettingsPanel::vaeSource() const {
    return vaeEdit_->text().trimmed();
}

void SettingsPanel::onModelInfo(const ModelInfo& info) {
    model_ = info;
    modelLabel_->setText(info.describe());
    modelLabel_->setStyleSheet(info.ok ? QString() : QStringLiteral("color: #c03030;"));
    if (info.ok) addRecent(info.source);
    updateLatentsInfo();
    onChanged();
}

void SettingsPanel::addRecent(const QString& source) {
    QStringList list = recentCheckpoints();
    list.removeAll(source);
    list.prepend(source);
    while (list.size() > kRecentMax) list.removeLast();
    store_->setValue(QLatin1String(kRecentKey), list);
    refreshRecentMenu();
}

QStringList SettingsPanel::recentCheckpoints() const {
    return store_->value(QLatin1String(kRecentKey)).toStringList();
}

void SettingsPanel::refreshRecentMenu() {
    QMenu* menu = recentButton_->menu();
    menu->clear();
    for (const QString& s : recentCheckpoints())
        menu->addAction(s, this, [this, s] { setVaeSource(s); });
    recentButton_->setEnabled(!menu->isEmpty());
}

void SettingsPanel::setLatents(const at::Tensor& latents, const QString& label) {
    latents_ = latents;
    latentsError_.clear();
    latentsEdit_->setText(label);
    latentsEdit_->setCursorPosition(0);
    updateLatentsInfo();
    onChanged();
}

void SettingsPanel::setLatentsPath(const QString& path) {
    latents_ = at::Tensor();
    latentsError_.clear();
    latentsEdit_->setText(path);
    latentsEdit_->setCursorPosition(0);
    try {
        latents_ = ts::readLatents(path.toStdString());
    } catch (const c10::Error& e) {
        latentsError_ = QString::fromUtf8(e.what_without_backtrace());
    } catch (const std::exception& e) {
        latentsError_ = QString::fromUtf8(e.what());
    }
    updateLatentsInfo();
    onChanged();
}

QString SettingsPanel::latentsPath() const {
    return latents_.defined() ? QString() : latentsEdit_->text().trimmed();
}

void SettingsPanel::updateLatentsInfo() {
    if (!latents_.defined()) {
        latentsLabel_->setText(latentsError_);
        return;
    }
    QString text = tr("Latents %1").arg(shapeText(latents_));
    if (latents_.dim() == 4 && model_.ok) {
        const ts::VaeConfig& c = model_.config;
        text += tr(" → %1 frames of %2×%3 px")
                    .arg(c.videoFrames(latents_.size(1)))
                    .arg(latents_.size(3) * c.spatialFactor())
                    .arg(latents_.size(2) * c.spatialFactor());
    }
    latentsLabel_->setText(text);
}

void SettingsPanel::browseVae() {
    const QString file = QFileDialog::getOpenFileName(this, tr("Open VAE checkpoint"),
                                                      QFileInfo(vaeSource()).absolutePath(),
                                                      tr("VAE checkpoints (*.pth *.pt *.safetensors);;All files (*)"));
    if (!file.isEmpty()) setVaeSource(file);
}

void SettingsPanel::browseLatents() {
    const QString file = QFileDialog::getOpenFileName(this, tr("Open latents"), QString(),
                                                      tr("Latents (*.safetensors *.npy *.pt);;All files (*)"));
    if (!file.isEmpty()) setLatentsPath(file);
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
        return QString::fromUtf8(e.what());
    }
    if (!latents_.defined() && !latentsError_.isEmpty()) return latentsError_;
    if (!model_.ok && !probe_->isBusy() && !model_.error.isEmpty()) return model_.error;
    return {};
}

void SettingsPanel::onChanged() {
    const bool tiled = tilingCombo_->currentText() != QStringLiteral("off");
    for (QSpinBox* s : {tileSpin_, overlapSpin_, streamsSpin_}) s->setEnabled(tiled && !running_);

    const QString problem = settingsProblem();
    problemLabel_->setText(problem);
    problemLabel_->setVisible(!problem.isEmpty());

    // The prediction does not need a runnable device: a CPU-only build can still plan a
    // 3090 Ti preset.
    if (model_.ok && latents_.defined() && latents_.dim() == 4)
        prediction_ = predictDecode(model_.config, latents_.size(1), latents_.size(2), latents_.size(3), settings());
    else {
        prediction_ = Prediction();
        prediction_.error = probe_->isBusy() ? tr("Reading the checkpoint…") : tr("No prediction without a model and latents");
    }
    predictionLabel_->setText(prediction_.ok ? tr("Predicted: %1").arg(prediction_.summary()) : prediction_.error);
    Q_EMIT problemChanged(problem);
    Q_EMIT settingsChanged();
}

bool SettingsPanel::applyPreset(const QString& name) {
    const std::optional<Preset> p = presets_.find(name);
    if (!p) return false;
    const QString device = QString::fromStdString(p->settings.device);
    int d = deviceCombo_->findData(device);
    if (d < 0) {
        deviceCombo_->addItem(tr("%1 (not available here)").arg(device), device);
        d = deviceCombo_->count() - 1;
    }
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
    for (QWidget* w : std::initializer_list<QWidget*>{vaeEdit_, latentsEdit_, deviceCombo_, precisionCombo_,
                                                     tilingCombo_, threadsSpin_, memoryCombo_, presetCombo_,
                                                     optionsBox_})
        w->setEnabled(!running);
    onChanged();
}

}  // namespace tsui
