#include "store/sqlite/schema.h"

#include <string>
#include <utility>
#include <vector>

#include "store/sqlite/column_codec.h"

namespace ab::sqlite {
namespace {

// Migration N (1-based) takes user_version N-1 to N. Append only: a released migration is never
// edited, because databases in the field have already run it.
//
// Conventions: times are integer milliseconds since the Unix epoch (NULL = none); alert
// fingerprints are the 64-bit value stored as a signed integer (two's complement) so that the
// alerts table is keyed by its rowid; labels/annotations/receivers are JSON text.
const std::vector<std::string>& Migrations() {
  static const std::vector<std::string> kMigrations = {
      // 1: initial schema.
      R"sql(
CREATE TABLE alerts (
  fingerprint    INTEGER PRIMARY KEY,
  labels         TEXT NOT NULL,
  annotations    TEXT NOT NULL,
  status         TEXT NOT NULL,
  starts_at      INTEGER NOT NULL,
  ends_at        INTEGER,
  generator_url  TEXT NOT NULL,
  source         TEXT NOT NULL,
  first_received INTEGER NOT NULL,
  last_received  INTEGER NOT NULL,
  resolved_at    INTEGER
);

CREATE TABLE incidents (
  id               INTEGER PRIMARY KEY,
  key              TEXT NOT NULL UNIQUE,
  rule             TEXT NOT NULL,
  group_labels     TEXT NOT NULL,
  group_hash       TEXT NOT NULL,
  occurrence       INTEGER NOT NULL,
  state            TEXT NOT NULL,
  base_severity    TEXT NOT NULL,
  priority         TEXT NOT NULL,
  title            TEXT NOT NULL,
  summary          TEXT NOT NULL,
  owner_team       TEXT NOT NULL,
  owner_commander  TEXT NOT NULL,
  runbook          TEXT NOT NULL,
  receivers        TEXT NOT NULL,
  alerts           TEXT NOT NULL,
  alerts_firing    INTEGER NOT NULL,
  created_at       INTEGER NOT NULL,
  declared_at      INTEGER,
  acknowledged_at  INTEGER,
  resolved_at      INTEGER,
  closed_at        INTEGER,
  last_seq         INTEGER NOT NULL,
  -- Two batches racing to declare the same group: only one row can win (CONTRACTS.md "Keys").
  UNIQUE (rule, group_hash, occurrence)
);
CREATE INDEX incidents_by_state ON incidents (state, id);

CREATE TABLE events (
  incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  seq         INTEGER NOT NULL,
  type        TEXT NOT NULL,
  at          INTEGER NOT NULL,
  actor       TEXT NOT NULL,
  details     TEXT NOT NULL,
  PRIMARY KEY (incident_id, seq)
) WITHOUT ROWID;

CREATE TABLE outbox (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  incident_id     INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  event_seq       INTEGER NOT NULL,
  receiver        TEXT NOT NULL,
  event_id        TEXT NOT NULL,
  event_type      TEXT NOT NULL,
  payload         TEXT NOT NULL,
  state           TEXT NOT NULL,
  attempts        INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  last_error      TEXT NOT NULL,
  delivered_at    INTEGER
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_by_incident ON outbox (incident_id, receiver, id);

CREATE TABLE external_refs (
  incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  receiver    TEXT NOT NULL,
  type        TEXT NOT NULL,
  id          TEXT NOT NULL,
  url         TEXT NOT NULL,
  UNIQUE (incident_id, receiver, type, id)
);
)sql",
      // 2: staleness of alerts; affected accounts, trigger hold and human actions of incidents.
      R"sql(
ALTER TABLE alerts ADD COLUMN stale_at INTEGER;
ALTER TABLE alerts ADD COLUMN stale INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN accounts TEXT NOT NULL DEFAULT '[]';
ALTER TABLE incidents ADD COLUMN trigger_since INTEGER;
ALTER TABLE incidents ADD COLUMN resolution TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN resolved_by_hand INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN held_open INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN priority_by_hand INTEGER NOT NULL DEFAULT 0;
-- Firing alerts stored before staleness existed: the default stale_after (9h) from their last
-- receipt, so no incident hangs open forever; their next refresh sets their source's own.
UPDATE alerts SET stale_at = last_received + 32400000 WHERE status = 'firing';
)sql",
      // 3: memberships as rows (see MoveMembersToRows), the incident keeps only their count.
      R"sql(
-- Which alerts belong to which incident: one row per membership, written once when the alert
-- joins, so that a storm adding to a big incident never rewrites a list of all its members.
CREATE TABLE incident_alerts (
  incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  fingerprint INTEGER NOT NULL,
  PRIMARY KEY (incident_id, fingerprint)
) WITHOUT ROWID;
ALTER TABLE incidents ADD COLUMN alerts_total INTEGER NOT NULL DEFAULT 0;
)sql",
      // 4: outbox states `held` and `discarded` (state is free text, so no table change for
      // them; the version bump keeps an older binary, which cannot read them, off this file),
      // and when an operator discarded an entry.
      R"sql(
ALTER TABLE outbox ADD COLUMN discarded_at INTEGER;
)sql",
      // 5: alert rows keyed by their storage order (TrackedAlert::id) instead of their
      // fingerprint, and memberships keyed by (incident, alert id). Every key written in an alert
      // storm was random before, so each new alert dirtied a page of its own in both tables (a
      // group commit of 200 alerts wrote ~400 pages); now new rows append at the end of the
      // alerts table and at the end of each incident's memberships.
      R"sql(
CREATE TABLE alerts_v5 (
  id             INTEGER PRIMARY KEY,
  fingerprint    INTEGER NOT NULL,
  labels         TEXT NOT NULL,
  annotations    TEXT NOT NULL,
  status         TEXT NOT NULL,
  starts_at      INTEGER NOT NULL,
  ends_at        INTEGER,
  generator_url  TEXT NOT NULL,
  source         TEXT NOT NULL,
  first_received INTEGER NOT NULL,
  last_received  INTEGER NOT NULL,
  resolved_at    INTEGER,
  stale_at       INTEGER,
  stale          INTEGER NOT NULL DEFAULT 0
);
INSERT INTO alerts_v5 (fingerprint, labels, annotations, status, starts_at, ends_at,
                       generator_url, source, first_received, last_received, resolved_at,
                       stale_at, stale)
  SELECT fingerprint, labels, annotations, status, starts_at, ends_at, generator_url, source,
         first_received, last_received, resolved_at, stale_at, stale
  FROM alerts ORDER BY first_received, fingerprint;

CREATE TABLE incident_alerts_v5 (
  incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  alert_id    INTEGER NOT NULL,
  fingerprint INTEGER NOT NULL,
  PRIMARY KEY (incident_id, alert_id)
) WITHOUT ROWID;
-- A member whose alert row is gone keeps its fingerprint under an id no alert row has.
INSERT INTO incident_alerts_v5 (incident_id, alert_id, fingerprint)
  SELECT m.incident_id,
         COALESCE(a.id, -ROW_NUMBER() OVER (ORDER BY m.incident_id, m.fingerprint)),
         m.fingerprint
  FROM incident_alerts m LEFT JOIN alerts_v5 a ON a.fingerprint = m.fingerprint;

DROP TABLE incident_alerts;
DROP TABLE alerts;
ALTER TABLE alerts_v5 RENAME TO alerts;
ALTER TABLE incident_alerts_v5 RENAME TO incident_alerts;
)sql",
      // 6: the delivery worker reads pending entries in id order (all receivers past its cursor,
      // or one receiver's), whatever their next_attempt_at: a partial index keeps that one range
      // of the pending rows, never a walk through the delivered history. And entries an older
      // worker scheduled for "never" (next_attempt_at = INT64_MAX, behind a half-open circuit's
      // probe) are due again.
      R"sql(
