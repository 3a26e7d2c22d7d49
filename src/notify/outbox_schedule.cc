#include "notify/outbox_schedule.h"

#include <algorithm>
#include <limits>

namespace ab {
namespace {

TimePoint Later(TimePoint t, Duration d) {
  const int64_t max = std::numeric_limits<int64_t>::max();
  const int64_t base = ToMillis(t);
  return FromMillis(d.count() > 0 && base > max - d.count() ? max : base + d.count());
}

void Earliest(std::optional<TimePoint>& best, std::optional<TimePoint> t) {
  if (t && (!best || *t < *best)) best = t;
}

}  // namespace

Duration LongestWait(const RetryPolicy& p) { return std::max(p.max_backoff, kMaxRetryAfter); }

AttemptRecord RecordAttempt(const OutboxEntry& e, const SendResult& result,
                            const RetryPolicy& retry, TimePoint done, double unit_random) {
  AttemptRecord r;
  r.attempts = e.attempts + 1;
  r.at = done;
  if (result.kind == SendResult::Kind::kOk) {
    r.ref = result.ref;
    r.degraded = result.degraded;
    for (const DegradedStep& d : result.degraded) {
      r.note += (r.note.empty() ? "delivered without: " : "; ") + d.step + " (" + d.reason + ")";
    }
    return r;
  }

  r.error = result.reason.empty() ? "receiver \"" + e.receiver + "\" failed" : result.reason;
  std::optional<Duration> retry_after;
  if (result.retry_after) {
    retry_after = std::clamp(*result.retry_after, Duration(0), kMaxRetryAfter);
    // The receiver said when to come back: nothing goes to it before then. It answered, so
    // this is not a failure for the circuit breaker.
    r.hold_until = Later(done, *retry_after);
  } else {
    r.endpoint_failed = result.kind == SendResult::Kind::kRetry;
  }
  if (result.kind == SendResult::Kind::kRetry && r.attempts < retry.max_attempts) {
    Duration wait = Backoff(retry, r.attempts, unit_random);
    if (retry_after) wait = std::max(wait, *retry_after);
    r.kind = AttemptRecord::Kind::kRetry;
    r.next = Later(done, wait);
    return r;
  }
  if (result.kind == SendResult::Kind::kRetry) {
    r.error += " (gave up after " + std::to_string(r.attempts) + " attempts)";
  }
  r.kind = AttemptRecord::Kind::kDead;
  return r;
}

// ---- KeyOrder ----

bool KeyOrder::Add(const OutboxEntry& e) {
  if (ids_.count(e.id) != 0) return false;
  OutboxKey key{e.incident_id, e.receiver};
  ids_.emplace(e.id, std::make_pair(key, e.created_at));
  keys_[key].entries.emplace(std::make_pair(e.event_seq, e.id), e);
  Refresh(key);
  return true;
}

void KeyOrder::Refresh(const OutboxKey& key) {
  auto it = keys_.find(key);
  if (it == keys_.end()) return;
  Queue& q = it->second;
  if (q.ready) {
    ready_.erase(std::tuple_cat(*q.ready, std::make_tuple(key)));
    q.ready.reset();
  }
  if (q.entries.empty()) {
    if (!q.in_flight) keys_.erase(it);
    return;
  }
  if (q.in_flight) return;
  const OutboxEntry& head = q.entries.begin()->second;
  q.ready = std::make_tuple(head.next_attempt_at, head.id);
  ready_.emplace(head.next_attempt_at, head.id, key);
}

std::optional<OutboxEntry> KeyOrder::TakeDue(TimePoint now) {
  if (ready_.empty() || std::get<0>(*ready_.begin()) > now) return std::nullopt;
  const OutboxKey key = std::get<2>(*ready_.begin());
  Queue& q = keys_.at(key);
  q.in_flight = q.entries.begin()->second.id;
  Refresh(key);
  return q.entries.begin()->second;
}

void KeyOrder::Erase(int64_t id) {
  auto it = ids_.find(id);
  if (it == ids_.end()) return;
  const OutboxKey key = it->second.first;
  ids_.erase(it);
  Queue& q = keys_.at(key);
  for (auto e = q.entries.begin(); e != q.entries.end(); ++e) {
    if (e->second.id == id) {
      q.entries.erase(e);
      break;
    }
  }
}

void KeyOrder::Done(int64_t id) {
  auto it = ids_.find(id);
  if (it == ids_.end()) return;
  const OutboxKey key = it->second.first;
  Erase(id);
  Queue& q = keys_.at(key);
  if (q.in_flight == id) q.in_flight.reset();
  Refresh(key);
}

void KeyOrder::Again(const OutboxEntry& updated) {
  auto it = ids_.find(updated.id);
  if (it == ids_.end()) return;
  const OutboxKey key = it->second.first;
  Queue& q = keys_.at(key);
  q.entries[std::make_pair(updated.event_seq, updated.id)] = updated;
  if (q.in_flight == updated.id) q.in_flight.reset();
  Refresh(key);
}

void KeyOrder::Remove(const std::vector<int64_t>& ids) {
  for (int64_t id : ids) {
    auto it = ids_.find(id);
    if (it == ids_.end()) continue;
    const OutboxKey key = it->second.first;
    Queue& q = keys_.at(key);
    Erase(id);
    if (q.in_flight == id) q.in_flight.reset();
    Refresh(key);
  }
}

std::optional<TimePoint> KeyOrder::NextDue() const {
  if (ready_.empty()) return std::nullopt;
  return std::get<0>(*ready_.begin());
}

std::optional<TimePoint> KeyOrder::OldestCreated() const {
  if (ids_.empty()) return std::nullopt;
  return ids_.begin()->second.second;
}

// ---- OutboxSchedule ----

OutboxSchedule::OutboxSchedule(const std::map<std::string, ReceiverDelivery>& policies,
                               size_t window)
    : window_(std::max<size_t>(window, 1)) {
  for (const auto& [name, policy] : policies) {
    const std::string bucket_key =
        policy.rate_limit_key.empty() ? "\n" + name : policy.rate_limit_key;
    auto& bucket = buckets_[bucket_key];
    if (!bucket) bucket = std::make_unique<TokenBucket>(policy.pacing.rate_limit);
    lanes_.try_emplace(name, policy, bucket.get());
  }
}

const ReceiverDelivery& OutboxSchedule::Policy(const std::string& receiver) const {
  return lanes_.at(receiver).policy;
}

size_t OutboxSchedule::Room(const Lane& lane) const {
  return lane.keys.size() >= window_ ? 0 : window_ - lane.keys.size();
}

void OutboxSchedule::Committed() { global_more_ = true; }

void OutboxSchedule::Rescan() {
  for (auto& [name, lane] : lanes_) Rescan(lane);
}

void OutboxSchedule::Rescan(Lane& lane) {
  ++lane.rescans;
  lane.cursor = 0;
  lane.behind = true;
  lane.rescan = true;
}

void OutboxSchedule::Held(Lane& lane, const std::vector<int64_t>& held) {
  if (held.empty()) return;
  lane.keys.Remove(held);
  // An operator may have released some of them between the hold and now: read them again.
  Rescan(lane);
}

std::optional<OutboxRead> OutboxSchedule::NextRead() const {
  if (global_more_) return OutboxRead{"", global_cursor_, kReadBatch};
  for (const auto& [name, lane] : lanes_) {
    if (!lane.behind) continue;
    if (lane.rescan) {
      return OutboxRead{name, lane.cursor, static_cast<int>(lane.keys.size() + window_)};
    }
    const size_t room = Room(lane);
    if (room >= std::min(kReadMinRoom, window_) || (room > 0 && lane.keys.size() == 0)) {
      return OutboxRead{name, lane.cursor, static_cast<int>(std::min<size_t>(room, kReadBatch))};
    }
  }
  return std::nullopt;
}

std::vector<OutboxEntry> OutboxSchedule::ApplyRead(const OutboxRead& read,
                                                   const std::vector<OutboxEntry>& rows,
                                                   TimePoint now) {
  std::vector<OutboxEntry> unknown;
  auto add = [&](Lane& lane, OutboxEntry e) {
    // "Never" (or any time past the longest legitimate wait) is read as that longest wait.
    const TimePoint latest = Later(now, LongestWait(lane.policy.retry));
    if (e.next_attempt_at > latest) e.next_attempt_at = latest;
    lane.keys.Add(e);
  };
  const bool full = rows.size() >= static_cast<size_t>(std::max(read.limit, 0));
  if (read.receiver.empty()) {
    for (const OutboxEntry& e : rows) {
      auto it = lanes_.find(e.receiver);
      if (it == lanes_.end()) {
        unknown.push_back(e);
        continue;
      }
      Lane& lane = it->second;
      if (lane.keys.Has(e.id)) continue;
      if (!lane.behind && Room(lane) > 0) {
        add(lane, e);
      } else {
        lane.behind = true;  // the rest of its entries wait in the store
      }
    }
    if (!rows.empty()) global_cursor_ = std::max(global_cursor_, rows.back().id);
    global_more_ = full;
    for (auto& [name, lane] : lanes_) {
      if (!lane.behind) lane.cursor = std::max(lane.cursor, global_cursor_);
    }
    return unknown;
  }

  auto it = lanes_.find(read.receiver);
  if (it == lanes_.end()) return unknown;
  Lane& lane = it->second;
  for (const OutboxEntry& e : rows) {
    if (!lane.keys.Has(e.id)) add(lane, e);
  }
  lane.rescan = false;
  if (full && !rows.empty()) {
    lane.cursor = std::max(lane.cursor, rows.back().id);
  } else {
    // Everything of this receiver up to the latest commit read by anyone is in memory now.
    lane.behind = false;
    lane.cursor = std::max({lane.cursor, global_cursor_, rows.empty() ? 0 : rows.back().id});
  }
  return unknown;
}

std::vector<SendJob> OutboxSchedule::Dispatch(TimePoint now) {
  std::vector<SendJob> jobs;
  for (auto& [name, lane] : lanes_) {
    while (true) {
      std::optional<TimePoint> gate = lane.pacer.NextSend(now);
      if (!gate || *gate > now) break;
      std::optional<OutboxEntry> e = lane.keys.TakeDue(now);
      if (!e) break;
      const bool probe = lane.pacer.Start(now);
      jobs.push_back(SendJob{name, std::move(*e), probe, lane.rescans});
    }
  }
  return jobs;
}

void OutboxSchedule::Sent(const SendJob& job, const AttemptRecord& record, bool recorded,
                          const std::vector<int64_t>& held) {
  auto it = lanes_.find(job.receiver);
  if (it == lanes_.end()) return;
  Lane& lane = it->second;
  // Paced from when the answer came (a cool-down starts then), not from when it is applied.
  lane.pacer.Finish(job.probe, true, record.endpoint_failed, record.hold_until, record.at);
  if (record.kind == AttemptRecord::Kind::kRetry) {
    OutboxEntry updated = job.entry;
    updated.attempts = record.attempts;
    updated.next_attempt_at = record.next;
    updated.last_error = record.error;
    lane.keys.Again(updated);
  } else if (recorded) {
    lane.keys.Done(job.entry.id);
    if (job.rescans != lane.rescans) Rescan(lane);
  } else {
    // From when the store refused it (before anyone could see that), not from now.
    lane.records.push_back(PendingRecord{job.receiver, job.entry, record, 1,
                                         Later(record.at, Backoff(lane.policy.retry, 1, 1.0))});
  }
  Held(lane, held);
}

void OutboxSchedule::NotSent(const SendJob& job, const std::vector<int64_t>& held,
                             std::optional<TimePoint> retry_at, TimePoint now) {
  auto it = lanes_.find(job.receiver);
  if (it == lanes_.end()) return;
  Lane& lane = it->second;
  lane.pacer.Finish(job.probe, false, false, std::nullopt, now);
  const bool gone = std::find(held.begin(), held.end(), job.entry.id) != held.end();
  if (gone && job.rescans != lane.rescans) Rescan(lane);
  if (!gone) {
    OutboxEntry again = job.entry;
    again.next_attempt_at = retry_at.value_or(now);
    lane.keys.Again(again);
  }
  Held(lane, held);
}

std::vector<PendingRecord> OutboxSchedule::DueRecords(TimePoint now) {
  std::vector<PendingRecord> due;
  for (auto& [name, lane] : lanes_) {
    for (const PendingRecord& r : lane.records) {
      if (r.due <= now) due.push_back(r);
    }
  }
  return due;
}

void OutboxSchedule::Recorded(const PendingRecord& r, bool ok, const std::vector<int64_t>& held,
                              TimePoint tried_at) {
  auto it = lanes_.find(r.receiver);
  if (it == lanes_.end()) return;
  Lane& lane = it->second;
  for (auto p = lane.records.begin(); p != lane.records.end(); ++p) {
    if (p->entry.id != r.entry.id) continue;
    if (ok) {
      lane.records.erase(p);
      lane.keys.Done(r.entry.id);
    } else {
      ++p->failures;
      p->due = Later(tried_at, Backoff(lane.policy.retry, p->failures, 1.0));
    }
    break;
  }
  Held(lane, held);
}

std::optional<TimePoint> OutboxSchedule::NextWake(TimePoint now) {
  std::optional<TimePoint> best;
  for (auto& [name, lane] : lanes_) {
    for (const PendingRecord& r : lane.records) Earliest(best, r.due);
    std::optional<TimePoint> due = lane.keys.NextDue();
    if (!due) continue;
    if (*due > now) {
      Earliest(best, due);
      continue;
    }
    // Something is due: the pacing gate decides (none: a send's outcome will).
    Earliest(best, lane.pacer.NextSend(now));
  }
  return best;
}

std::map<std::string, OutboxSchedule::LaneView> OutboxSchedule::View(TimePoint now) const {
  std::map<std::string, LaneView> out;
  for (const auto& [name, lane] : lanes_) {
    out[name] = LaneView{lane.keys.size(), lane.keys.OldestCreated(), lane.pacer.circuit(now)};
  }
  return out;
}

std::vector<std::pair<std::string, CircuitState>> OutboxSchedule::CircuitChanges(TimePoint now) {
  std::vector<std::pair<std::string, CircuitState>> changes;
  for (auto& [name, lane] : lanes_) {
    const CircuitState s = lane.pacer.circuit(now);
    if (s == lane.reported) continue;
    lane.reported = s;
    changes.emplace_back(name, s);
  }
  return changes;
}

}  // namespace ab
