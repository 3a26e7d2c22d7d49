// The ingest pipeline: one committer thread owns the engine. HTTP threads queue decoded batches
// and people's actions; the committer runs every queued item through the engine and commits them
// all in ONE store transaction (group commit), then answers each request. A 2xx therefore always
// means the alerts or the action and their effects are durable. Timers (Engine::Tick) run on the
// same thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/time.h"
#include "config/config.h"
#include "engine/engine.h"
#include "model/outbox.h"
#include "store/store.h"

namespace ab {

class Metrics;

struct PipelineOptions {
  Duration tick_interval{1000};
  size_t max_queued_batches = 4096;  // beyond this, Submit refuses (the caller answers 503)
  size_t max_batches_per_commit = 256;
};

// Turns engine events into outbox entries for the receivers that want them.
std::vector<OutboxEntry> PlanOutbox(const Changes& changes, const Config& config, TimePoint now);

class IngestPipeline {
 public:
  using Done = std::function<void(const Status&)>;
  // The outcome is only meaningful when the status is ok (committed).
  using ActionDone = std::function<void(const Status&, const ActionOutcome&)>;

  IngestPipeline(Engine& engine, IncidentStore& store, const Config& config, const Clock& clock,
                 Metrics* metrics, std::function<void()> on_outbox, PipelineOptions options = {});
  ~IngestPipeline();

  // Restores the engine from the store and starts the committer thread.
  Status Start();
  // Commits what is queued, then stops.
  void Stop();

  // Queues one decoded batch. `done` runs on the committer thread after the commit (or failure).
  // Returns false at once when the queue is full or the pipeline is stopping.
  bool Submit(std::vector<Alert> alerts, Done done);
  // Queues a person's action; `done` runs on the committer thread after the commit.
  bool SubmitAction(Action action, ActionDone done);

  EngineStats stats() const;
  bool healthy() const { return healthy_; }

 private:
  // An alert batch, or an action when `action` is set.
  struct Batch {
    std::vector<Alert> alerts;
    Done done;
    std::optional<Action> action;
    ActionDone action_done;
    ActionOutcome outcome;
    Status lookup;  // reading an archived incident failed
  };
  bool Enqueue(Batch batch);
  void Run();
  void CommitStep(std::vector<Batch>& batches, bool tick);
  // Runs one action; `archived` holds incidents acted on in this step that the engine does not
  // hold, so a second action on one sees the first.
  Changes RunAction(Batch& b, TimePoint now, std::map<int64_t, Incident>& archived);

  Engine& engine_;
  IncidentStore& store_;
  const Config& config_;
  const Clock& clock_;
  Metrics* metrics_;
  std::function<void()> on_outbox_;
  PipelineOptions options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Batch> queue_;
  bool stopping_ = false;
  EngineStats stats_;
  std::atomic<bool> healthy_{true};
  std::thread thread_;
};

}  // namespace ab