CREATE INDEX outbox_pending ON outbox (id) WHERE state = 'pending';
UPDATE outbox SET next_attempt_at = created_at
  WHERE state = 'pending' AND next_attempt_at >= 253402300800000;
)sql",
      // 7: an incident whose rule vanished at a reload is flagged `orphaned` (CONTRACTS.md).
      R"sql(
ALTER TABLE incidents ADD COLUMN orphaned INTEGER NOT NULL DEFAULT 0;
)sql",
      // 8: incident operations — the communications role, SLA timers (the clock's start, time
      // paused while muted, the deadlines that fired, the last status update), the muted flag,
      // the closure's cause and runbook answer; and the silences made through the API.
      R"sql(
ALTER TABLE incidents ADD COLUMN owner_communications TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN muted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN muted_at INTEGER;
ALTER TABLE incidents ADD COLUMN paused_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN sla_started_at INTEGER;
ALTER TABLE incidents ADD COLUMN deadlines_fired TEXT NOT NULL DEFAULT '[]';
ALTER TABLE incidents ADD COLUMN last_update_at INTEGER;
ALTER TABLE incidents ADD COLUMN latest_note TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN cause TEXT NOT NULL DEFAULT '';
-- -1: not said (closed before this existed, or not closed), 0: no, 1: yes.
ALTER TABLE incidents ADD COLUMN runbook_updated INTEGER NOT NULL DEFAULT -1;
CREATE INDEX incidents_by_declared ON incidents (declared_at);

