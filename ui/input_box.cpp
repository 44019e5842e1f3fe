#include "input_box.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPushButton>
#include <QSettings>
#include <QToolButton>

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

}  // namespace

QWidget* formRow(QWidget* parent, QWidget* a, QWidget* b, QWidget* c) {
    auto* w = new QWidget(parent);
    auto* l = new QHBoxLayout(w);
    l->setContentsMargins(0, 0, 0, 0);
    l->addWidget(a, 1);
    l->addWidget(b);
    if (c) l->addWidget(c);
    return w;
}

InputBox::InputBox(QSettings* store, QWidget* parent)
    : QGroupBox(tr("Model and input"), parent), store_(store), probe_(new ModelProbe(this)), latentsProbe_(new LatentsProbe(this)) {
    qRegisterMetaType<tsui::ModelInfo>("tsui::ModelInfo");
    connect(probe_, &ModelProbe::finished, this, &InputBox::onModelInfo);

    auto* inputForm = new QFormLayout(this);
    vaeEdit_ = new QLineEdit(this);
    vaeEdit_->setObjectName(QStringLiteral("vaeEdit"));
    vaeEdit_->setMinimumWidth(120);
    vaeEdit_->setPlaceholderText(tr("Wan2.1_VAE.pth, .safetensors or builtin:…"));
    vaeEdit_->setToolTip(tr("The VAE checkpoint: a .pth or .safetensors file (either key naming), or "
                            "builtin:tiny / builtin:wan2.1 (random weights)."));
    vaeBrowse_ = new QPushButton(tr("Browse…"), this);
    vaeBrowse_->setObjectName(QStringLiteral("vaeBrowseButton"));
    recentButton_ = new QToolButton(this);
    recentButton_->setObjectName(QStringLiteral("recentButton"));
    recentButton_->setText(tr("Recent"));
    recentButton_->setPopupMode(QToolButton::InstantPopup);
    recentButton_->setToolTip(tr("Checkpoints opened before"));
    recentButton_->setMenu(new QMenu(recentButton_));
    inputForm->addRow(tr("Checkpoint"), formRow(this, vaeEdit_, vaeBrowse_, recentButton_));
    modelLabel_ = new QLabel(this);
    modelLabel_->setObjectName(QStringLiteral("modelLabel"));
    modelLabel_->setWordWrap(true);
    // A wrapped label's row is sized for its width before the final one: keep the text at
    // the top of it rather than floating in the middle.
    modelLabel_->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    modelLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    inputForm->addRow(QString(), modelLabel_);

    latentsEdit_ = new QLineEdit(this);
    latentsEdit_->setObjectName(QStringLiteral("latentsEdit"));
    latentsEdit_->setPlaceholderText(tr("latents .safetensors, .npy or .pt"));
    latentsEdit_->setToolTip(tr("The latents to decode: [16,T,h,w] (or [1,16,T,h,w]) as a Wan2.1 pipeline "
                                "hands them to the VAE (normalised). Press Enter after typing a path."));
    latentsBrowse_ = new QPushButton(tr("Browse…"), this);
    latentsBrowse_->setObjectName(QStringLiteral("latentsBrowseButton"));
    inputForm->addRow(tr("Latents"), formRow(this, latentsEdit_, latentsBrowse_));
    latentsLabel_ = new QLabel(this);
    latentsLabel_->setObjectName(QStringLiteral("latentsLabel"));
    latentsLabel_->setWordWrap(true);
    latentsLabel_->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    inputForm->addRow(QString(), latentsLabel_);

    connect(vaeBrowse_, &QPushButton::clicked, this, &InputBox::browseVae);
    connect(latentsBrowse_, &QPushButton::clicked, this, &InputBox::browseLatents);
    connect(vaeEdit_, &QLineEdit::editingFinished, this, [this] {
        if (model_.source != vaeSource()) setVaeSource(vaeSource());
    });
    connect(latentsEdit_, &QLineEdit::returnPressed, this, [this] { setLatentsPath(latentsEdit_->text().trimmed()); });
    refreshRecentMenu();
}

// ------------------------------------------------------------------------ checkpoint

void InputBox::setVaeSource(const QString& source) {
    vaeEdit_->setText(source);
    vaeEdit_->setCursorPosition(0);
    model_ = ModelInfo();
    model_.source = source;
    model_.error = tr("Reading the checkpoint…");
    modelLabel_->setText(model_.error);
    probe_->probe(source);
    Q_EMIT changed();
}

QString InputBox::vaeSource() const {
    return vaeEdit_->text().trimmed();
}

