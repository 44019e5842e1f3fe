#include "profile/profile_session.h"

namespace ts {

ProfileSession::ProfileSession(TraceSink& sink, const ProfileSources& sources, const c10::Device& device)
    : sources_(sources) {
    sources_.validate("profile sources");
    if (!device.is_cuda()) sources_.cupti = false;  // nothing for it to record: not listed as recording
    if (sources_.sampler)
        sampler_ = std::make_unique<MemorySampler>(sink, sources_.samplePeriodMs, device.is_cuda() ? device.index() : -1);
    if (sources_.anyAtenSource()) aten_ = std::make_unique<AtenProfiler>(sink, sources_.ops, sources_.memory);
}

ProfileSession::~ProfileSession() { stop(); }

void ProfileSession::stop() {
    if (aten_) {
        aten_->stop();
        ops_ = aten_->opsRecorded();
        memoryEvents_ = aten_->memoryEvents();
        pool_ = aten_->devicePool();
        aten_.reset();
    }
    if (sampler_) {
        sampler_->stop();
        samples_ = sampler_->samples();
        sampler_.reset();
    }
}

nlohmann::json ProfileSession::describe() const {
    nlohmann::json out{{"sources", sources_.describe()},
                       {"ops", aten_ ? aten_->opsRecorded() : ops_},
                       {"memory_events", aten_ ? aten_->memoryEvents() : memoryEvents_},
                       {"memory_samples", sampler_ ? sampler_->samples() : samples_}};
    const DevicePoolPeak pool = aten_ ? aten_->devicePool() : pool_;
    if (pool.allocated >= 0) out["device_peak_allocated_bytes"] = pool.allocated;
    if (pool.reserved >= 0) out["device_peak_reserved_bytes"] = pool.reserved;
    return out;
}

}  // namespace ts
