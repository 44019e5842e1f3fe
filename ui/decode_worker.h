#pragma once
// Runs one decode (ts::WanVae::load + ts::runDecode) on a background thread and forwards
// what the engine reports through queued Qt signals carrying plain value structs.
// The GUI thread never blocks on the engine: start() returns at once, cancel() only sets
// a flag the engine polls between layers and chunks.
// Seam check: after the requested (tiled) run the same latents are decoded again untiled
// (DecodeSettings::untiledReference, as decode --check-seams does) and each frame's
// |tiled - untiled| goes out as a SeamBatch; cancel stops that decode the same way.
#include "decode/decode_observer.h"
#include "decode/decode_settings.h"
#include "profile/trace_store.h"
#include "seam_heatmap.h"

#include <ATen/core/Tensor.h>

#include <QImage>
#include <QMetaType>
#include <QObject>
#include <QString>
#include <QVector>

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

namespace ts {
class WanVae;
}

namespace tsui {

// One progress report, copied out of ts::DecodeProgress.
struct ProgressInfo {
    int chunksDone = 0;
    int chunksTotal = 0;
    int framesDone = 0;
    int framesTotal = 0;
    double elapsedSeconds = 0;
    double etaSeconds = -1;
    int tilesDone = 0;        // tiled runs: tiles finished
    int tilesTotal = 1;
    QString stage;
    bool seamReference = false;  // the Seam check's untiled reference decode, after the run
};

// Consecutive decoded video frames, starting at video frame `first`.
struct FrameBatch {
    int first = 0;
    QVector<QImage> images;
};

// How a run ended.
struct RunOutcome {
    enum class Status { Done, Cancelled, Failed };
    Status status = Status::Failed;
    QString message;          // the engine's one-line message for Failed, a summary otherwise
    int errorKind = -1;       // static_cast<int>(ts::ErrorKind) for Failed/Cancelled, else -1
    int frames = 0;           // video frames produced (a cancelled run's: those delivered)
    double wallSeconds = 0;   // whole run incl. model load
    double decodeSeconds = 0; // the network itself
    std::int64_t macs = 0;    // multiply-adds executed
    int tiles = 1;
    // What ran, which a memory budget may change from what was asked: an untiled request
    // decoded as exact tiles that fit. "" when the run did not finish.
    QString tilingRun;
    int tilePxRun = 0;
    // The process's peak resident memory during the decode: the kernel's high-water mark,
    // restarted just before it and read just after it (loading the model and the Seam
    // check's reference decode are not in it); where the kernel does not allow a restart,
    // the highest RSS seen at the engine's progress reports. The whole window's, as any RSS is.
    std::int64_t peakRssBytes = -1;
    // The RSS when the decode began (-1 unknown): what the window already held, including
    // what it keeps of earlier runs. peakRssBytes minus it is what this decode added, the
    // figure that compares between runs of one window.
    std::int64_t rssAtDecodeStartBytes = -1;
    // Seam check: seconds spent on the untiled reference decode (not in wallSeconds, so
    // the history's timings stay those of the run itself); 0 without one.
    double seamSeconds = 0;
    // Seam check asked for on an untiled run: skipped, the run is its own reference.
    bool seamSkipped = false;
    // Cancel during the seam check's reference decode: the run is done, the check is not.
    bool seamCancelled = false;
};

// What to decode. Either `latents` is defined, or `latentsPath` names a file that the
// worker reads with ts::readLatents on its thread.
struct DecodeRequest {
    QString vaeSource;        // path or builtin:* name for ts::WanVae::load
    at::Tensor latents;       // [C,T,h,w] fp32, or undefined
    QString latentsPath;
    ts::DecodeSettings settings;
    // Where the run's engine spans (and any other trace source's events) go; may be null.
    std::shared_ptr<ts::TraceStore> trace;
    // Also decode untiled and send |tiled - untiled| per frame (seamReady). Costs a
    // second decode and keeps the whole tiled video in memory until it is done.
    bool seamCheck = false;
};

// [3,n,H,W] fp32 CPU tensor in [-1,1] -> frame `index` as an RGB888 image.
QImage frameToImage(const at::Tensor& frames, int index);

class DecodeWorker : public QObject, public ts::DecodeObserver {
    Q_OBJECT
public:
    explicit DecodeWorker(QObject* parent = nullptr);
    ~DecodeWorker() override;  // cancels and joins a running decode

    // Starts a run; false (and nothing happens) while one is still running.
    bool start(DecodeRequest request);
    void cancel();
    bool isRunning() const { return running_.load(); }

    // ts::DecodeObserver, called on the decoding thread.
    void onProgress(const ts::DecodeProgress& p) override;
    void onFrames(int first, const at::Tensor& frames) override;
    bool cancelRequested() const override { return cancel_.load(); }
    ts::TraceSink* traceSink() override { return trace_.get(); }
    // The Seam check's reference decode reports through this (decoding thread): labelled,
    // and not in the run's memory samples.
    void onSeamReferenceProgress(const ts::DecodeProgress& p);

Q_SIGNALS:
    void progress(const tsui::ProgressInfo& info);
    void framesReady(const tsui::FrameBatch& batch);
    void seamReady(const tsui::SeamBatch& batch);  // before finished
    void finished(const tsui::RunOutcome& outcome);

private:
    void runOnThread(DecodeRequest request);
    void emitProgress(const ts::DecodeProgress& p, bool seamReference);
    void join();
    void runSeamReference(const at::Tensor& latents, const ts::DecodeSettings& settings);

    std::thread thread_;
    std::atomic<bool> running_{false};
    std::atomic<bool> cancel_{false};
    std::shared_ptr<ts::TraceStore> trace_;  // the running request's; set before the thread starts
    std::int64_t peakRss_ = -1;               // decoding thread only
    at::Tensor tiledVideo_;                   // decoding thread only: the run's frames for a seam check
    bool seamCancelled_ = false;              // decoding thread only: runSeamReference was cancelled
    int framesDelivered_ = 0;                 // decoding thread only: the run's frames handed out so far
    // The last loaded model, reused when the next run names the same source. Only the
    // decoding thread touches it, and only one run exists at a time.
    std::shared_ptr<const ts::WanVae> model_;
    QString modelSource_;
};

}  // namespace tsui

Q_DECLARE_METATYPE(tsui::ProgressInfo)
Q_DECLARE_METATYPE(tsui::FrameBatch)
Q_DECLARE_METATYPE(tsui::RunOutcome)