void InputBox::onModelInfo(const ModelInfo& info) {
    model_ = info;
    modelLabel_->setText(info.describe());
    modelLabel_->setStyleSheet(info.ok ? QString() : QStringLiteral("color: #c03030;"));
    if (info.ok) addRecent(info.source);
    updateLatentsInfo();
    Q_EMIT changed();
}

void InputBox::addRecent(const QString& source) {
    QStringList list = recentCheckpoints();
    list.removeAll(source);
    list.prepend(source);
    while (list.size() > kRecentMax) list.removeLast();
    store_->setValue(QLatin1String(kRecentKey), list);
    refreshRecentMenu();
}

QStringList InputBox::recentCheckpoints() const {
    return store_->value(QLatin1String(kRecentKey)).toStringList();
}

void InputBox::refreshRecentMenu() {
    QMenu* menu = recentButton_->menu();
    menu->clear();
    for (const QString& s : recentCheckpoints())
        menu->addAction(s, this, [this, s] { setVaeSource(s); });
    updateRecentButton();
}

void InputBox::updateRecentButton() {
    recentButton_->setEnabled(!recentButton_->menu()->isEmpty() && !running_);
}

void InputBox::browseVae() {
    if (running_) return;
    const QString file = QFileDialog::getOpenFileName(this, tr("Open VAE checkpoint"),
                                                      QFileInfo(vaeSource()).absolutePath(),
                                                      tr("VAE checkpoints (*.pth *.pt *.safetensors);;All files (*)"));
    if (!file.isEmpty()) setVaeSource(file);
}

// ------------------------------------------------------------------------ latents

void InputBox::setLatents(const at::Tensor& latents, const QString& label) {
    latentsProbe_->cancel();  // a file still being read is not wanted any more
    latents_ = latents;
    latentsError_.clear();
    latentsEdit_->setText(label);
    latentsEdit_->setCursorPosition(0);
    updateLatentsInfo();
    Q_EMIT changed();
}

void InputBox::setLatentsPath(const QString& path) {
    latents_ = at::Tensor();
    latentsError_.clear();
    latentsEdit_->setText(path);
    latentsEdit_->setCursorPosition(0);
    latentsError_ = tr("Reading the latents…");  // also what problem() says: Run waits for them
    updateLatentsInfo();
    latentsProbe_->read(path, [this](const at::Tensor& latents, const QString& error) {
        latents_ = latents;
        latentsError_ = error;
        updateLatentsInfo();
        Q_EMIT changed();
    });
    Q_EMIT changed();
}

QString InputBox::latentsLabel() const {
    return latentsEdit_->text().trimmed();
}

QString InputBox::latentsPath() const {
    return latents_.defined() ? QString() : latentsEdit_->text().trimmed();
}

void InputBox::updateLatentsInfo() {
    mismatch_ = latentsMismatch();
    const QString error = !latents_.defined() ? latentsError_ : mismatch_;
    // Red as the checkpoint's errors are: a refusal, not a description.
    latentsLabel_->setStyleSheet(error.isEmpty() || latentsProbe_->isBusy() ? QString() : QStringLiteral("color: #c03030;"));
    if (!error.isEmpty() || !latents_.defined()) {
        latentsLabel_->setText(error);
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

void InputBox::browseLatents() {
    if (running_) return;
    const QString file = QFileDialog::getOpenFileName(this, tr("Open latents"), QString(),
                                                      tr("Latents (*.safetensors *.npy *.pt);;All files (*)"));
    if (!file.isEmpty()) setLatentsPath(file);
}

// ------------------------------------------------------------------------ state

QString InputBox::latentsMismatch() const {
    // What the decode would refuse, said before Run: latents of another channel count
    // than the checkpoint's latent space.
    if (!latents_.defined() || !model_.ok || latents_.dim() != 4 || latents_.size(0) == model_.config.zDim) return {};
    return tr("%1: latents have %2 channels; this checkpoint decodes %3 (%4)")
        .arg(latentsLabel())
        .arg(latents_.size(0))
        .arg(model_.config.zDim)
        .arg(QString::fromStdString(model_.config.describe()));
}

QString InputBox::problem() const {
    if (!latents_.defined() && !latentsError_.isEmpty()) return latentsError_;
    if (!mismatch_.isEmpty()) return mismatch_;
    if (!model_.ok && !probe_->isBusy() && !model_.error.isEmpty()) return model_.error;
    return {};
}

void InputBox::setRunning(bool running) {
    // All of it: a checkpoint chosen mid-run would show beside frames of another one.
    running_ = running;
    vaeEdit_->setEnabled(!running);
    latentsEdit_->setEnabled(!running);
    vaeBrowse_->setEnabled(!running);
    latentsBrowse_->setEnabled(!running);
    updateRecentButton();
}

}  // namespace tsui
