#include "store/retention.h"

namespace ab {

RetentionPruner::RetentionPruner(IncidentStore& store, RetentionPolicy policy, const Clock& clock,
                                 Report report)
    : store_(store), policy_(policy), clock_(clock), report_(std::move(report)) {}

RetentionPruner::~RetentionPruner() { Stop(); }

void RetentionPruner::Start() {
  if (!policy_.delivered_outbox && !policy_.resolved_alerts && !policy_.closed_incidents) return;
  thread_ = std::thread([this] { Run(); });
}

void RetentionPruner::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Result<PruneCounts> RetentionPruner::RunOnce(TimePoint now) {
  PruneCounts total;
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) break;
    }
    Result<PruneCounts> batch = store_.PruneBatch(policy_, now, policy_.batch_rows);
    if (!batch.ok()) return batch.error();
    total.outbox += batch->outbox;
    total.alerts += batch->alerts;
    total.incidents += batch->incidents;
    const int64_t full = policy_.batch_rows;
    if (batch->outbox < full && batch->alerts < full && batch->incidents < full) break;
  }
  return total;
}

void RetentionPruner::Run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    Result<PruneCounts> done = RunOnce(clock_.now());
    if (report_) report_(done);
    lock.lock();
    wake_.wait_for(lock, policy_.interval, [this] { return stopping_; });
  }
}

}  // namespace ab
