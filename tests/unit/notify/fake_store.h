// An in-memory IncidentStore with just the outbox, for the delivery tests: thread-safe, and able
// to wait (with a deadline) until its state satisfies a condition.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <vector>

#include "store/store.h"

namespace ab::testing {

class FakeStore final : public IncidentStore {
 public:
  struct State {
    std::map<int64_t, OutboxEntry> outbox;
    std::map<int64_t, std::vector<ExternalRef>> refs;  // by incident id
    int due_reads = 0;
    int rejected_updates = 0;  // marks of entries that were not pending: a worker bug
    int writes = 0;            // outbox writes the worker made (each a durable commit)
    int64_t rows_read = 0;     // outbox rows returned by the worker's reads
    int failed_delivered = 0;  // MarkDelivered calls failed on purpose (FailDelivered)
    // The latest next_attempt_at ever written: "never" (TimePoint::max()) must not appear.
    TimePoint max_next_written{};
  };

  // Every outbox write waits until UnblockWrites(): a store thread stuck in an fsync.
  void BlockWrites() {
    std::lock_guard<std::mutex> lock(mu_);
    writes_blocked_ = true;
  }
  void UnblockWrites() {
    std::lock_guard<std::mutex> lock(mu_);
    writes_blocked_ = false;
    cv_.notify_all();
  }
  // True once a write is waiting behind BlockWrites().
  bool WaitForBlockedWrite(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return blocked_writers_ > 0; });
  }
  // The next `n` MarkDelivered calls fail (the send succeeded, recording it did not).
  void FailDelivered(int n) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_delivered_ = n;
  }

  // Adds a pending entry (due at its next_attempt_at) and returns its id.
  int64_t Add(OutboxEntry e) {
    std::lock_guard<std::mutex> lock(mu_);
    e.id = ++last_id_;
    e.state = OutboxState::kPending;
    state_.outbox[e.id] = e;
    cv_.notify_all();
    return e.id;
  }

  OutboxEntry Get(int64_t id) const {
    std::lock_guard<std::mutex> lock(mu_);
    return state_.outbox.at(id);
  }

  State Snapshot() const {
    std::lock_guard<std::mutex> lock(mu_);
    return state_;
  }

  // True once `pred` holds; false when the deadline passes first.
  bool WaitFor(const std::function<bool(const State&)>& pred,
               std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return pred(state_); });
  }

  Result<StoredState> Load() override { return StoredState{}; }
  Status Commit(const Changes&, const std::vector<OutboxEntry>& outbox) override {
    for (const OutboxEntry& e : outbox) Add(e);
    return Status::Ok();
  }

  Result<std::vector<OutboxEntry>> DueOutbox(TimePoint now, int limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++state_.due_reads;
    std::vector<OutboxEntry> due;
    for (const auto& [id, e] : state_.outbox) {
      if (e.state == OutboxState::kPending && e.next_attempt_at <= now) due.push_back(e);
    }
    // Oldest by due time, the order a store index on next_attempt_at gives: harder for ordering
    // than id order, because an entry that was retried sorts after later ones.
    std::sort(due.begin(), due.end(), [](const OutboxEntry& a, const OutboxEntry& b) {
      return a.next_attempt_at != b.next_attempt_at ? a.next_attempt_at < b.next_attempt_at
                                                    : a.id < b.id;
    });
    if (due.size() > static_cast<size_t>(limit)) due.resize(static_cast<size_t>(limit));
    state_.rows_read += static_cast<int64_t>(due.size());
    return due;
  }

  Result<std::vector<OutboxEntry>> PendingOutbox(const std::string& receiver, int64_t after_id,
                                                 int limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++state_.due_reads;
    std::vector<OutboxEntry> out;
    for (auto it = state_.outbox.upper_bound(after_id);
         it != state_.outbox.end() && out.size() < static_cast<size_t>(limit); ++it) {
      const OutboxEntry& e = it->second;
      if (e.state == OutboxState::kPending && (receiver.empty() || e.receiver == receiver)) {
        out.push_back(e);
      }
    }
    state_.rows_read += static_cast<int64_t>(out.size());
    cv_.notify_all();  // tests wait for a read
    return out;
  }

  Status MarkDeadMany(const std::vector<int64_t>& ids, const std::string& error) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++state_.writes;
    for (int64_t id : ids) {
      auto it = state_.outbox.find(id);
      if (it == state_.outbox.end() || it->second.state != OutboxState::kPending) continue;
      it->second.state = OutboxState::kDead;
      it->second.last_error = error;
    }
    cv_.notify_all();
    return Status::Ok();
  }

  Result<std::optional<TimePoint>> NextOutboxDue() override {
    std::lock_guard<std::mutex> lock(mu_);
    std::optional<TimePoint> next;
    for (const auto& [id, e] : state_.outbox) {
      if (e.state == OutboxState::kPending && (!next || e.next_attempt_at < *next)) {
        next = e.next_attempt_at;
      }
    }
    return next;
  }

  Status MarkDelivered(int64_t id, int attempts, TimePoint, const std::string& note) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (fail_delivered_ > 0) {
        --fail_delivered_;
        ++state_.failed_delivered;
        cv_.notify_all();
        return MakeError("disk I/O error");
      }
    }
    return Update(id, [&](OutboxEntry& e) {
      e.state = OutboxState::kDelivered;
      e.attempts = attempts;
      e.last_error = note;
    });
  }
  Status MarkRetry(int64_t id, int attempts, TimePoint next_attempt,
                   const std::string& error) override {
    return Update(id, [&](OutboxEntry& e) {
      e.attempts = attempts;
      e.next_attempt_at = next_attempt;
      state_.max_next_written = std::max(state_.max_next_written, next_attempt);
      e.last_error = error;
    });
  }
  Status MarkDead(int64_t id, int attempts, const std::string& error) override {
    return Update(id, [&](OutboxEntry& e) {
      e.state = OutboxState::kDead;
      e.attempts = attempts;
      e.last_error = error;
    });
  }
  Status AddExternalRef(int64_t incident_id, const ExternalRef& ref) override {
    std::lock_guard<std::mutex> lock(mu_);
    state_.refs[incident_id].push_back(ref);
    cv_.notify_all();
    return Status::Ok();
  }
  Result<std::vector<ExternalRef>> ExternalRefs(int64_t incident_id,
                                                const std::string& receiver) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<ExternalRef> out;
    for (const ExternalRef& r : state_.refs[incident_id]) {
      if (r.receiver == receiver) out.push_back(r);
    }
    return out;
  }
  Result<std::vector<int64_t>> HoldBehindDead(int64_t incident_id,
                                              const std::string& receiver) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<int64_t> held;
    for (auto& [id, e] : state_.outbox) {
      if (e.incident_id == incident_id && e.receiver == receiver &&
          e.state == OutboxState::kPending && DeadBefore(e)) {
        e.state = OutboxState::kHeld;
        held.push_back(id);
      }
    }
    if (!held.empty()) cv_.notify_all();
    return held;
  }
  Result<OutboxCounts> CountOutbox() override {
    std::lock_guard<std::mutex> lock(mu_);
    OutboxCounts c;
    for (const auto& [id, e] : state_.outbox) {
      OutboxDepth& d = c.by_receiver[e.receiver];
      if (e.state == OutboxState::kPending) ++c.pending, ++d.pending;
      if (e.state == OutboxState::kHeld) ++c.held, ++d.held;
      if (e.state == OutboxState::kDead) ++c.dead, ++d.dead;
    }
    return c;
  }
  Result<std::vector<OutboxEntry>> ListOutbox(const OutboxQuery& q) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<OutboxEntry> out;
    for (auto it = state_.outbox.rbegin(); it != state_.outbox.rend(); ++it) {
      if (q.state && it->second.state != *q.state) continue;
      if (out.size() >= static_cast<size_t>(q.limit)) break;
      out.push_back(it->second);
    }
    return out;
  }
  Result<std::optional<OutboxState>> RetryOutbox(int64_t id, TimePoint now) override {
    return OperatorAction(id, now, [&](OutboxEntry& e) {
      if (e.state != OutboxState::kDead) return false;
      e.state = OutboxState::kPending;
      e.attempts = 0;
      e.next_attempt_at = now;
      return true;
    });
  }
  Result<std::optional<OutboxState>> DiscardOutbox(int64_t id, TimePoint now) override {
    return OperatorAction(id, now, [&](OutboxEntry& e) {
      if (e.state != OutboxState::kDead && e.state != OutboxState::kHeld) return false;
      e.state = OutboxState::kDiscarded;
      return true;
    });
  }

  uint64_t OutboxRequeues() const override { return requeues_.load(); }

  Result<IncidentPage> ListIncidents(const IncidentQuery&) override { return IncidentPage{}; }
  Result<std::optional<IncidentDetail>> GetIncident(int64_t) override {
    return std::optional<IncidentDetail>{};
  }
  Status Flush() override { return Status::Ok(); }

 private:
  // mu_ held.
  bool DeadBefore(const OutboxEntry& e) const {
    for (const auto& [id, d] : state_.outbox) {
      if (id < e.id && d.incident_id == e.incident_id && d.receiver == e.receiver &&
          d.state == OutboxState::kDead) {
        return true;
      }
    }
    return false;
  }

  // As the SQLite store: change one entry, then release what it held.
  Result<std::optional<OutboxState>> OperatorAction(
      int64_t id, TimePoint now, const std::function<bool(OutboxEntry&)>& change) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = state_.outbox.find(id);
    if (it == state_.outbox.end()) return std::optional<OutboxState>();
    const OutboxState before = it->second.state;
    if (!change(it->second)) return std::optional<OutboxState>(before);
    for (auto& [other_id, e] : state_.outbox) {
      if (e.incident_id == it->second.incident_id && e.receiver == it->second.receiver &&
          e.state == OutboxState::kHeld && !DeadBefore(e)) {
        e.state = OutboxState::kPending;
        e.next_attempt_at = now;
      }
    }
    ++requeues_;
    cv_.notify_all();
    return std::optional<OutboxState>(before);
  }

  Status Update(int64_t id, const std::function<void(OutboxEntry&)>& change) {
    std::unique_lock<std::mutex> lock(mu_);
    if (writes_blocked_) {
      ++blocked_writers_;
      cv_.notify_all();
      cv_.wait(lock, [&] { return !writes_blocked_; });
      --blocked_writers_;
    }
    ++state_.writes;
    auto it = state_.outbox.find(id);
    if (it == state_.outbox.end()) return MakeError("no outbox entry " + std::to_string(id));
    if (it->second.state != OutboxState::kPending) {
      // The worker must never record an outcome twice: counted so that tests can check it.
      ++state_.rejected_updates;
      return MakeError("outbox entry " + std::to_string(id) + " is not pending");
    }
    change(it->second);
    cv_.notify_all();
    return Status::Ok();
  }

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  State state_;
  int64_t last_id_ = 0;
  bool writes_blocked_ = false;
  int blocked_writers_ = 0;
  int fail_delivered_ = 0;
  std::atomic<uint64_t> requeues_{0};
};

}  // namespace ab::testing
