#include "server/pipeline.h"

#include "common/log.h"
#include "model/json.h"
#include "server/metrics.h"
#include "server/review.h"

namespace ab {

namespace {

// What a sender is told. The store's own error names files and SQL: that goes to the log only.
constexpr const char* kStoreFailed = "the store could not commit";
constexpr const char* kRecovering = "recovering from a store failure";
constexpr const char* kInternal = "internal error";

Status Unavailable(const char* why) { return MakeError(why); }

// Where each list of a Changes ended, so that the rows a failed step appended can be dropped
// (an engine step only ever appends).
struct ChangesMark {
  explicit ChangesMark(const Changes& c)
      : alerts(c.alerts.size()),
        incidents(c.incidents.size()),
        removed(c.removed_incidents.size()),
        joined(c.joined.size()),
        events(c.events.size()),
        silences(c.silences.size()),
        holdings(c.holdings.size()) {}
  void TruncateTo(Changes& c) const {
    auto cut = [](auto& v, size_t n) {
      v.erase(v.begin() + static_cast<std::ptrdiff_t>(n), v.end());
    };
    cut(c.alerts, alerts);
    cut(c.incidents, incidents);
    cut(c.removed_incidents, removed);
    cut(c.joined, joined);
    cut(c.events, events);
    cut(c.silences, silences);
    cut(c.holdings, holdings);
  }
  size_t alerts, incidents, removed, joined, events, silences, holdings;
};

}  // namespace

IngestPipeline::IngestPipeline(Engine& engine, IncidentStore& store, const Config& config,
                               const Clock& clock, Metrics* metrics,
                               std::function<void()> on_outbox, PipelineOptions options)
    : IngestPipeline(engine, store, std::shared_ptr<const Config>(&config, [](const Config*) {}),
                     clock, metrics, std::move(on_outbox), std::move(options)) {}

IngestPipeline::IngestPipeline(Engine& engine, IncidentStore& store,
                               std::shared_ptr<const Config> config, const Clock& clock,
                               Metrics* metrics, std::function<void()> on_outbox,
                               PipelineOptions options)
    : engine_(engine),
      store_(store),
      config_(std::move(config)),
      clock_(clock),
      metrics_(metrics),
      on_outbox_(std::move(on_outbox)),
      options_(std::move(options)) {}

IngestPipeline::~IngestPipeline() { Stop(); }

Status IngestPipeline::Start() {
  auto state = store_.Load();
  if (!state.ok()) return state.error();
  size_t alerts = state->alerts.size(), incidents = state->incidents.size();
  // The config's instance_id, when set, wins over the database's (CONTRACTS.md "Keys").
  const std::string instance_id =
      config_->instance_id.empty() ? state->instance_id : config_->instance_id;
  engine_.SetInstanceId(instance_id);
  engine_.Restore(std::move(state->alerts), std::move(state->incidents));
  CommitFlags();
  stats_ = engine_.Stats();
  incident_counts_ = engine_.CountIncidents();
  Log(LogLevel::kInfo, "state restored",
      {{"alerts", alerts},
       {"incidents", incidents},
       {"instance_id", instance_id},
       {"firing", stats_.firing_alerts},
       {"open_incidents", stats_.open_incidents}});
  next_probe_ = std::chrono::steady_clock::now() + options_.idle_probe;
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

bool IngestPipeline::Submit(std::vector<Alert> alerts, Done done, size_t bytes) {
  Batch b;
  b.alerts = std::move(alerts);
  b.done = std::move(done);
  b.bytes = bytes;
  return Enqueue(std::move(b));
}

bool IngestPipeline::SubmitAction(Action action, ActionDone done) {
  Batch b;
  b.action = std::move(action);
  b.action_done = std::move(done);
  return Enqueue(std::move(b));
}

bool IngestPipeline::Reload(std::shared_ptr<const Config> config,
                            std::shared_ptr<const RuleSet> rules, Done done) {
  Batch b;
  b.reload_config = std::move(config);
  b.reload_rules = std::move(rules);
  b.done = std::move(done);
  return Enqueue(std::move(b));
}

bool IngestPipeline::SubmitCommand(Command command, Done done) {
  Batch b;
  b.command = std::move(command);
  b.done = std::move(done);
  return Enqueue(std::move(b));
}

bool IngestPipeline::Enqueue(Batch batch) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || queue_.size() >= options_.max_queued_batches) return false;
    if (!queue_.empty() && queued_bytes_ + batch.bytes > options_.max_queued_bytes) return false;
    queued_bytes_ += batch.bytes;
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
        Log(LogLevel::kError, "reading an incident for an action failed",
            {{"incident", id}, {"error", detail.error().message}});
        b.lookup = Unavailable(kStoreFailed);
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

std::vector<IncidentCount> IngestPipeline::incident_counts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return incident_counts_;
}

