// An in-memory IncidentStore with just the outbox, for the delivery tests: thread-safe, and able
// to wait (with a deadline) until its state satisfies a condition.
#pragma once

#include <algorithm>
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
  };

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
    return due;
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
      if (e.state == OutboxState::kPending) ++c.pending;
      if (e.state == OutboxState::kHeld) ++c.held;
      if (e.state == OutboxState::kDead) ++c.dead;
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

  Result<IncidentPage> ListIncidents(const IncidentQuery&) override { return IncidentPage{}; }
  Result<std::optional<IncidentDetail>> GetIncident(int64_t) override {
    return std::optional<IncidentDetail>{};
  }
  Result<std::vector<IncidentDetail>> IncidentHistory(TimePoint, TimePoint) override {
    return std::vector<IncidentDetail>{};
  }
  Result<std::vector<Silence>> ListSilences() override { return std::vector<Silence>{}; }
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
    cv_.notify_all();
    return std::optional<OutboxState>(before);
  }

  Status Update(int64_t id, const std::function<void(OutboxEntry&)>& change) {
    std::lock_guard<std::mutex> lock(mu_);
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
};

}  // namespace ab::testing
