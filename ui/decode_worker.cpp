#include "decode_worker.h"

#include "core/error.h"
#include "core/host_allocator.h"
#include "core/process_memory.h"
#include "decode/decoder_run.h"
#include "io/latents_reader.h"
#include "model/wan_vae.h"
#include "profile/cupti_session.h"
#include "profile/profile_session.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <new>
#include <optional>

namespace tsui {

namespace {

// Fine enough to catch a layer's activations (tens of ms each on the CPU demo), coarse
// enough that a sample (one /proc read) costs nothing measurable.
constexpr int kMemorySamplePeriodMs = 20;

struct MetaTypeRegistration {
    MetaTypeRegistration() {
        qRegisterMetaType<tsui::ProgressInfo>("tsui::ProgressInfo");
        qRegisterMetaType<tsui::FrameBatch>("tsui::FrameBatch");
        qRegisterMetaType<tsui::RunOutcome>("tsui::RunOutcome");
        qRegisterMetaType<tsui::SeamBatch>("tsui::SeamBatch");
    }
};

// Observes the untiled reference decode: compares each frame it produces with the
// tiled run's, forwards progress (labelled) and the worker's cancel flag.
class SeamReferenceObserver : public ts::DecodeObserver {
public:
    SeamReferenceObserver(DecodeWorker& worker, const at::Tensor& tiled, std::function<void(SeamBatch)> emitBatch)
        : worker_(worker), tiled_(tiled), emitBatch_(std::move(emitBatch)) {}
    void onProgress(const ts::DecodeProgress& p) override { worker_.onSeamReferenceProgress(p); }
    void onFrames(int first, const at::Tensor& frames) override {
        SeamBatch batch;
        batch.first = first;
        const int n = static_cast<int>(frames.size(1));
        batch.frames.reserve(n);
        for (int i = 0; i < n && first + i < tiled_.size(1); ++i)
            batch.frames.push_back(diffTensors(tiled_.select(1, first + i), frames.select(1, i)));
        emitBatch_(std::move(batch));
    }
    bool cancelRequested() const override { return worker_.cancelRequested(); }

private:
    DecodeWorker& worker_;
    const at::Tensor& tiled_;
    std::function<void(SeamBatch)> emitBatch_;
};

}  // namespace

QImage frameToImage(const at::Tensor& frames, int index) {
    if (!frames.defined() || frames.dim() != 4 || frames.size(0) != 3 || index < 0 ||
        index >= frames.size(1))
        return {};
    // [-1,1] -> [0,255], rounded; then HWC bytes.
    const at::Tensor rgb = frames.select(1, index)
                               .to(at::kCPU, at::kFloat)
                               .add(1.0)
                               .mul(127.5)
                               .round()
                               .clamp(0, 255)
                               .to(at::kByte)
                               .permute({1, 2, 0})
                               .contiguous();
    const int h = static_cast<int>(rgb.size(0));
    const int w = static_cast<int>(rgb.size(1));
    QImage image(w, h, QImage::Format_RGB888);
    if (image.isNull()) return {};
    const auto* src = rgb.data_ptr<uint8_t>();
    const std::size_t rowBytes = static_cast<std::size_t>(w) * 3;
    for (int y = 0; y < h; ++y)  // QImage rows are 4-byte aligned: copy row by row
        std::memcpy(image.scanLine(y), src + static_cast<std::size_t>(y) * rowBytes, rowBytes);
    return image;
}

DecodeWorker::DecodeWorker(QObject* parent) : QObject(parent) {
    static MetaTypeRegistration registration;
}

DecodeWorker::~DecodeWorker() {
    cancel();
    join();
}

void DecodeWorker::join() {
    if (thread_.joinable()) thread_.join();
}

bool DecodeWorker::start(DecodeRequest request) {
    if (running_.load()) return false;
    join();  // the previous run has emitted finished; reap its thread
    cancel_.store(false);
    running_.store(true);
    trace_ = request.trace;
    peakRss_ = ts::currentRssBytes();
    framesDelivered_ = 0;
    thread_ = std::thread([this, request = std::move(request)]() mutable { runOnThread(std::move(request)); });
    return true;
}

void DecodeWorker::cancel() {
    cancel_.store(true);
}

void DecodeWorker::onProgress(const ts::DecodeProgress& p) {
    peakRss_ = std::max(peakRss_, ts::currentRssBytes());
    emitProgress(p, false);
}

void DecodeWorker::onSeamReferenceProgress(const ts::DecodeProgress& p) {
    ts::DecodeProgress labelled = p;
    labelled.stage = "Seam check, untiled reference: " + (p.stage.empty() ? std::string("decoding") : p.stage);
    emitProgress(labelled, true);
}

void DecodeWorker::emitProgress(const ts::DecodeProgress& p, bool seamReference) {
    ProgressInfo info;
    info.seamReference = seamReference;
    info.chunksDone = p.chunksDone;
    info.chunksTotal = p.chunksTotal;
    info.framesDone = p.framesDone;
    info.framesTotal = p.framesTotal;
    info.elapsedSeconds = p.elapsedSeconds;
    info.etaSeconds = p.etaSeconds;
    info.tilesDone = p.tilesDone;
    info.tilesTotal = p.tilesTotal;
    info.stage = QString::fromStdString(p.stage);
    Q_EMIT progress(info);
}

void DecodeWorker::onFrames(int first, const at::Tensor& frames) {
    FrameBatch batch;
    batch.first = first;
    const int n = (frames.defined() && frames.dim() == 4) ? static_cast<int>(frames.size(1)) : 0;
    batch.images.reserve(n);
    for (int i = 0; i < n; ++i) batch.images.push_back(frameToImage(frames, i));
    framesDelivered_ += n;
    Q_EMIT framesReady(batch);
    if (tiledVideo_.defined() && n > 0 && first + n <= tiledVideo_.size(1) &&
        frames.sizes().slice(2) == tiledVideo_.sizes().slice(2))
        tiledVideo_.narrow(1, first, n).copy_(frames);
}

void DecodeWorker::runSeamReference(const at::Tensor& latents, const ts::DecodeSettings& settings) {
    SeamReferenceObserver observer(*this, tiledVideo_, [this](SeamBatch b) { Q_EMIT seamReady(b); });
    // The run itself succeeded: a reference that cannot be decoded (typically out of the
    // memory tiling saved) is reported to the preview, not as a failed run; so is a Cancel
    // during the reference (the run is recorded as done, with all its frames; the seam
    // figures cover the frames compared so far).
    SeamBatch failure;
    try {
        ts::runDecode(*model_, latents, settings.untiledReference(), observer);
        return;
    } catch (const ts::Error& e) {
        if (e.kind() == ts::ErrorKind::Cancelled) {
            SeamBatch stopped;
            stopped.cancelled = true;
            Q_EMIT seamReady(stopped);
            seamCancelled_ = true;
            return;
        }
        failure.error = QString::fromUtf8(e.what());
    } catch (const c10::Error& e) {
        failure.error = QString::fromUtf8(e.what_without_backtrace());
    } catch (const std::bad_alloc&) {
        failure.error = QStringLiteral("out of memory");
    }
    Q_EMIT seamReady(failure);
}

void DecodeWorker::runOnThread(DecodeRequest request) {
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    RunOutcome out;
    // The decode's peak: the kernel's high-water mark, restarted just before runDecode and
    // read just after it (the samples at progress reports miss what comes and goes between
    // two of them). Loading the model and the Seam check's reference decode are not in it.
    bool highWaterReset = false;
    std::int64_t highWater = -1;
    auto readHighWater = [&] {
        if (highWaterReset && highWater < 0) highWater = ts::peakRssBytes();
    };
    auto throwIfCancelled = [this](const char* when) {
        if (cancel_.load()) throw ts::Error(ts::ErrorKind::Cancelled, std::string("cancelled ") + when);
    };
    try {
        throwIfCancelled("before the model was loaded");
        request.settings.validate();
        at::Tensor latents = request.latents;
        if (!latents.defined()) {
            if (request.latentsPath.isEmpty()) ts::throwUsage("no latents: open a latents file or use --demo");
            latents = ts::readLatents(request.latentsPath.toStdString());
        }
        if (request.vaeSource.isEmpty()) ts::throwUsage("no VAE checkpoint: choose a .pth or .safetensors file");
        if (!model_ || modelSource_ != request.vaeSource) {
            model_.reset();
            modelSource_.clear();
            model_ = std::make_shared<const ts::WanVae>(
                ts::WanVae::load(request.vaeSource.toStdString(), ts::VaeParts::Decoder));
            modelSource_ = request.vaeSource;
        }
        throwIfCancelled("after the model was loaded");
        // Into the same trace as the engine's spans, while the decode runs: ATen ops (with
        // shapes and FLOPs, on the worker tracks), allocations tied to their op, and memory
        // samples for the graph (RSS, and the device's used memory on CUDA).
        // On CUDA, CUPTI's kernels, copies and launches too, flushed into the trace while the
        // decode runs (started first, as the CLI does, so that the session's own calls are
        // not in it). Where CUPTI cannot start (no driver, a profiler already attached),
        // start() leaves its reason as a note in the trace, and the rest is recorded.
        const c10::Device device = ts::parseDevice(request.settings.device);
        std::unique_ptr<ts::CuptiSession> cupti;
        if (request.trace && device.is_cuda()) {
            cupti = std::make_unique<ts::CuptiSession>();
            std::string whyNot;
            if (!cupti->start(*request.trace, &whyNot)) cupti.reset();
        }
        std::optional<ts::ProfileSession> profile;
        if (request.trace) {
            ts::ProfileSources sources;
            sources.samplePeriodMs = kMemorySamplePeriodMs;
            profile.emplace(*request.trace, sources, device);
        }
        // An untiled run is what the reference decode would be (same device, precision,
        // options): decoding it again would only show zeros, at the cost of a whole decode.
        const bool selfReference = request.seamCheck && request.settings.tiling == ts::TilingMode::Off;
        if (selfReference) request.seamCheck = false;
        if (request.seamCheck) {
            // The run's frames, kept for the comparison (the reference is streamed).
            const ts::VaeConfig& cfg = model_->config();
            const std::int64_t f = cfg.spatialFactor();
            tiledVideo_ = at::empty({3, cfg.videoFrames(latents.size(1)), latents.size(2) * f, latents.size(3) * f});
        }
        highWaterReset = ts::resetPeakRss();
        out.rssAtDecodeStartBytes = ts::currentRssBytes();
        // The samples restart here too: one taken before (an earlier, larger model still
        // loaded) is not this decode's.
        peakRss_ = out.rssAtDecodeStartBytes;
        ts::RunStats stats;
        try {
            stats = ts::runDecode(*model_, latents, request.settings, *this);
        } catch (...) {
            readHighWater();  // a cancelled or failed decode's peak too
            throw;
        }
        readHighWater();
        if (profile) profile->stop();
        if (cupti) cupti->stop();  // a forced flush: every finished kernel is in the trace
        if (request.seamCheck) {
            // Only the run itself is traced and timed; the reference is a check.
            out.wallSeconds = std::chrono::duration<double>(Clock::now() - t0).count();
            const auto tSeam = Clock::now();
            seamCancelled_ = false;
            runSeamReference(latents, request.settings);
            out.seamSeconds = std::chrono::duration<double>(Clock::now() - tSeam).count();
            out.seamCancelled = seamCancelled_;
        }
        if (selfReference) {
            SeamBatch self;
            self.selfReference = true;
            Q_EMIT seamReady(self);
            out.seamSkipped = true;
        }
        out.status = RunOutcome::Status::Done;
        out.frames = static_cast<int>(stats.outputFrames);
        out.decodeSeconds = stats.decodeSeconds;
        out.macs = stats.macs;
        out.tiles = stats.tiles;
        out.tilingRun = QString::fromStdString(stats.tiling);
        out.tilePxRun = stats.tilePx;
    } catch (const ts::Error& e) {
        out.errorKind = static_cast<int>(e.kind());
        out.status = e.kind() == ts::ErrorKind::Cancelled ? RunOutcome::Status::Cancelled
                                                          : RunOutcome::Status::Failed;
        out.message = QString::fromUtf8(e.what());
    } catch (const c10::Error& e) {
        out.errorKind = static_cast<int>(ts::ErrorKind::Runtime);
        out.message = QString::fromUtf8(e.what_without_backtrace());
    } catch (const std::bad_alloc&) {
        out.errorKind = static_cast<int>(ts::ErrorKind::OutOfMemory);
        out.message = QStringLiteral("out of memory");
    } catch (const std::exception& e) {
        out.errorKind = static_cast<int>(ts::ErrorKind::Runtime);
        out.message = QString::fromUtf8(e.what());
    } catch (...) {
        out.errorKind = static_cast<int>(ts::ErrorKind::Runtime);
        out.message = QStringLiteral("unknown error");
    }
    tiledVideo_ = at::Tensor();  // release the kept frames before anyone can start another run
    ts::releaseFreeHostMemory();  // an idle window should not hold the run's peak (host_allocator.h)
    if (out.wallSeconds == 0 || out.status != RunOutcome::Status::Done)
        out.wallSeconds = std::chrono::duration<double>(Clock::now() - t0).count();
    out.peakRssBytes = highWater > 0 ? std::max(peakRss_, highWater) : std::max(peakRss_, ts::currentRssBytes());
    // A cancelled or failed run's frames are those it delivered (the engine counts only a
    // finished run's): one count in the result line, the history and the exports.
    if (out.status != RunOutcome::Status::Done) out.frames = framesDelivered_;
    running_.store(false);
    Q_EMIT finished(out);
}

}  // namespace tsui
