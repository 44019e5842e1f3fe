#include "schedule/tiled_decoder.h"

#include "core/error.h"
#include "core/format_bytes.h"
#include "model/causal_decoder.h"
#include "plan/memory_budget.h"
#include "profile/trace_scope.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/ThreadLocalState.h>
#include <c10/core/Event.h>
#include <c10/core/InferenceMode.h>
#include <c10/core/StreamGuard.h>
#include <c10/core/impl/VirtualGuardImpl.h>

#include <algorithm>
#include <deque>
#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

namespace ts {

namespace {

using Clock = std::chrono::steady_clock;

// "WxH+X+Y": a rectangle in one comma-free token (CSV and trace args).
std::string rectText(const Rect& r) {
    return std::to_string(r.width()) + "x" + std::to_string(r.height()) + "+" + std::to_string(r.x0) + "+" +
           std::to_string(r.y0);
}

// Video frames produced by latent frame t: 1 for the first, temporalFactor after.
std::int64_t firstFrameOf(const VaeConfig& cfg, std::int64_t t) { return t == 0 ? 0 : cfg.videoFrames(t); }

// State shared by the workers of one run. Everything mutable is behind `mutex`, except
// the atomics.
struct SharedRun {
    SharedRun(const WanVae& m, const TilePlan& p, DecodeObserver& o) : model(m), plan(p), observer(o) {}
    const WanVae& model;
    const TilePlan& plan;
    DecodeObserver& observer;
    TraceSink* trace = nullptr;       // engine spans; null = not tracing
    GraphOptions graph;               // optimised paths every tile takes
    at::Tensor video;                 // output, CPU fp32
    std::vector<at::Tensor> prefix;   // exact: middle-block output per latent frame
    at::Tensor z;                     // blend: the de-normalised latent
    std::optional<c10::Event> prefixDone;
    Clock::time_point start;
    std::deque<PlannedTile> queue;    // tiles still to run (split tiles go to the front)
    int nextIndex = 0;                // for tiles made by splitting
    std::int64_t tileBudget = 0;      // bytes a tile may use; 0 = no budget
    int retries = 0;
    int tilesRun = 0;
    std::atomic<bool> failed{false};
    std::mutex mutex;
    std::exception_ptr error;
    std::vector<TileSpan> schedule;
    std::int64_t macs = 0;
    int arenaBuffers = 0;
    std::int64_t arenaBytes = 0;
    DecodeProgress progress;
    // The caller's thread-local state (profiler observers, memory reporting): workers
    // run under it, as at::launch does, so ATen ops on their threads are profiled too.
    at::ThreadLocalState callerState;

