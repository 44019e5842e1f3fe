#pragma once
// The decoding workbench's main window: settings on the left (checkpoint, latents,
// device, precision, tiling...), Run/Cancel with a progress bar, and a frame preview with
// a frame slider on the right. Decodes run on a DecodeWorker thread; the window only
// reacts to its queued signals, so the event loop keeps running during a decode.
#include "decode_worker.h"

#include "decode/decode_settings.h"

#include <ATen/core/Tensor.h>

#include <QImage>
#include <QMainWindow>
#include <QString>
#include <QVector>

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSlider;
class QSpinBox;

namespace tsui {

class FrameView;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Inputs. setLatents keeps an in-memory clip (the demo); setLatentsPath names a file
    // read when the run starts. Editing the latents field switches to the file.
    void setVaeSource(const QString& source);
    QString vaeSource() const;
    void setLatents(const at::Tensor& latents, const QString& label);
    void setLatentsPath(const QString& path);
    void setTitle(const QString& title);

    // The settings as the widgets show them, and why the engine refuses them ("" if it
    // does not).
    ts::DecodeSettings settings() const;
    QString settingsProblem() const;

    bool isRunning() const;
    int frameCount() const;             // frames received from the current/last run
    QImage frame(int index) const;
    QImage currentFrame() const;        // the one the preview shows
    QString statusText() const;         // the status bar's current message

public Q_SLOTS:
    bool startRun();   // false (with a status message) when refused
    void cancelRun();

Q_SIGNALS:
    void runStarted();
    void runFinished(const tsui::RunOutcome& outcome);

protected:
    void closeEvent(QCloseEvent* event) override;

private Q_SLOTS:
    void onSettingsChanged();
    void onProgress(const tsui::ProgressInfo& info);
    void onFrames(const tsui::FrameBatch& batch);
    void onFinished(const tsui::RunOutcome& outcome);
    void showFrame(int index);
    void browseVae();
    void browseLatents();

private:
    void buildUi();
    void setRunningUi(bool running);
    void showStatus(const QString& text);
    void updateInputInfo();

    DecodeWorker* worker_ = nullptr;

    // inputs
    at::Tensor latents_;
    QString latentsLabel_;

    // widgets
    QLineEdit* vaeEdit_ = nullptr;
    QLineEdit* latentsEdit_ = nullptr;
    QComboBox* deviceCombo_ = nullptr;
    QComboBox* precisionCombo_ = nullptr;
    QComboBox* tilingCombo_ = nullptr;
    QSpinBox* tileSpin_ = nullptr;
    QSpinBox* overlapSpin_ = nullptr;
    QSpinBox* streamsSpin_ = nullptr;
    QSpinBox* threadsSpin_ = nullptr;
    QLabel* problemLabel_ = nullptr;
    QPushButton* runButton_ = nullptr;
    QPushButton* cancelButton_ = nullptr;
    QProgressBar* progressBar_ = nullptr;
    QLabel* resultLabel_ = nullptr;
    QLabel* titleLabel_ = nullptr;
    QLabel* inputInfoLabel_ = nullptr;
    FrameView* frameView_ = nullptr;
    QSlider* frameSlider_ = nullptr;
    QLabel* frameLabel_ = nullptr;

    // results
    QVector<QImage> frames_;
    int framesExpected_ = 0;
    QString problem_;
};

}  // namespace tsui
