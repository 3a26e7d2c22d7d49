// The ingest pipeline: two threads, so that the engine works on the next group of requests while
// the store syncs the previous one. HTTP threads queue decoded batches and people's actions; the
// engine thread runs them through the engine into a group; the store thread commits each group in
// ONE store transaction (group commit) and then answers its requests. A 2xx therefore always
// means the alerts or the action and their effects are durable. While one group commits, the next
// one gathers every request that arrives. Timers (Engine::Tick) run on the engine thread.
//
// Store faults. The engine runs at most one group ahead of the store, so when a commit fails the
// engine holds changes the store does not: the group after the failed one (computed on its state)
// is never handed over but fails too, and the engine is rebuilt from the store (after any commit
// in flight has finished) before it takes more work; the senders' retries then meet the committed
// state. Until the store has taken a write again (a commit, or the store thread's probe: a small
// write it retries on its own, so readiness comes back without traffic) and the engine has been
// rebuilt, the service is not ready and every batch is answered 503 at once; a rebuild that fails
// is retried on its own.
//
// Exceptions (bad_alloc, a bug's .at()) are contained per batch: the batch fails; an exception
// inside the engine may have left it half changed, so what the group held before that batch is
// committed and the engine is rebuilt from the store.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
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
  // The same in bytes of queued alerts, as the caller counts them (server.limits.queued_bytes).
  // A batch larger than the budget is taken when the queue is empty.
  size_t max_queued_bytes = 256 * 1024 * 1024;
  size_t max_batches_per_commit = 256;
  // After a rebuild of the engine from the store failed, when to try again.
  Duration rebuild_retry{1000};
  // The store thread's probe (IncidentStore::Probe): how soon after a failed commit or probe, and
  // how long after the last successful write while idle (so that a full disk shows in readiness
  // before the next alert finds it).
  Duration probe_retry{250};
  Duration idle_probe{15'000};
  // Called on the engine thread at every turn of its loop, at least every tick_interval (and
  // between the steps of a long recovery): a liveness signal such as the systemd watchdog's.
  std::function<void()> on_loop;
  // Called when healthy() changes (on the engine or the store thread), after the change.
  std::function<void(bool healthy)> on_health;
};

class IngestPipeline {
 public:
  using Done = std::function<void(const Status&)>;
  // The outcome is only meaningful when the status is ok (committed).
  using ActionDone = std::function<void(const Status&, const ActionOutcome&)>;

  // `config` must outlive the pipeline (or until a Reload replaces it).
  IngestPipeline(Engine& engine, IncidentStore& store, const Config& config, const Clock& clock,
                 Metrics* metrics, std::function<void()> on_outbox, PipelineOptions options = {});
  IngestPipeline(Engine& engine, IncidentStore& store, std::shared_ptr<const Config> config,
                 const Clock& clock, Metrics* metrics, std::function<void()> on_outbox,
                 PipelineOptions options = {});
  ~IngestPipeline();

  // Restores the engine from the store and starts the threads.
  Status Start();
  // Commits what is queued, then stops.
  void Stop();

  // Queues one decoded batch. `done` runs on the store thread after the commit (or failure).
  // Returns false at once when the queue is full or the pipeline is stopping.
  // `bytes`: what the batch holds in memory, counted against max_queued_bytes.
  bool Submit(std::vector<Alert> alerts, Done done, size_t bytes = 0);
  // Queues a person's action; `done` runs on the store thread after the commit.
  bool SubmitAction(Action action, ActionDone done);
  // Reload: queued like a batch, so that every batch before it runs on the old rules and every
  // one after it on the new ones. The engine swaps its rule set (Engine::SetRules: incidents
  // whose rule vanished are flagged, the flag rows commit with the group) and the outbox is
  // planned with `config` from then on. `done` runs on the engine thread once swapped (ok), or
  // with an error when the pipeline could not take it (stopping, not ready).
  bool Reload(std::shared_ptr<const Config> config, std::shared_ptr<const RuleSet> rules,
              Done done);
  // Queues any other engine input (a silence made or ended through the API): run on the engine
  // thread into the current group, answered after its commit like an alert batch.
  using Command = std::function<void(Engine&, TimePoint, Changes&)>;
  bool SubmitCommand(Command command, Done done);