CREATE TABLE silences (
  id         TEXT PRIMARY KEY,
  matchers   TEXT NOT NULL,  -- JSON list of matchers in Alertmanager's string form
  starts_at  INTEGER NOT NULL,
  ends_at    INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  comment    TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX silences_by_end ON silences (ends_at);
)sql",
      // 9: memory that follows open work, and retention (issue 14).
      R"sql(
-- Whether the engine holds the incident: set when it is first written, cleared when the engine
-- lets go of it (resolved past its dedup window, closed, or an older occurrence of its group).
-- A restart loads these, the alerts they hold and the firing ones: open work, not history.
-- Incidents stored before this: every group's latest one is held (the engine lets go of those
-- it does not need at its first tick).
ALTER TABLE incidents ADD COLUMN live INTEGER NOT NULL DEFAULT 1;
UPDATE incidents SET live = 0
  WHERE id NOT IN (SELECT max(id) FROM incidents GROUP BY rule, group_hash);
CREATE INDEX incidents_live ON incidents (id) WHERE live = 1;
-- Firing alerts (resolved_at NULL, in storage order) and resolved ones by when they resolved:
-- the restart reads the former and the latest of the latter, retention the oldest. New alerts
-- and new resolutions both append to it.
CREATE INDEX alerts_by_resolved ON alerts (resolved_at);
-- Which incidents hold an alert (retention keeps the alerts of held incidents).
CREATE INDEX incident_alerts_by_alert ON incident_alerts (alert_id);
-- A group's last occurrence number once retention deleted its incidents, so that a recurrence
-- never reuses a key (and adopts an old ticket).
CREATE TABLE incident_groups (
  rule            TEXT NOT NULL,
  group_hash      TEXT NOT NULL,
  last_occurrence INTEGER NOT NULL,
  PRIMARY KEY (rule, group_hash)
) WITHOUT ROWID;
)sql",
      // 10: the installation's instance id, part of every new incident key (CONTRACTS.md "Keys"):
      // generated once, when the database is created or first migrated to this version, so that
      // two installations with the same rules, or a database started afresh, never share keys.
      // Incidents already stored keep the key stored with them. And the optional steps that
      // deliveries went without (issue 16 item 1), for the incidents' timelines: kept when the
      // outbox entry is pruned, gone with the incident.
      R"sql(
