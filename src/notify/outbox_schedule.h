// The outbox worker's decisions, apart from its threads and I/O, so that each can be tested on
// injected time without a thread:
//   RecordAttempt   what to write after one attempt (attempt recording);
//   KeyOrder        which entries of each (incident, receiver) may go now (per-key ordering);
//   LanePacer       when a receiver's next send may start (pacing.h);
//   OutboxSchedule  all receivers: what to read from the store next, what to send now, and what
//                   an outcome changes.
//
// Memory holds, per receiver, a window of pending entries read from the store in id order: every
// pending entry of the receiver up to its read cursor is in memory, so the first entry of each key
// is known exactly (an earlier one backing off is never overtaken, also after a restart), and
// entries past a full window simply stay in the store, untouched, until there is room. Nothing is
// rewritten to defer it: the only writes are an attempt's outcome.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "common/time.h"
#include "config/config.h"
#include "model/outbox.h"
#include "notify/notifier.h"
#include "notify/pacing.h"

namespace ab {

// How the worker treats one receiver: retries of each entry, and pacing of the whole receiver.
struct ReceiverDelivery {
  RetryPolicy retry;
  DeliveryPolicy pacing;
  // Receivers with the same non-empty key share one token bucket: two receivers posting to one
  // Slack webhook or one PagerDuty routing key stay within the vendor's limit together.
  std::string rate_limit_key;
};

// Entries of one receiver held in memory at most (its window; the rest waits in the store).
inline constexpr size_t kLaneWindow = 512;
// Rows per read of new entries, and the least room worth a read of its own for a lagging receiver.
inline constexpr int kReadBatch = 256;
inline constexpr size_t kReadMinRoom = 64;

// A receiver's Retry-After is honoured up to this; beyond it the entry (and the receiver) is
// tried again after this long: an hour-long pause already means a problem worth seeing.
inline constexpr Duration kMaxRetryAfter{3'600'000};

// Backoff for attempt n (1-based): d = initial * 2^(n-1), capped at max, with "equal jitter" in
// [d/2, d] rather than full jitter in [0, d]: retries of entries that failed together still
// spread out, and the time before an entry is given up on stays predictable (at least half the
// sum of its backoffs). `unit_random` in [0,1).
Duration Backoff(const RetryPolicy& p, int attempt, double unit_random);

// The longest an entry may legitimately wait for its next attempt: its longest backoff or the
// longest Retry-After honoured. A stored time beyond now + this (an older binary wrote "never")
// is read as now + this.
Duration LongestWait(const RetryPolicy& p);

// What to write after one attempt.
struct AttemptRecord {
  enum class Kind { kDelivered, kRetry, kDead };
  Kind kind = Kind::kDelivered;
  int attempts = 0;                     // including this one
  TimePoint at{};                       // when the answer came
  TimePoint next{};                     // kRetry: when to try again
  std::string error;                    // kRetry, kDead: last_error (never contains secrets)
  bool endpoint_failed = false;         // counts towards the circuit breaker
  std::optional<TimePoint> hold_until;  // the receiver's Retry-After: nothing goes to it before
  std::optional<ExternalRef> ref;       // kDelivered: stored before the delivery is marked
  // kDelivered: optional steps that failed for good (issue 16 item 1), kept in last_error and,
  // one by one, on the incident's timeline.
  std::string note;
  std::vector<DegradedStep> degraded;
};

// The outcome of sending `e` (attempt e.attempts + 1), answered at `done`.
AttemptRecord RecordAttempt(const OutboxEntry& e, const SendResult& result,
                            const RetryPolicy& retry, TimePoint done, double unit_random);

using OutboxKey = std::pair<int64_t, std::string>;  // (incident id, receiver)

// The entries of one receiver held in memory, by key. Within a key only the first in event
// sequence may go, only when it is due and nothing of its key is in flight, whatever the retry
// times of the others; among keys, the one whose first entry is due soonest goes first.
class KeyOrder {
 public:
  // Adds an entry read from the store; false when it is already held.
  bool Add(const OutboxEntry& e);
  bool Has(int64_t id) const { return ids_.count(id) != 0; }
  size_t size() const { return ids_.size(); }

  // The first entry of the key that is due soonest, when that is by `now`; its key is then in
  // flight until Done, Again or Remove of that entry.
  std::optional<OutboxEntry> TakeDue(TimePoint now);
  // The entry is finished (delivered or dead): it leaves memory and its key goes on.
  void Done(int64_t id);
  // The entry goes again later: `updated` replaces it (attempts, next_attempt_at, last_error) and
  // its key is free; whatever comes first in its key goes next, when due.
  void Again(const OutboxEntry& updated);
  // Entries that left the pending state in the store (held behind a dead one): they leave memory;
  // a key whose in-flight entry is among them is free again.
  void Remove(const std::vector<int64_t>& ids);

  // The earliest due time among keys not in flight; none when every key is in flight or empty.
  std::optional<TimePoint> NextDue() const;
  // created_at of the oldest entry held (the lowest id), none when empty.
  std::optional<TimePoint> OldestCreated() const;

 private:
  struct Queue {
    std::map<std::pair<int64_t, int64_t>, OutboxEntry> entries;  // by (event_seq, id)
    std::optional<int64_t> in_flight;  // the entry out (or whose outcome is being recorded)
    std::optional<std::tuple<TimePoint, int64_t>> ready;  // its place in ready_, when there
  };
  // Puts the key in ready_ (or not) after a change; drops it when it holds nothing.
  void Refresh(const OutboxKey& key);
  void Erase(int64_t id);