void IngestPipeline::Apply(Batch& b, Group& group, TimePoint now) {
  if (b.reload_rules) {
    group.changes.Merge(engine_.SetRules(std::move(b.reload_rules)));
    config_ = std::move(b.reload_config);
    // The response policy and the maintenance windows of the file follow the reload; silences
    // made through the API stay.
    engine_.SetResponsePolicy(config_->severities);
    engine_.ReplaceConfigSilences(config_->silences);
    Done done = std::move(b.done);
    b.done = nullptr;  // answered now: the swap is done; the flag rows commit with the group
    if (done) done(Status::Ok());
  } else if (b.action) {
    group.changes.Merge(RunAction(b, now, group.archived));
  } else if (b.command) {
    b.command(engine_, now, group.changes);
  } else {
    const auto started = std::chrono::steady_clock::now();
    engine_.Ingest(b.alerts, now, group.changes);
    if (metrics_ != nullptr) {
      metrics_->RuleEvaluation(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
  }
  group.batches.push_back(std::move(b));
}

bool IngestPipeline::HandOff(Group& group) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return !store_busy_ || store_failed_; });
  if (store_failed_) return false;
  if (group.empty()) return true;
  group.config = config_;
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
  // The engine ran ahead of what is durable: nothing it computed since is acknowledged, and it is
  // rebuilt from the store, so that the senders' retries (they get a 503) are applied to the
  // committed state, not to lost changes.
  Answer(group, status);
  group = Group{};
  {
    // Whatever is still in flight (after an engine fault) lands first, or the rebuild would miss
    // it and the engine would hand out its ids again.
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !store_busy_; });
    store_failed_.reset();
  }
  Rebuild();
}

void IngestPipeline::Rebuild() {
  if (options_.on_loop) options_.on_loop();
  std::string error;
  try {
    auto state = store_.Load();
    if (state.ok()) {
      engine_.Restore(std::move(state->alerts), std::move(state->incidents));
      CommitFlags();
      EngineStats s = engine_.Stats();
      const bool was_ok = SetHealth(engine_ok_, true);
      {
        std::lock_guard<std::mutex> lock(mu_);
        stats_ = s;
      }
      if (!was_ok) Log(LogLevel::kInfo, "engine rebuilt from the store");
      return;
    }
    error = state.error().message;
  } catch (const std::exception& e) {
    error = e.what();
  }
  SetHealth(engine_ok_, false);
  next_rebuild_ = std::chrono::steady_clock::now() + options_.rebuild_retry;
  Log(LogLevel::kError, "rebuilding the engine from the store failed; not ready",
      {{"error", error}});
}

void IngestPipeline::CommitFlags() {
  // Only the engine thread (or Start, before it runs) writes here, and the store thread is idle.
  Changes flags = engine_.FlagOrphans();
  if (flags.empty()) return;
  if (Status st = store_.Commit(flags, {}); !st.ok()) {
    Log(LogLevel::kError, "storing the orphaned flags failed",
        {{"incidents", flags.incidents.size()}, {"error", st.error().message}});
    return;
  }
  Log(LogLevel::kWarn, "open incidents whose rule is gone are flagged orphaned",
      {{"incidents", flags.incidents.size()}});
}

void IngestPipeline::RecoverFromEngineFault(Group& group) {
  // What the group held before the fault was computed on a sound engine: commit it, then rebuild.
  if (!(HandOff(group) && WaitForStore())) {
    std::optional<Status> failed;
    {
      std::lock_guard<std::mutex> lock(mu_);
      failed = store_failed_;
    }
    return Recover(group, failed.value_or(Unavailable(kStoreFailed)));
  }
  Rebuild();
}

void IngestPipeline::RunEngine() {
  TimePoint next_tick = clock_.now() + options_.tick_interval;
  Group group;
  std::vector<Batch> taken;
  for (;;) {
    try {
      if (!EngineTurn(group, taken, next_tick)) return;
    } catch (const std::exception& e) {
      // A fault outside one batch's engine work (those are handled in EngineTurn): nothing of the
      // open group is acknowledged, and the engine is rebuilt.
      Log(LogLevel::kError, "engine thread fault; rebuilding", {{"error", e.what()}});
      try {
        Recover(group, Unavailable(kInternal));
      } catch (const std::exception&) {
        SetHealth(engine_ok_, false);
        next_rebuild_ = std::chrono::steady_clock::now() + options_.rebuild_retry;
      }
    }
  }
}