CREATE TABLE meta (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO meta (name, value) VALUES ('instance_id', lower(hex(randomblob(16))));

CREATE TABLE delivery_degraded (
  incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  event_seq   INTEGER NOT NULL,
  outbox_id   INTEGER NOT NULL,
  step        TEXT NOT NULL,
  receiver    TEXT NOT NULL,
  reason      TEXT NOT NULL,
  at          INTEGER NOT NULL,
  PRIMARY KEY (incident_id, event_seq, outbox_id, step)
) WITHOUT ROWID;
)sql",
  };
  return kMigrations;
}

// Migration 3's data step: the comma-separated hex list in incidents.alerts becomes rows of
// incident_alerts and a count, then the column goes.
Status MoveMembersToRows(Db& db) {
  Result<Stmt> read = db.Prepare("SELECT id, alerts FROM incidents");
  if (!read.ok()) return read.error();
  Result<Stmt> insert = db.Prepare(
      "INSERT OR IGNORE INTO incident_alerts (incident_id, fingerprint) VALUES (?1, ?2)");
  if (!insert.ok()) return insert.error();
  Result<Stmt> count = db.Prepare("UPDATE incidents SET alerts_total = ?2 WHERE id = ?1");
  if (!count.ok()) return count.error();
  std::vector<std::pair<int64_t, std::vector<uint64_t>>> lists;
  while (true) {
    Result<bool> row = read->Step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    std::vector<uint64_t> fps;
    if (!DecodeFingerprints(read->Text(1), &fps)) {
      return MakeError("incident " + std::to_string(read->Int(0)) + ": bad alerts column");
    }
    lists.emplace_back(read->Int(0), std::move(fps));
  }
  for (const auto& [id, fps] : lists) {
    for (uint64_t fp : fps) {
      insert->Reset();
      insert->Bind(1, id).Bind(2, static_cast<int64_t>(fp));
      Status s = insert->Run();
      if (!s.ok()) return s;
    }
    count->Reset();
    count->Bind(1, id).Bind(2, static_cast<int64_t>(fps.size()));
    Status s = count->Run();
    if (!s.ok()) return s;
  }
  return db.Exec("ALTER TABLE incidents DROP COLUMN alerts");
}

// C++ steps that run after a migration's SQL, in its transaction (by migration number).
Status AfterMigration(Db& db, int version) {
  return version == 3 ? MoveMembersToRows(db) : Status::Ok();
}

Result<int> UserVersion(Db& db) {
  Result<Stmt> st = db.Prepare("PRAGMA user_version");
  if (!st.ok()) return st.error();
  Result<bool> row = st->Step();
  if (!row.ok()) return row.error();
  return *row ? static_cast<int>(st->Int(0)) : 0;
}

Error TooNew(int version) {
  return MakeError("database schema version " + std::to_string(version) +
                   " is newer than this alertbridge (supports " +
                   std::to_string(SchemaVersion()) + "); upgrade alertbridge");
}

}  // namespace

int SchemaVersion() { return static_cast<int>(Migrations().size()); }

Status Migrate(Db& db) { return MigrateTo(db, SchemaVersion()); }

Status MigrateTo(Db& db, int target) {
  Result<int> seen = UserVersion(db);
  if (!seen.ok()) return seen.error();
  if (*seen > SchemaVersion()) return TooNew(*seen);

  while (true) {
    // Re-read inside the write lock: another process may have migrated since.
    Result<Transaction> tx = Transaction::Begin(db, Transaction::Mode::kWrite);
    if (!tx.ok()) return tx.error();
    Result<int> version = UserVersion(db);
    if (!version.ok()) return version.error();
    if (*version > SchemaVersion()) return TooNew(*version);
    if (*version >= target) return tx->Commit();
    int next = *version + 1;
    Status s = db.Exec(Migrations()[next - 1]);
    if (s.ok()) s = AfterMigration(db, next);
    if (!s.ok()) {
      return MakeError("migrating the database to schema version " + std::to_string(next) +
                       ": " + s.error().message);
    }
    s = db.Exec("PRAGMA user_version = " + std::to_string(next));
    if (!s.ok()) return s;
    s = tx->Commit();
    if (!s.ok()) return s;
  }
}

}  // namespace ab::sqlite
