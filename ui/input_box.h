#pragma once
// The "Model and input" group of the settings panel: the checkpoint (typed, Browse…,
// Recent; below it what the checkpoint is, read off the GUI thread by a ModelProbe, or
// the loader's error) and the latents (a file read at once to know its shape, or an
// in-memory clip such as the demo's; below it the shape and the frames it decodes to).
// It knows nothing about decode settings: changed() tells the panel to validate and
// predict again.
#include "latents_probe.h"
#include "model_probe.h"

#include <ATen/core/Tensor.h>

#include <QGroupBox>
#include <QString>
#include <QStringList>

class QLabel;
class QLineEdit;
class QPushButton;
class QSettings;
class QToolButton;

namespace tsui {

// A form row: `a` stretched, then `b` (and `c`) at their natural width.
QWidget* formRow(QWidget* parent, QWidget* a, QWidget* b, QWidget* c = nullptr);

class InputBox : public QGroupBox {
    Q_OBJECT
public:
    // store: where the recent checkpoints are kept.
    InputBox(QSettings* store, QWidget* parent = nullptr);

    void setVaeSource(const QString& source);
    QString vaeSource() const;
    void setLatents(const at::Tensor& latents, const QString& label);  // in memory (the demo)
    void setLatentsPath(const QString& path);  // read now, to know the shape; a bad file says why
    const at::Tensor& latents() const { return latents_; }
    QString latentsPath() const;   // "" for an in-memory clip
    QString latentsLabel() const;  // the path, or the in-memory clip's label

    const ModelInfo& modelInfo() const { return model_; }
    bool modelPending() const { return probe_->isBusy(); }
    // Why the inputs cannot be decoded ("" if they can, or while the checkpoint is read).
    QString problem() const;
    QStringList recentCheckpoints() const;
    void setRunning(bool running);  // read-only during a run
    // The file dialogs of the two Browse… buttons (also File > Open Checkpoint/Latents);
    // nothing while a run is on.
    void browseVae();
    void browseLatents();

Q_SIGNALS:
    void changed();

private:
    void onModelInfo(const ModelInfo& info);
    void addRecent(const QString& source);
    void refreshRecentMenu();
    void updateRecentButton();  // on with checkpoints to offer, off during a run
    void updateLatentsInfo();
    QString latentsMismatch() const;  // "" unless the latents' channels differ from the model's

    QSettings* store_;
    ModelProbe* probe_;
    LatentsProbe* latentsProbe_;
    ModelInfo model_;
    at::Tensor latents_;
    QString latentsError_;
    QString mismatch_;  // latentsMismatch() as of the last update

    bool running_ = false;
    QLineEdit* vaeEdit_ = nullptr;
    QPushButton* vaeBrowse_ = nullptr;
    QPushButton* latentsBrowse_ = nullptr;
    QToolButton* recentButton_ = nullptr;
    QLabel* modelLabel_ = nullptr;
    QLineEdit* latentsEdit_ = nullptr;
    QLabel* latentsLabel_ = nullptr;
};

}  // namespace tsui