bool IngestPipeline::EngineTurn(Group& group, std::vector<Batch>& taken, TimePoint& next_tick) {
  if (options_.on_loop) options_.on_loop();
  bool stop = false;
  std::optional<Status> failed;
  std::vector<Batch> refused;
  {
    std::unique_lock<std::mutex> lock(mu_);
    // Timers need wall time to pass; the wait is bounded by the next tick (or rebuild).
    cv_.wait_for(lock, engine_ok_ ? options_.tick_interval : options_.rebuild_retry, [&] {
      return stopping_ || store_failed_ || !queue_.empty() || (!group.empty() && !store_busy_);
    });
    failed = store_failed_;
    if (!failed && !healthy()) {
      // Not ready (the store is failing, or the engine could not be rebuilt): answer at once.
      for (Batch& b : taken) refused.push_back(std::move(b));
      taken.clear();
      while (!queue_.empty()) {
        queued_bytes_ -= queue_.front().bytes;
        refused.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    while (!failed && !queue_.empty() &&
           group.batches.size() + taken.size() < options_.max_batches_per_commit) {
      queued_bytes_ -= queue_.front().bytes;
      taken.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    stop = stopping_ && queue_.empty() && taken.empty();
  }
  for (Batch& b : refused) Answer(b, Unavailable(kRecovering));
  if (failed) {
    Recover(group, *failed);
    return true;
  }
  if (!engine_ok_) {
    if (std::chrono::steady_clock::now() >= next_rebuild_) Rebuild();
    return !stop;
  }

  const TimePoint now = clock_.now();
  size_t applied = 0;
  bool faulted = false;
  for (; applied < taken.size(); ++applied) {
    Batch& b = taken[applied];
    // An action may read an incident from the store: everything before it is committed first.
    // Should that commit fail, the rest waits for the recovery.
    if (b.action && !(HandOff(group) && WaitForStore())) break;
    const ChangesMark mark(group.changes);
    try {
      Apply(b, group, now);
    } catch (const std::exception& e) {
      Log(LogLevel::kError, "engine failed on a batch; it fails and the engine is rebuilt",
          {{"alerts", b.alerts.size()},
           {"action", b.action.has_value()},
           {"command", static_cast<bool>(b.command)},
           {"error", e.what()}});
      mark.TruncateTo(group.changes);
      Answer(b, Unavailable(kInternal));
      ++applied;
      faulted = true;
      break;
    }
  }
  taken.erase(taken.begin(), taken.begin() + static_cast<std::ptrdiff_t>(applied));
  if (!faulted && taken.empty() && now >= next_tick && store_ok_) {
    const ChangesMark mark(group.changes);
    try {
      engine_.Tick(now, group.changes);
      std::vector<IncidentCount> counts = engine_.CountIncidents();  // for metrics, once a tick
      std::lock_guard<std::mutex> lock(mu_);
      incident_counts_ = std::move(counts);
    } catch (const std::exception& e) {
      Log(LogLevel::kError, "engine failed on a timer tick; rebuilding", {{"error", e.what()}});
      mark.TruncateTo(group.changes);
      faulted = true;
    }
    next_tick = now + options_.tick_interval;
  }
  if (faulted) {
    RecoverFromEngineFault(group);
    return true;
  }
  if (!taken.empty()) return true;
  {
    EngineStats s = engine_.Stats();
    std::lock_guard<std::mutex> lock(mu_);
    stats_ = s;
    // Never past a failed commit: this group was computed on top of it (see Recover).
    if (!store_busy_ && !store_failed_ && !group.empty()) {
      group.config = config_;
      handed_ = std::move(group);
      group = Group{};
      store_busy_ = true;
      store_cv_.notify_one();
    }
  }
  if (stop) {
    if (HandOff(group) && WaitForStore()) return false;
    return true;  // a commit failed on the way: recover and answer, then stop
  }
  return true;
}

void IngestPipeline::RunStore() {
  for (;;) {
    Group group;
    bool probe = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      store_cv_.wait_until(lock, next_probe_, [&] { return handed_.has_value() || store_stop_; });
      if (!handed_) {
        if (store_stop_) return;
        probe = std::chrono::steady_clock::now() >= next_probe_;
        if (!probe) continue;
      } else {
        group = std::move(*handed_);
        handed_.reset();
      }
    }
    if (probe) {
      Probe();
      continue;
    }
    const bool writes = !group.changes.empty();
    Status status;
    try {
      status = Commit(group);
    } catch (const std::exception& e) {
      // The store's transaction rolled back as its guard unwound: nothing of the group is stored.
      Log(LogLevel::kError, "store commit failed",
          {{"error", e.what()}, {"batches", group.batches.size()}});
      status = MakeError(e.what());
    }
    const auto now = std::chrono::steady_clock::now();
    if (status.ok()) {
      if (writes) {
        SetHealth(store_ok_, true);
        next_probe_ = now + options_.idle_probe;
      }
    } else {
      SetHealth(store_ok_, false);
      next_probe_ = now + options_.probe_retry;
      status = Unavailable(kStoreFailed);
    }
    Answer(group, status);
    {
      std::lock_guard<std::mutex> lock(mu_);
      store_busy_ = false;
      if (!status.ok()) store_failed_ = status;
    }
    cv_.notify_all();
  }
}

bool IngestPipeline::SetHealth(std::atomic<bool>& flag, bool ok) {
  const bool was = flag.exchange(ok);
  if (was != ok && options_.on_health) options_.on_health(healthy());
  return was;
}

void IngestPipeline::Probe() {
  Status s;
  try {
    s = store_.Probe();
  } catch (const std::exception& e) {
    s = MakeError(e.what());
  }
  const bool was_ok = SetHealth(store_ok_, s.ok());
  next_probe_ =
      std::chrono::steady_clock::now() + (s.ok() ? options_.idle_probe : options_.probe_retry);
  if (s.ok() && !was_ok) {
    Log(LogLevel::kInfo, "store writable again");
    cv_.notify_all();
  } else if (!s.ok() && was_ok) {
    Log(LogLevel::kError, "store probe failed; not ready", {{"error", s.error().message}});
  }
}

Status IngestPipeline::Commit(Group& group) {
  const Changes& changes = group.changes;
  if (changes.empty()) return Status::Ok();
  const TimePoint now = clock_.now();
  const Config& config = *group.config;
  ReviewAttachment review;
  review.wants = [&config](const std::string& receiver) {
    const ReceiverConfig* rc = config.FindReceiver(receiver);
    return rc != nullptr && rc->attach_review;
  };
  review.draft = [&](const EventRecord& rec) {
    return ReviewAtClose(store_, changes, rec, config.severities, config.external_url);
  };
  std::vector<OutboxEntry> outbox = OutboxEntriesOf(changes, config.external_url, now, &review);
  auto started = std::chrono::steady_clock::now();
  Status status = store_.Commit(changes, outbox);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!status.ok()) {
    Log(LogLevel::kError, "store commit failed",
        {{"error", status.error().message}, {"batches", group.batches.size()}});
    return status;
  }
  if (metrics_ != nullptr) {
    metrics_->Commit(secs, static_cast<double>(group.batches.size()));
    for (const EventRecord& rec : changes.events) {
      if (rec.event.type == EventType::kDeclared) {
        metrics_->IncidentDeclared(rec.snapshot.rule, std::string(ToString(rec.snapshot.priority)));
      }
      metrics_->IncidentEvent(rec.event, rec.snapshot);
    }
  }
  for (const EventRecord& rec : changes.events) {
    Log(LogLevel::kInfo, "incident event",
        {{"event", ToString(rec.event.type)},
         {"incident", rec.snapshot.id},
         {"key", rec.snapshot.key},
         {"rule", rec.snapshot.rule},
         {"state", ToString(rec.snapshot.state)},
         {"priority", ToString(rec.snapshot.priority)}});
  }
  if (!outbox.empty() && on_outbox_) on_outbox_();
  return status;
}

void IngestPipeline::Answer(Batch& b, const Status& status) {
  // A throwing callback (it builds the HTTP answer) must not take the other batches with it.
  try {
    if (b.done) b.done(status);
    if (b.action_done) b.action_done(b.lookup.ok() ? status : b.lookup, b.outcome);
  } catch (const std::exception& e) {
    Log(LogLevel::kError, "answering a request failed", {{"error", e.what()}});
  }
}

void IngestPipeline::Answer(Group& group, const Status& status) {
  for (Batch& b : group.batches) Answer(b, status);
}

}  // namespace ab
