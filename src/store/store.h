// IncidentStore: the durable record. sqlite/ is the default implementation, PostgreSQL
// (DESIGN.md §8) comes later behind the same interface. It is three interfaces, one per user:
//   EngineStateStore  the engine's state: what a restart restores, what each step commits
//   OutboxStore       the delivery workers' and operators' outbox
//   IncidentQueries   the HTTP API's reads
// so that a test or a benchmark needing one of them implements a small class (memory/).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/time.h"
#include "model/alert.h"
#include "model/changes.h"
#include "model/incident.h"
#include "model/outbox.h"

namespace ab {

struct StoredState {
  std::vector<TrackedAlert> alerts;
  std::vector<Incident> incidents;
  // Generated once when the database was created (CONTRACTS.md "Keys"); "" from a store that
  // keeps none.
  std::string instance_id;
};

struct IncidentQuery {
  std::vector<IncidentState> states;  // empty = any
  std::optional<Severity> severity;   // priority equals
  std::string team;
  std::optional<TimePoint> since;  // created at or after
  int limit = 50;
  std::optional<int64_t> before_id;  // cursor: ids strictly below (newest first)
};

struct IncidentPage {
  std::vector<Incident> incidents;
  std::optional<int64_t> next_before_id;
};

struct IncidentDetail {
  Incident incident;
  std::vector<TrackedAlert> alerts;  // by TrackedAlert::id (arrival order)
  std::vector<Event> timeline;       // by seq
  // GetIncidentPage: where the next page of each list starts (none: this page ends the list).
  std::optional<int64_t> alerts_next;    // an alert id
  std::optional<int64_t> timeline_next;  // a seq
};

// One page of an incident's alerts and timeline (GET /api/v1/incidents/{id}): a big incident's
// ten thousand alerts are read and sent a page at a time.
struct IncidentDetailQuery {
  int alerts_limit = 500;
  std::optional<int64_t> alerts_after;  // cursor: alert ids strictly above
  int timeline_limit = 500;
  std::optional<int64_t> timeline_after;  // cursor: seqs strictly above
};

struct OutboxQuery {
  std::optional<OutboxState> state;
  int limit = 100;
  std::string receiver = {};              // empty = any
  std::optional<int64_t> before_id = {};  // paging, newest first: entries older than this one
};

// Entries waiting or given up on, for the metrics (delivered and discarded ones are history).
struct OutboxDepth {
  int64_t pending = 0;
  int64_t held = 0;
  int64_t dead = 0;
};
struct OutboxCounts {
  int64_t pending = 0;
  int64_t held = 0;
  int64_t dead = 0;
  std::map<std::string, OutboxDepth> by_receiver;  // the same per receiver (any seen)
};

class EngineStateStore {
 public:
  virtual ~EngineStateStore() = default;

  // Everything the engine needs after a restart.
  virtual Result<StoredState> Load() = 0;

  // One transaction: the changes of one or more batches and the outbox entries they cause.
  // Outbox entry ids are assigned by the store. Nothing is written if it fails.
  virtual Status Commit(const Changes& changes, const std::vector<OutboxEntry>& outbox) = 0;
};

class OutboxStore {
 public:
  virtual ~OutboxStore() = default;

  // Outbox, for the delivery workers. Due = pending with next_attempt_at <= now, oldest first.
  virtual Result<std::vector<OutboxEntry>> DueOutbox(TimePoint now, int limit) = 0;
  // Pending entries with id > after_id, in id order, at most `limit`, whatever their
  // next_attempt_at; of one receiver, or of every receiver when `receiver` is empty. The worker
  // reads each receiver's window of work this way and decides order and timing itself.
  virtual Result<std::vector<OutboxEntry>> PendingOutbox(const std::string& receiver,
                                                         int64_t after_id, int limit) {
    (void)receiver, (void)after_id, (void)limit;
    return MakeError("this store cannot list pending outbox entries");
  }
  // Dead-letters these pending entries in one write (their receiver is no longer configured);
  // entries in another state are left alone.
  virtual Status MarkDeadMany(const std::vector<int64_t>& ids, const std::string& error) {
    (void)ids, (void)error;
    return MakeError("this store cannot dead-letter outbox entries in bulk");
  }
  // Entries of a receiver that is not configured (removed at a reload): pending -> held, with
  // `reason` as their last_error. Listed, discardable; ReleaseHeld gives them back.
  virtual Status HoldMany(const std::vector<int64_t>& ids, const std::string& reason) {
    (void)ids, (void)reason;
    return MakeError("this store cannot hold outbox entries in bulk");
  }
  // A receiver is configured (again): its held entries that no dead entry of their key comes
  // before go back to pending, due at `now`. Returns how many.
  virtual Result<int64_t> ReleaseHeld(const std::string& receiver, TimePoint now) {
    (void)receiver, (void)now;
    return MakeError("this store cannot release held outbox entries");
  }
  // Earliest next_attempt_at of any pending entry, or none when nothing is pending.
  virtual Result<std::optional<TimePoint>> NextOutboxDue() = 0;
  // Marks (below) apply to a pending entry; marking one that is already in the target state
  // succeeds (a retried record whose first try was stored after all).
  // `note`: what the delivery left out (optional steps that failed: issue 16 item 1), kept in
  // the entry's last_error; "" = delivered in full.
  virtual Status MarkDelivered(int64_t id, int attempts, TimePoint now,
                               const std::string& note = {}) = 0;
  virtual Status MarkRetry(int64_t id, int attempts, TimePoint next_attempt,
                           const std::string& error) = 0;
  virtual Status MarkDead(int64_t id, int attempts, const std::string& error) = 0;
  // Steps a delivery went without, for the incident's timeline. Idempotent per (entry, step): a
  // record written again after a failure adds nothing. A store without a timeline for them keeps
  // the default (nothing recorded).
  virtual Status RecordDegraded(const std::vector<DegradedDelivery>& steps) {
    (void)steps;
    return Status::Ok();
  }
  virtual Status AddExternalRef(int64_t incident_id, const ExternalRef& ref) = 0;
  // The refs `receiver` returned for an incident, oldest first (the delivery path's read).
  virtual Result<std::vector<ExternalRef>> ExternalRefs(int64_t incident_id,
                                                        const std::string& receiver) = 0;
  // Holds every pending entry of (incident, receiver) that has an earlier dead entry, and returns
  // the ids it held (none when the key has no dead entry: the usual case, answered by a read).
  virtual Result<std::vector<int64_t>> HoldBehindDead(int64_t incident_id,
                                                      const std::string& receiver) = 0;
  // From counts kept up to date on each write: no scan, safe from any thread.
  virtual Result<OutboxCounts> CountOutbox() = 0;
  virtual Result<std::vector<OutboxEntry>> ListOutbox(const OutboxQuery& q) = 0;
  // The operator's actions on one entry, each returning the state the entry was in (none: no such
  // entry); an entry in any other state is left alone. Both release the entries held behind it
  // (held -> pending, due now) unless another dead entry of their key still comes first.
  // Retry: dead -> pending, due now, with a fresh attempt budget.
  virtual Result<std::optional<OutboxState>> RetryOutbox(int64_t id, TimePoint now) = 0;
  // Discard: dead or held -> discarded; it will never be sent.
  virtual Result<std::optional<OutboxState>> DiscardOutbox(int64_t id, TimePoint now) = 0;
  // How many of those actions changed something so far: entries below what the delivery worker
  // has read may be pending again, so it reads again from the start when this moves. Cheap, from
  // any thread.
  virtual uint64_t OutboxRequeues() const { return 0; }
};

class IncidentQueries {
 public:
  virtual ~IncidentQueries() = default;

