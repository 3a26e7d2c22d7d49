// Retention (store/retention.h): each batch deletes a bounded number of rows of each kind in one
// short transaction on the pruner's own connection, holding the writer's lock so that a commit
// waits for at most one batch instead of spinning in SQLite's busy handler.
#include "store/retention.h"
#include "store/sqlite/sqlite_store.h"

namespace ab::sqlite {
namespace {

// Each statement deletes at most ?2 rows that were let go of before ?1.
constexpr const char* kPruneOutbox =
    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox "
    "WHERE state IN ('delivered', 'discarded') AND next_attempt_at < ?1 "
    "AND COALESCE(delivered_at, discarded_at, next_attempt_at) < ?1 LIMIT ?2)";

// Alerts an incident the engine holds still needs stay (a restart loads them with it).
constexpr const char* kPruneAlerts =
    "DELETE FROM alerts WHERE id IN (SELECT a.id FROM alerts a "
    "WHERE a.resolved_at < ?1 AND a.status = 'resolved' AND NOT EXISTS ("
    "SELECT 1 FROM incident_alerts m JOIN incidents i ON i.id = m.incident_id "
    "WHERE m.alert_id = a.id AND i.live = 1) LIMIT ?2)";

// Closed incidents the engine let go of, whose outbox has nothing left to send or look at.
constexpr const char* kClosedIncidentsDue =
    "SELECT id FROM incidents i WHERE state = 'closed' AND live = 0 AND closed_at < ?1 "
    "AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.incident_id = i.id "
    "AND o.state IN ('pending', 'held', 'dead')) LIMIT ?2";

// Before an incident goes, its group keeps the highest occurrence number it reached.
constexpr const char* kKeepOccurrence =
    "INSERT INTO incident_groups (rule, group_hash, last_occurrence) "
    "SELECT rule, group_hash, occurrence FROM incidents WHERE id = ?1 "
    "ON CONFLICT (rule, group_hash) DO UPDATE SET "
    "last_occurrence = max(last_occurrence, excluded.last_occurrence)";

Result<int64_t> DeleteUpTo(Db& db, const char* sql, TimePoint cutoff, int max_rows) {
  Result<Stmt> st = db.Prepare(sql);
  if (!st.ok()) return st.error();
  st->Bind(1, cutoff).Bind(2, int64_t{max_rows});
  Status s = st->Run();
  if (!s.ok()) return s.error();
  return db.ChangedRows();
}

Result<int64_t> PruneClosedIncidents(Db& db, TimePoint cutoff, int max_rows) {
  std::vector<int64_t> ids;
  {
    Result<Stmt> due = db.Prepare(kClosedIncidentsDue);
    if (!due.ok()) return due.error();
    due->Bind(1, cutoff).Bind(2, int64_t{max_rows});
    while (true) {
      Result<bool> row = due->Step();
      if (!row.ok()) return row.error();
      if (!*row) break;
      ids.push_back(due->Int(0));
    }
  }
  Result<Stmt> keep = db.Prepare(kKeepOccurrence);
  if (!keep.ok()) return keep.error();
  // Cascades to its events, outbox entries, refs and memberships.
  Result<Stmt> drop = db.Prepare("DELETE FROM incidents WHERE id = ?1");
  if (!drop.ok()) return drop.error();
  for (int64_t id : ids) {
    keep->Bind(1, id);
    Status s = keep->Run();
    if (s.ok()) {
      drop->Bind(1, id);
      s = drop->Run();
    }
    if (!s.ok()) return s.error();
  }
  return static_cast<int64_t>(ids.size());
}

}  // namespace

Result<PruneCounts> SqliteStore::PruneBatch(const RetentionPolicy& policy, TimePoint now,
                                            int max_rows) {
  std::lock_guard writer(writer_.mu);
  std::lock_guard lock(prune_.mu);
  Db& db = prune_.db;
  Result<Transaction> tx = Transaction::Begin(db, Transaction::Mode::kWrite);
  if (!tx.ok()) return tx.error();
  PruneCounts counts;
  if (policy.delivered_outbox) {
    Result<int64_t> n = DeleteUpTo(db, kPruneOutbox, now - *policy.delivered_outbox, max_rows);
    if (!n.ok()) return n.error();
    counts.outbox = *n;
  }
  if (policy.closed_incidents) {
    Result<int64_t> n = PruneClosedIncidents(db, now - *policy.closed_incidents, max_rows);
    if (!n.ok()) return n.error();
    counts.incidents = *n;
  }
  if (policy.resolved_alerts) {
    Result<int64_t> n = DeleteUpTo(db, kPruneAlerts, now - *policy.resolved_alerts, max_rows);
    if (!n.ok()) return n.error();
    counts.alerts = *n;
  }
  Status s = tx->Commit();
  if (!s.ok()) return s.error();
  return counts;
}

}  // namespace ab::sqlite
