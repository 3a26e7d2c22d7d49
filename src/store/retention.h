// Retention (alertbridge.yml `retention:`): history the bridge no longer needs is deleted in the
// background, in small transactions, so that a database that runs for a year does not grow
// without bound and no ingest waits on a long delete.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "common/time.h"
#include "store/store.h"

namespace ab {

// How long each kind of history is kept; none = kept for ever. Incidents and their timelines are
// kept by default (KPIs and reviews read them); what is delivered is only kept for a look back.
struct RetentionPolicy {
  // Delivered and discarded outbox entries (with their payloads), after they were delivered or
  // discarded.
  std::optional<Duration> delivered_outbox = Duration(7LL * 24 * 3'600'000);
  // Rows of resolved alerts, after they resolved, unless a pending or open incident holds them.
  std::optional<Duration> resolved_alerts = Duration(30LL * 24 * 3'600'000);
  // Closed incidents with their timeline, outbox entries, refs and memberships, after they were
  // closed. Their group's last occurrence number is kept, so a recurrence never reuses a key.
  std::optional<Duration> closed_incidents;
  Duration interval{60'000};  // how often pruning runs
  int batch_rows = 500;       // rows of each kind per transaction
};

// Runs PruneBatch on a thread of its own every `interval`, batch after batch until nothing more
// is due, letting the writer in between batches.
class RetentionPruner {
 public:
  using Report = std::function<void(const Result<PruneCounts>&)>;  // after each pass

  RetentionPruner(IncidentStore& store, RetentionPolicy policy, const Clock& clock,
                  Report report = nullptr);
  ~RetentionPruner();  // stops (a batch in progress finishes; the rest waits for the next run)

  RetentionPruner(const RetentionPruner&) = delete;
  RetentionPruner& operator=(const RetentionPruner&) = delete;

  void Start();
  void Stop();
  // One pass as of `now`: batches until every kind comes back short. For tests and the thread.
  Result<PruneCounts> RunOnce(TimePoint now);

 private:
  void Run();

  IncidentStore& store_;
  const RetentionPolicy policy_;
  const Clock& clock_;
  Report report_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace ab
