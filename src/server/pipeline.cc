#include "server/pipeline.h"

#include <spdlog/spdlog.h>

#include "model/json.h"
#include "server/metrics.h"

namespace ab {

std::vector<OutboxEntry> PlanOutbox(const Changes& changes, const Config& config, TimePoint now) {
  std::vector<OutboxEntry> out;
  for (const EventRecord& rec : changes.events) {
    std::string payload;  // serialised once per event, shared by its receivers
    for (const std::string& name : rec.notify) {
      const ReceiverConfig* rc = config.FindReceiver(name);
      if (rc == nullptr || !rc->Wants(rec.event.type)) continue;
      if (payload.empty()) {
        payload = EventEnvelope(rec.event, rec.snapshot, config.external_url).dump();
      }
      OutboxEntry e;
      e.incident_id = rec.event.incident_id;
      e.event_seq = rec.event.seq;
      e.receiver = name;
      e.event_id = EventId(rec.snapshot.key, rec.event.seq);
      e.event_type = std::string(ToString(rec.event.type));
      e.payload = payload;
      e.created_at = now;
      e.next_attempt_at = now;
      out.push_back(std::move(e));
    }
  }
  return out;
}

IngestPipeline::IngestPipeline(Engine& engine, IncidentStore& store, const Config& config,
                               const Clock& clock, Metrics* metrics,
                               std::function<void()> on_outbox, PipelineOptions options)
    : engine_(engine),
      store_(store),
      config_(config),
      clock_(clock),
      metrics_(metrics),
      on_outbox_(std::move(on_outbox)),
      options_(options) {}

IngestPipeline::~IngestPipeline() { Stop(); }

Status IngestPipeline::Start() {
  auto state = store_.Load();
  if (!state.ok()) return state.error();
  size_t alerts = state->alerts.size(), incidents = state->incidents.size();
  engine_.Restore(std::move(state->alerts), std::move(state->incidents));
  stats_ = engine_.Stats();
  spdlog::info("msg=\"state restored\" alerts={} incidents={} firing={} open_incidents={}", alerts,
               incidents, stats_.firing_alerts, stats_.open_incidents);
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void IngestPipeline::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool IngestPipeline::Submit(std::vector<Alert> alerts, Done done) {
  Batch b;
  b.alerts = std::move(alerts);
  b.done = std::move(done);
  return Enqueue(std::move(b));
}

bool IngestPipeline::SubmitAction(Action action, ActionDone done) {
  Batch b;
  b.action = std::move(action);
  b.action_done = std::move(done);
  return Enqueue(std::move(b));
}

bool IngestPipeline::Enqueue(Batch batch) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || queue_.size() >= options_.max_queued_batches) return false;
    queue_.push_back(std::move(batch));
  }
  cv_.notify_one();
  return true;
}

Changes IngestPipeline::RunAction(Batch& b, TimePoint now, std::map<int64_t, Incident>& archived) {
  const int64_t id = b.action->incident_id;
  const Incident* stored = nullptr;
  if (engine_.FindIncident(id) == nullptr) {
    // An older occurrence the engine let go of after a restart: act on its stored row.
    auto it = archived.find(id);
    if (it == archived.end()) {
      auto detail = store_.GetIncident(id);
      if (!detail.ok()) {
        b.lookup = detail.error();
        return {};
      }
      if (detail->has_value()) it = archived.emplace(id, (**detail).incident).first;
    }
    if (it != archived.end()) stored = &it->second;
  }
  b.outcome = engine_.Act(*b.action, now, stored);
  if (stored != nullptr && b.outcome.changed) archived[id] = b.outcome.incident;
  return std::move(b.outcome.changes);
}

EngineStats IngestPipeline::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void IngestPipeline::Run() {
  TimePoint next_tick = clock_.now() + options_.tick_interval;
  std::vector<Batch> batches;
  for (;;) {
    bool tick = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      // Timers need wall time to pass; the wait is bounded by the next tick.
      cv_.wait_for(lock, options_.tick_interval, [&] { return stopping_ || !queue_.empty(); });
      while (!queue_.empty() && batches.size() < options_.max_batches_per_commit) {
        batches.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      if (batches.empty() && stopping_) return;
    }
    TimePoint now = clock_.now();
    if (now >= next_tick) {
      tick = true;
      next_tick = now + options_.tick_interval;
    }
    if (!batches.empty() || tick) CommitStep(batches, tick);
    batches.clear();
  }
}

void IngestPipeline::CommitStep(std::vector<Batch>& batches, bool tick) {
  const TimePoint now = clock_.now();
  Changes changes;
  std::map<int64_t, Incident> archived;
  for (Batch& b : batches) {
    if (b.action) {
      changes.Merge(RunAction(b, now, archived));
    } else {
      engine_.Ingest(b.alerts, now, changes);
    }
  }
  if (tick) engine_.Tick(now, changes);

  Status status;
  if (!changes.empty()) {
    std::vector<OutboxEntry> outbox = PlanOutbox(changes, config_, now);
    auto started = std::chrono::steady_clock::now();
    status = store_.Commit(changes, outbox);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (status.ok()) {
      healthy_ = true;
      if (metrics_ != nullptr) {
        metrics_->Commit(secs, static_cast<double>(batches.size()));
        for (const EventRecord& rec : changes.events) {
          if (rec.event.type == EventType::kDeclared) {
            metrics_->IncidentDeclared(rec.snapshot.rule,
                                       std::string(ToString(rec.snapshot.priority)));
          }
        }
      }
      for (const EventRecord& rec : changes.events) {
        spdlog::info(
            "msg=\"incident event\" event={} incident={} key={} rule={} state={} priority={}",
            ToString(rec.event.type), rec.snapshot.id, rec.snapshot.key, rec.snapshot.rule,
            ToString(rec.snapshot.state), ToString(rec.snapshot.priority));
      }
      if (!outbox.empty() && on_outbox_) on_outbox_();
    } else {
      // The engine ran ahead of what is durable: rebuild it from the store, so that the senders'
      // retries (they get a 503) are applied to the committed state, not to lost changes.
      spdlog::error("msg=\"store commit failed\" error=\"{}\" batches={}", status.error().message,
                    batches.size());
      healthy_ = false;
      auto state = store_.Load();
      if (state.ok()) {
        engine_.Restore(std::move(state->alerts), std::move(state->incidents));
      } else {
        spdlog::error("msg=\"store reload failed\" error=\"{}\"", state.error().message);
      }
    }
  }
  if (tick || !status.ok()) {  // Stats() walks every alert: once per tick, not per commit
    EngineStats s = engine_.Stats();
    std::lock_guard<std::mutex> lock(mu_);
    stats_ = s;
  }
  for (Batch& b : batches) {
    if (b.done) b.done(status);
    if (b.action_done) b.action_done(b.lookup.ok() ? status : b.lookup, b.outcome);
  }
}

}  // namespace ab