  EngineStats stats() const;
  // Open and pending incidents by state and priority, as of the last tick (for metrics).
  std::vector<IncidentCount> incident_counts() const;
  // Ready for work: the store took the last write (commit or probe) and the engine matches it.
  bool healthy() const { return store_ok_ && engine_ok_; }

 private:
  // An alert batch, or an action when `action` is set.
  struct Batch {
    std::vector<Alert> alerts;
    Done done;
    std::optional<Action> action;
    ActionDone action_done;
    Command command;
    ActionOutcome outcome;
    Status lookup;  // reading an archived incident failed
    size_t bytes = 0;
    // A reload (see Reload): both set.
    std::shared_ptr<const Config> reload_config;
    std::shared_ptr<const RuleSet> reload_rules;
  };
  // Batches the engine has run, to be committed together.
  struct Group {
    std::vector<Batch> batches;
    Changes changes;
    // Incidents acted on in this group that the engine does not hold, so that a second action on
    // one sees the first.
    std::map<int64_t, Incident> archived;
    // The configuration the engine ran on when the group was handed over (plans its outbox).
    std::shared_ptr<const Config> config;
    bool empty() const { return batches.empty() && changes.empty(); }
  };
  bool Enqueue(Batch batch);
  void RunEngine();
  // One turn of the engine thread's loop; false when it is time to stop.
  bool EngineTurn(Group& group, std::vector<Batch>& taken, TimePoint& next_tick);
  void RunStore();
  // On the engine thread: runs one batch into `group`.
  void Apply(Batch& b, Group& group, TimePoint now);
  // Runs one action; the store must hold everything committed before it (see RunEngine).
  Changes RunAction(Batch& b, TimePoint now, std::map<int64_t, Incident>& archived);
  // Hands `group` to the store thread once it is idle. False when a commit failed meanwhile.
  bool HandOff(Group& group);
  // Waits until the store thread has answered everything handed to it.
  bool WaitForStore();
  // A commit failed, or the engine may be half changed: answers `group` (not committed) with
  // `status`, waits for the commit in flight, then rebuilds the engine from the store.
  void Recover(Group& group, const Status& status);
  // Restores the engine from the store; on failure the engine is marked unusable and the rebuild
  // is retried after options_.rebuild_retry.
  void Rebuild();
  // After a Restore: stores the orphaned flags the engine derives from its rules (a rule removed
  // while stopped). A failure is logged; the next change of each incident writes its row anyway.
  void CommitFlags();
  // After an exception in the engine: commits what `group` held before it, then rebuilds.
  void RecoverFromEngineFault(Group& group);
  // On the store thread.
  Status Commit(Group& group);
  void Probe();
  static void Answer(Group& group, const Status& status);
  static void Answer(Batch& b, const Status& status);

  Engine& engine_;
  IncidentStore& store_;
  std::shared_ptr<const Config> config_;  // the engine thread's; groups carry their own
  const Clock& clock_;
  Metrics* metrics_;
  std::function<void()> on_outbox_;
  PipelineOptions options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;        // wakes the engine thread
  std::condition_variable store_cv_;  // wakes the store thread
  std::deque<Batch> queue_;
  size_t queued_bytes_ = 0;
  bool stopping_ = false;
  std::optional<Group> handed_;         // waiting for the store thread
  bool store_busy_ = false;             // a group is handed over or being committed
  std::optional<Status> store_failed_;  // the last commit failed; the engine must recover
  bool store_stop_ = false;
  std::chrono::steady_clock::time_point next_probe_;    // store thread
  std::chrono::steady_clock::time_point next_rebuild_;  // engine thread, while !engine_ok_
  EngineStats stats_;
  std::vector<IncidentCount> incident_counts_;
  // Sets a health flag, tells options_.on_health when healthy() changed; the flag's old value.
  bool SetHealth(std::atomic<bool>& flag, bool ok);
  std::atomic<bool> store_ok_{true};   // the last commit or probe succeeded
  std::atomic<bool> engine_ok_{true};  // the engine holds what the store holds, nothing else
  std::thread thread_;                 // engine
  std::thread store_thread_;
};

}  // namespace ab
