#include "server/pipeline.h"

#include <spdlog/spdlog.h>

#include "model/json.h"
#include "server/metrics.h"

namespace ab {

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
  store_thread_ = std::thread([this] { RunStore(); });
  thread_ = std::thread([this] { RunEngine(); });
  return Status::Ok();
}

void IngestPipeline::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();  // it commits what is queued, then stops the store
  {
    std::lock_guard<std::mutex> lock(mu_);
    store_stop_ = true;
  }
  store_cv_.notify_all();
  if (store_thread_.joinable()) store_thread_.join();
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

void IngestPipeline::Apply(Batch& b, Group& group, TimePoint now) {
  if (b.action) {
    group.changes.Merge(RunAction(b, now, group.archived));
  } else {
    engine_.Ingest(b.alerts, now, group.changes);
  }
  group.batches.push_back(std::move(b));
}

bool IngestPipeline::HandOff(Group& group) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return !store_busy_ || store_failed_; });
  if (store_failed_) return false;
  if (group.empty()) return true;
  handed_ = std::move(group);
  group = Group{};
  store_busy_ = true;
  store_cv_.notify_one();
  return true;
}

bool IngestPipeline::WaitForStore() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return !store_busy_ || store_failed_; });
  return !store_failed_;
}

void IngestPipeline::Recover(Group& group, const Status& status) {
  // The engine ran ahead of what is durable: rebuild it from the store, so that the senders'
  // retries (they get a 503) are applied to the committed state, not to lost changes.
  Answer(group, status);
  group = Group{};
  auto state = store_.Load();
  if (state.ok()) {
    engine_.Restore(std::move(state->alerts), std::move(state->incidents));
  } else {
    spdlog::error("msg=\"store reload failed\" error=\"{}\"", state.error().message);
  }
  std::lock_guard<std::mutex> lock(mu_);
  store_failed_.reset();
  stats_ = engine_.Stats();
}

void IngestPipeline::RunEngine() {
  TimePoint next_tick = clock_.now() + options_.tick_interval;
  Group group;
  std::vector<Batch> taken;
  for (;;) {
    bool stop = false;
    std::optional<Status> failed;
    {
      std::unique_lock<std::mutex> lock(mu_);
      // Timers need wall time to pass; the wait is bounded by the next tick.
      cv_.wait_for(lock, options_.tick_interval, [&] {
        return stopping_ || store_failed_ || !queue_.empty() || (!group.empty() && !store_busy_);
      });
      failed = store_failed_;
      while (!failed && !queue_.empty() &&
             group.batches.size() + taken.size() < options_.max_batches_per_commit) {
        taken.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      stop = stopping_ && queue_.empty() && taken.empty();
    }
    if (failed) {
      Recover(group, *failed);
      continue;
    }
    const TimePoint now = clock_.now();
    size_t applied = 0;
    for (; applied < taken.size(); ++applied) {
      Batch& b = taken[applied];
      // An action may read an incident from the store: everything before it is committed first.
      // Should that commit fail, the rest waits for the recovery.
      if (b.action && !(HandOff(group) && WaitForStore())) break;
      Apply(b, group, now);
    }
    taken.erase(taken.begin(), taken.begin() + static_cast<std::ptrdiff_t>(applied));
    if (!taken.empty()) continue;
    if (now >= next_tick) {
      engine_.Tick(now, group.changes);
      next_tick = now + options_.tick_interval;
    }
    {
      EngineStats s = engine_.Stats();
      std::lock_guard<std::mutex> lock(mu_);
      stats_ = s;
      if (!store_busy_ && !group.empty()) {
        handed_ = std::move(group);
        group = Group{};
        store_busy_ = true;
        store_cv_.notify_one();
      }
    }
    if (stop) {
      if (HandOff(group) && WaitForStore()) return;
      continue;  // a commit failed on the way: recover and answer, then stop
    }
  }
}

void IngestPipeline::RunStore() {
  for (;;) {
    Group group;
    {
      std::unique_lock<std::mutex> lock(mu_);
      store_cv_.wait(lock, [&] { return handed_.has_value() || store_stop_; });
      if (!handed_) return;
      group = std::move(*handed_);
      handed_.reset();
    }
    Status status = Commit(group);
    Answer(group, status);
    {
      std::lock_guard<std::mutex> lock(mu_);
      store_busy_ = false;
      if (!status.ok()) store_failed_ = status;
    }
    cv_.notify_all();
  }
}

Status IngestPipeline::Commit(Group& group) {
  const Changes& changes = group.changes;
  if (changes.empty()) return Status::Ok();
  const TimePoint now = clock_.now();
  std::vector<OutboxEntry> outbox = OutboxEntriesOf(changes, config_.external_url, now);
  auto started = std::chrono::steady_clock::now();
  Status status = store_.Commit(changes, outbox);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!status.ok()) {
    spdlog::error("msg=\"store commit failed\" error=\"{}\" batches={}", status.error().message,
                  group.batches.size());
    healthy_ = false;
    return status;
  }
  healthy_ = true;
  if (metrics_ != nullptr) {
    metrics_->Commit(secs, static_cast<double>(group.batches.size()));
    for (const EventRecord& rec : changes.events) {
      if (rec.event.type == EventType::kDeclared) {
        metrics_->IncidentDeclared(rec.snapshot.rule, std::string(ToString(rec.snapshot.priority)));
      }
    }
  }
  for (const EventRecord& rec : changes.events) {
    spdlog::info("msg=\"incident event\" event={} incident={} key={} rule={} state={} priority={}",
                 ToString(rec.event.type), rec.snapshot.id, rec.snapshot.key, rec.snapshot.rule,
                 ToString(rec.snapshot.state), ToString(rec.snapshot.priority));
  }
  if (!outbox.empty() && on_outbox_) on_outbox_();
  return status;
}

void IngestPipeline::Answer(Group& group, const Status& status) {
  for (Batch& b : group.batches) {
    if (b.done) b.done(status);
    if (b.action_done) b.action_done(b.lookup.ok() ? status : b.lookup, b.outcome);
  }
}

}  // namespace ab