    double now() const { return std::chrono::duration<double>(Clock::now() - start).count(); }
    bool stop() const { return failed.load() || observer.cancelRequested(); }
};

// A tile's latent frame t on its worker's track, as the untiled decode's chunks on the main
// one: the timeline then shows how far each tile is, and chunks line up across tiles.
TraceScope chunkSpan(const SharedRun& run, const PlannedTile& tile, const ForwardContext& ctx, std::int64_t t) {
    return TraceScope(run.trace, "latent frame " + std::to_string(t), "chunk", 0, ctx.traceTid,
                      {{"latent_frame", std::to_string(t)}, {"tile", std::to_string(tile.index)}});
}

// Exact: crop of the middle-block output through the upsampling stages, written as is.
void runExactTile(SharedRun& run, const PlannedTile& tile, ForwardContext& ctx, int& chunksDone) {
    CausalDecoder decoder(run.model);
    const VaeConfig& cfg = run.model.config();
    const Rect& in = tile.latent;
    for (std::int64_t t = 0; t < run.plan.latentFrames; ++t) {
        const TraceScope chunk = chunkSpan(run, tile, ctx, t);
        at::Tensor x = run.prefix[t].narrow(3, in.y0, in.height()).narrow(4, in.x0, in.width());
        at::Tensor y = decoder.forwardUpsamplingRegion(x, in, tile.regions, ctx);
        decoder.finishFrame();
        at::Tensor frames = y.squeeze(0).to(at::kFloat).clamp_(-1.0, 1.0).to(at::kCPU);
        const Rect& o = tile.output;
        // Disjoint output rectangles: no lock needed for the copy.
        run.video.narrow(1, firstFrameOf(cfg, t), frames.size(1))
            .narrow(2, o.y0, o.height()).narrow(3, o.x0, o.width()).copy_(frames);
        std::lock_guard<std::mutex> lock(run.mutex);
        ++run.progress.chunksDone;
        ++chunksDone;
    }
}

// Blend: the whole decoder on the tile's latent crop, accumulated with feather weights.
void runBlendTile(SharedRun& run, const PlannedTile& tile, ForwardContext& ctx, int& chunksDone) {
    CausalDecoder decoder(run.model);
    const VaeConfig& cfg = run.model.config();
    const Rect& l = tile.latent;
    const at::Tensor z = run.z.narrow(3, l.y0, l.height()).narrow(4, l.x0, l.width());
    const at::Tensor weight =
        at::tensor(at::ArrayRef<float>(tile.weightY)).view({1, 1, -1, 1}) *
        at::tensor(at::ArrayRef<float>(tile.weightX)).view({1, 1, 1, -1});
    for (std::int64_t t = 0; t < run.plan.latentFrames; ++t) {
        const TraceScope chunk = chunkSpan(run, tile, ctx, t);
        at::Tensor y = decoder.decodeFrame(z.narrow(2, t, 1), ctx);
        at::Tensor weighted = (y.squeeze(0).to(at::kFloat).to(at::kCPU) * weight);
        const Rect& o = tile.output;
        std::lock_guard<std::mutex> lock(run.mutex);  // overlapping tiles add into the same pixels
        run.video.narrow(1, firstFrameOf(cfg, t), weighted.size(1))
            .narrow(2, o.y0, o.height()).narrow(3, o.x0, o.width()).add_(weighted);
        ++run.progress.chunksDone;
        ++chunksDone;
    }
}

// Replaces an exact tile that did not fit by its four quarters (halves when one side is
// already 8 px), at the front of the queue, and records the retry.
void splitTile(SharedRun& run, const PlannedTile& tile, const std::string& reason, int chunksDone) {
    const Rect o = tile.output;
    if (run.plan.mode != TilingMode::Exact)
        throw Error(ErrorKind::OutOfMemory, reason + " in " + toString(run.plan.mode) +
                                                " tile " + std::to_string(tile.index) +
                                                "; only exact tiles can be split and retried: use --tiling exact or a smaller --tile");
    if (o.height() <= 8 && o.width() <= 8)
        throw Error(ErrorKind::OutOfMemory, reason + " even for an 8x8 px tile");
    auto cut = [](std::int64_t a, std::int64_t b) { return b - a > 8 ? a + std::max<std::int64_t>(8, (b - a) / 16 * 8) : b; };
    const std::int64_t ym = cut(o.y0, o.y1), xm = cut(o.x0, o.x1);
    std::vector<Rect> parts;
    for (const auto& [y0, y1] : {std::pair{o.y0, ym}, std::pair{ym, o.y1}})
        for (const auto& [x0, x1] : {std::pair{o.x0, xm}, std::pair{xm, o.x1}})
            if (y1 > y0 && x1 > x0) parts.push_back(Rect{y0, y1, x0, x1});
    std::lock_guard<std::mutex> lock(run.mutex);
    for (auto it = parts.rbegin(); it != parts.rend(); ++it)
        run.queue.push_front(makeExactTile(run.model.config(), run.plan, *it, run.nextIndex++, tile.row, tile.col));
    ++run.retries;
    run.progress.tilesTotal += static_cast<int>(parts.size()) - 1;
    run.progress.chunksTotal += static_cast<int>((parts.size() - 1) * run.plan.latentFrames);
    run.progress.chunksDone -= chunksDone;
    const double now = run.now();
    run.schedule.push_back(TileSpan{tile.index, 0, 0, now, now, 0,
                                    "retry: tile " + std::to_string(tile.index) + " split into " +
                                        std::to_string(parts.size()) + " (" + reason + ")"});
}

void reportProgress(SharedRun& run) {
    std::lock_guard<std::mutex> lock(run.mutex);
    run.progress.elapsedSeconds = run.now();
    if (run.progress.chunksDone > 0)
        run.progress.etaSeconds = run.progress.elapsedSeconds / run.progress.chunksDone *
                                  (run.progress.chunksTotal - run.progress.chunksDone);
    run.observer.onProgress(run.progress);
}

void worker(SharedRun& run, int index, c10::Device device, int threads) {
    try {
        at::ThreadLocalStateGuard callerState(run.callerState);
        c10::InferenceMode inference;
        if (device.is_cpu()) at::set_num_threads(threads);
        std::optional<c10::StreamGuard> streamGuard;
        std::int64_t streamId = 0;
        if (device.is_cuda()) {
            c10::impl::VirtualGuardImpl impl(device.type());
            c10::Stream stream = impl.getStreamFromGlobalPool(device);
            streamGuard.emplace(stream);
            streamId = stream.id();
            if (run.prefixDone) run.prefixDone->block(stream);  // tiles read the prefix output
        }
        ForwardContext ctx;
        ctx.cancelled = [&run] { return run.stop(); };
        ctx.graph = run.graph;
        // CPU workers get their own host tracks; on CUDA the track is the worker's
        // stream, so the timeline groups tiles by stream.
        ctx.trace = run.trace;
        ctx.traceTid = device.is_cuda() ? streamId : cpuWorkerTrack(index);
        ThreadTrackScope track(run.trace, 0, ctx.traceTid);
        if (run.trace)
            run.trace->nameTrack(0, ctx.traceTid, "worker " + std::to_string(index) +
                                                      (device.is_cuda() ? " (stream " + std::to_string(streamId) + ")" : ""));
        for (;;) {
            PlannedTile tile;
            {
                std::lock_guard<std::mutex> lock(run.mutex);
                if (run.queue.empty() || run.stop()) break;
                tile = std::move(run.queue.front());
                run.queue.pop_front();
            }
            if (run.tileBudget > 0 && tile.peakBytes > run.tileBudget) {
                splitTile(run, tile,
                          "predicted " + formatBytes(tile.peakBytes) + " over the per-tile budget of " +
                              formatBytes(run.tileBudget),
                          0);
                continue;
            }
            const std::int64_t macsBefore = ctx.macs;
            TileSpan span{tile.index, index, streamId, run.now(), 0, 0,
                          "tile " + std::to_string(tile.index) + " (r" + std::to_string(tile.row) + " c" +
                              std::to_string(tile.col) + ")"};
            int chunksDone = 0;
            TraceScope tileSpan(run.trace, "tile " + std::to_string(tile.index), "tile", 0, ctx.traceTid,
                                {{"tile", std::to_string(tile.index)},
                                 {"row", std::to_string(tile.row)},
                                 {"col", std::to_string(tile.col)},
                                 {"output_rect", rectText(tile.output)},
                                 {"latent_rect", rectText(tile.latent)},
                                 {"planned_macs", std::to_string(tile.macs)},
                                 {"worker", std::to_string(index)},
                                 {"stream", std::to_string(streamId)}});
            try {
                if (run.plan.mode == TilingMode::Blend)
                    runBlendTile(run, tile, ctx, chunksDone);
                else
                    runExactTile(run, tile, ctx, chunksDone);
            } catch (const c10::OutOfMemoryError&) {
                tileSpan.arg("outcome", "out of memory: split and retried");
                splitTile(run, tile, "out of memory on " + device.str(), chunksDone);
                continue;
            }
            span.endSeconds = run.now();
            span.macs = ctx.macs - macsBefore;
            tileSpan.arg("macs", std::to_string(span.macs));
            {
                std::lock_guard<std::mutex> lock(run.mutex);
                run.schedule.push_back(span);
                ++run.progress.tilesDone;
                ++run.tilesRun;
            }
            reportProgress(run);
        }
        std::lock_guard<std::mutex> lock(run.mutex);
        run.macs += ctx.macs;
        run.arenaBuffers += ctx.arena.buffers();
        run.arenaBytes += ctx.arena.bytesHeld();
    } catch (...) {
        std::lock_guard<std::mutex> lock(run.mutex);
        if (!run.error) run.error = std::current_exception();
        run.failed = true;
    }
}

}  // namespace

TiledResult runTilePlan(const WanVae& model, const at::Tensor& z, const TilePlan& plan,
                        const DecodeSettings& settings, const WorkerBalance& balance,
                        DecodeObserver& observer, std::int64_t budgetBytes) {
    c10::InferenceMode inference;
    const c10::Device device = model.device();
    SharedRun run(model, plan, observer);
    run.trace = observer.traceSink();
    run.graph = settings.graph;
    run.start = Clock::now();
    run.video = at::zeros({3, plan.videoFrames, plan.frameHeight, plan.frameWidth});
    run.progress.chunksTotal = static_cast<int>(plan.tiles.size() * plan.latentFrames);
    run.progress.framesTotal = static_cast<int>(plan.videoFrames);
    run.progress.tilesTotal = static_cast<int>(plan.tiles.size());
    run.progress.stage = toString(plan.mode) + " tiles";
    run.queue.assign(plan.tiles.begin(), plan.tiles.end());
    run.nextIndex = static_cast<int>(plan.tiles.size());
    if (budgetBytes > 0) {
        run.tileBudget = perTileBudget(plan, balance.workers, budgetBytes);
        if (run.tileBudget <= 0)
            throw Error(ErrorKind::OutOfMemory,
                        "--max-memory: " + formatBytes(budgetBytes) +
                            " is below what the run holds besides its tiles (weights, kept prefix outputs, output video: " +
                            formatBytes(budgetBytes - run.tileBudget * std::max(1, balance.workers)) + ")");
    }

    std::int64_t prefixMacs = 0;
    if (plan.mode == TilingMode::Exact) {
        // The global-receptive-field part, once, on the whole latent.
        ForwardContext ctx;
        ctx.cancelled = [&observer] { return observer.cancelRequested(); };
        ctx.graph = run.graph;
        ctx.trace = run.trace;
        ctx.traceTid = kMainTrack;
        CausalDecoder prefix(model);
        const double t0 = run.now();
        for (std::int64_t t = 0; t < plan.latentFrames; ++t) {
            run.prefix.push_back(prefix.forwardPrefix(z.narrow(2, t, 1), ctx));
            prefix.finishFrame();
        }
        prefixMacs = ctx.macs;
        run.schedule.push_back(TileSpan{-1, 0, 0, t0, run.now(), ctx.macs, "prefix (post-quant conv, middle block)"});
        if (device.is_cuda()) {
            run.prefixDone.emplace(device.type());
            c10::impl::VirtualGuardImpl impl(device.type());
            run.prefixDone->record(impl.getStream(device));
        }
    } else {
        run.z = z;
    }
    reportProgress(run);

    const int workers = std::max(1, std::min<int>(balance.workers, static_cast<int>(plan.tiles.size())));
    const int threadsEach = std::max(1, balance.threadsPerWorker);
    const int callerThreads = at::get_num_threads();
    if (workers == 1) {
        worker(run, 0, device, threadsEach);
    } else {
        std::vector<std::thread> pool;
        for (int i = 0; i < workers; ++i) pool.emplace_back(worker, std::ref(run), i, device, threadsEach);
        for (std::thread& t : pool) t.join();
    }
    if (device.is_cpu()) at::set_num_threads(callerThreads);
    if (run.error) std::rethrow_exception(run.error);
    if (observer.cancelRequested()) throw Error(ErrorKind::Cancelled, "cancelled");

    if (plan.mode == TilingMode::Blend) run.video.clamp_(-1.0, 1.0);
    std::sort(run.schedule.begin(), run.schedule.end(),
              [](const TileSpan& a, const TileSpan& b) { return a.startSeconds < b.startSeconds; });
    return TiledResult{run.video,       run.macs + prefixMacs, std::move(run.schedule), run.retries,
                       run.tilesRun,    run.arenaBuffers,      run.arenaBytes};
}

}  // namespace ts