  std::map<OutboxKey, Queue> keys_;
  // Keys not in flight, by (due time of their first entry, its id).
  std::set<std::tuple<TimePoint, int64_t, OutboxKey>> ready_;
  std::map<int64_t, std::pair<OutboxKey, TimePoint>> ids_;  // id -> (key, created_at)
};

// One read of pending entries, in id order, whatever their next_attempt_at.
struct OutboxRead {
  std::string receiver;  // empty: every receiver
  int64_t after_id = 0;
  int limit = 0;
};

struct SendJob {
  std::string receiver;
  OutboxEntry entry;
  bool probe = false;  // the half-open circuit's probe
  // The receiver's rescans when it started: a rescan while it was out may have found the entry
  // still pending and skipped it as held in memory, so a later outcome that drops it from memory
  // reads again (an operator may have retried it since it died).
  uint64_t rescans = 0;
};

// An outcome the store refused to record (delivered or dead): the entry stays in memory, its key
// blocked, and only the record is tried again, with backoff. The receiver is not sent it again.
struct PendingRecord {
  std::string receiver;
  OutboxEntry entry;
  AttemptRecord record;
  int failures = 0;
  TimePoint due{};
};

class OutboxSchedule {
 public:
  // One lane per configured receiver; receivers with the same rate_limit_key share one bucket.
  OutboxSchedule(const std::map<std::string, ReceiverDelivery>& policies,
                 size_t window = kLaneWindow);
  OutboxSchedule(const OutboxSchedule&) = delete;
  OutboxSchedule& operator=(const OutboxSchedule&) = delete;

  // New entries were committed: they lie past everything read so far.
  void Committed();
  // An entry below what was read may have become pending again (an operator retried a dead entry
  // or released held ones): each receiver reads from the start again.
  void Rescan();

  // The next read to make, if any. Reads never depend on time: a read that returns a full batch
  // leaves more to read; one that returns less means everything is read until the next commit.
  std::optional<OutboxRead> NextRead() const;
  // The rows of `read` (pending, id order). Returns those whose receiver has no lane (no longer
  // configured): the worker dead-letters them.
  std::vector<OutboxEntry> ApplyRead(const OutboxRead& read, const std::vector<OutboxEntry>& rows,
                                     TimePoint now);

  // Sends that may start now, in the order they should start: pacing is taken (tokens, probe).
  std::vector<SendJob> Dispatch(TimePoint now);

  // A send's outcome. `recorded`: the store took it (for kRetry the entry goes on from memory
  // either way); its time is record.at. `held`: entries the store now holds behind a dead one of
  // their key.
  void Sent(const SendJob& job, const AttemptRecord& record, bool recorded,
            const std::vector<int64_t>& held);
  // A job that never reached the receiver: its entry is held behind a dead one (in `held`), or
  // the store could not be read (`retry_at`: when to try it again; no attempt is counted).
  void NotSent(const SendJob& job, const std::vector<int64_t>& held,
               std::optional<TimePoint> retry_at, TimePoint now);

  // Records to try again now.
  std::vector<PendingRecord> DueRecords(TimePoint now);
  // A record tried again at `tried_at` (read before the write): done, or again after a longer
  // backoff.
  void Recorded(const PendingRecord& r, bool ok, const std::vector<int64_t>& held,
                TimePoint tried_at);

  // When something may next be done without a signal (a due entry, a pacing gate, a record
  // retry); none when only a commit, an outcome or a read can move anything (reads: NextRead).
  std::optional<TimePoint> NextWake(TimePoint now);

  // Per receiver: entries in memory, and created_at of its oldest pending entry.
  struct LaneView {
    size_t in_memory = 0;
    std::optional<TimePoint> oldest_pending;
    CircuitState circuit = CircuitState::kClosed;
  };
  std::map<std::string, LaneView> View(TimePoint now) const;
  // The receiver's circuit now; each change is reported once (for logs and metrics).
  std::vector<std::pair<std::string, CircuitState>> CircuitChanges(TimePoint now);

  const ReceiverDelivery& Policy(const std::string& receiver) const;

 private:
  struct Lane {
    Lane(ReceiverDelivery p, TokenBucket* bucket)
        : policy(std::move(p)), pacer(policy.pacing, bucket) {}
    ReceiverDelivery policy;
    LanePacer pacer;
    KeyOrder keys;
    std::vector<PendingRecord> records;
    int64_t cursor = 0;   // every pending entry with id <= cursor is in memory
    bool behind = false;  // entries past the cursor were left in the store (window full)
    bool rescan = false;  // reading again from the start: read past a full window once
    uint64_t rescans = 0;
    CircuitState reported = CircuitState::kClosed;
  };
  size_t Room(const Lane& lane) const;
  void Rescan(Lane& lane);
  // Entries the store now holds behind a dead one leave memory.
  void Held(Lane& lane, const std::vector<int64_t>& held);

  const size_t window_;
  std::map<std::string, std::unique_ptr<TokenBucket>> buckets_;  // own or shared, by key
  std::map<std::string, Lane> lanes_;
  int64_t global_cursor_ = 0;  // new entries are read past it for every lane in step
  bool global_more_ = true;
};

}  // namespace ab