  // Queries for the HTTP API (safe to call from any thread, concurrently with Commit).
  virtual Result<IncidentPage> ListIncidents(const IncidentQuery& q) = 0;
  // The incident with all its alerts and its whole timeline.
  virtual Result<std::optional<IncidentDetail>> GetIncident(int64_t id) = 0;
  // The incident with one page of each list; `incident.alerts` holds the page's members only.
  // The default cuts the whole detail down (stores that can read a page alone override it).
  virtual Result<std::optional<IncidentDetail>> GetIncidentPage(int64_t id,
                                                                const IncidentDetailQuery& q);
  // Incidents declared in [from, to) with their timelines (no alerts), oldest first: what KPIs
  // are computed from.
  virtual Result<std::vector<IncidentDetail>> IncidentHistory(TimePoint from, TimePoint to) = 0;
  // Every silence made through the API (expired ones too), newest change first.
  virtual Result<std::vector<Silence>> ListSilences() = 0;
};

struct RetentionPolicy;  // retention.h

// What one retention batch deleted.
struct PruneCounts {
  int64_t outbox = 0;     // delivered or discarded outbox entries
  int64_t alerts = 0;     // resolved alerts
  int64_t incidents = 0;  // closed incidents, with everything that hangs off them
};

class IncidentStore : public EngineStateStore, public OutboxStore, public IncidentQueries {
 public:
  // Deletes, in one short transaction, at most `max_rows` rows of each kind that `policy` lets go
  // of as of `now`. Fewer than `max_rows` of every kind means nothing more is due. A store without
  // retention keeps everything.
  virtual Result<PruneCounts> PruneBatch(const RetentionPolicy& policy, TimePoint now,
                                         int max_rows) {
    (void)policy, (void)now, (void)max_rows;
    return PruneCounts{};
  }

  // The degraded steps of one incident whose event_seq is in (after_seq, upto_seq] (either
  // bound open when none), by event_seq, then as recorded: the timeline page of events up to
  // upto_seq shows them (GET /api/v1/incidents/{id}).
  virtual Result<std::vector<DegradedDelivery>> DegradedDeliveries(
      int64_t incident_id, std::optional<int64_t> after_seq, std::optional<int64_t> upto_seq) {
    (void)incident_id, (void)after_seq, (void)upto_seq;
    return std::vector<DegradedDelivery>{};
  }

  // Makes sure everything committed is on disk (checkpoint) before shutdown.
  virtual Status Flush() = 0;

  // A small durable write that changes nothing: it fails as a commit would while the disk is full
  // or read-only or the write lock cannot be had, and succeeds once commits can again (readiness
  // comes back by itself). A store with nothing that can fail this way keeps the default.
  virtual Status Probe() { return Status::Ok(); }
};

// Opens (creating the folder and file if needed) and migrates a SQLite store: WAL mode,
// synchronous=FULL. A database written by a newer binary is refused with a clear message.
Result<std::unique_ptr<IncidentStore>> OpenSqliteStore(const std::string& path);

// `alertbridge backup`: a consistent copy of the SQLite database at `path`, taken by SQLite's
// online backup in one read transaction (so while `serve` keeps committing: WAL readers never
// block the writer), written to a temporary file beside `dest`, synced, then renamed over `dest`.
Status BackupSqliteStore(const std::string& path, const std::string& dest);

}  // namespace ab
