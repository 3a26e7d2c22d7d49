#include "store/sqlite/sqlite_store.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "store/sqlite/rows.h"
#include "store/sqlite/schema.h"
#include "store/store_lock.h"

namespace ab {

Result<std::unique_ptr<IncidentStore>> OpenSqliteStore(const std::string& path) {
  Result<std::unique_ptr<sqlite::SqliteStore>> store = sqlite::SqliteStore::Open(path);
  if (!store.ok()) return store.error();
  return std::unique_ptr<IncidentStore>(std::move(*store));
}

namespace sqlite {
namespace {

// Long enough to ride out a checkpoint or `alertbridge backup`, short enough that a stuck lock
// turns into an error (503 upstream) instead of a hung request.
constexpr int kBusyTimeoutMs = 5000;

Status WithContext(Status s, const std::string& what) {
  if (s.ok()) return s;
  return MakeError(what + ": " + s.error().message, s.error().field);
}

Result<Db> OpenConnection(const std::string& path, bool create, bool read_only) {
  Result<Db> db = Db::Open(path, SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0));
  if (!db.ok()) return db;
  sqlite3_busy_timeout(db->raw(), kBusyTimeoutMs);
  // query_only: the read connections must never take the write lock by accident.
  // synchronous=FULL on the writer (each commit syncs the WAL: an acknowledged alert survives
  // power loss) and on the checkpointer (the database file is synced before the WAL is reused).
  Status s = db->Exec(read_only ? "PRAGMA foreign_keys = ON; PRAGMA query_only = ON"
                                : "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL");
  if (!s.ok()) return s.error();
  return db;
}

Status EnableWal(Db& db) {
  Result<Stmt> st = db.Prepare("PRAGMA journal_mode = WAL");
  if (!st.ok()) return st.error();
  Result<bool> row = st->Step();
  if (!row.ok()) return row.error();
  std::string mode = *row ? std::string(st->Text(0)) : "";
  if (mode != "wal") {
    return MakeError("sqlite " + db.path() + ": cannot use WAL mode (journal_mode is \"" + mode +
                     "\"); put the database on a local file system");
  }
  return Status::Ok();
}

Status RunEach(Stmt& st, int64_t id) {
  st.Bind(1, id);
  return st.Run();
}

// A group commit holds one row per step that touched a row: only the last one of each id is
// written (the ones before it would be overwritten in the same transaction anyway).
template <typename Row, typename IdOf>
std::vector<const Row*> LastRowOfEachId(const std::vector<Row>& rows, IdOf id_of) {
  std::vector<const Row*> out;
  out.reserve(rows.size());
  std::unordered_set<int64_t> seen;
  for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
    if (seen.insert(id_of(*it)).second) out.push_back(&*it);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path,
                                                       CheckpointOptions checkpoints) {
  if (Status st = CreateDatabaseFolder(path); !st.ok()) return st.error();
  Result<Db> writer = OpenConnection(path, /*create=*/true, /*read_only=*/false);
  if (!writer.ok()) return writer.error();
  // journal_mode=WAL is stored in the file: set once here, the other connections inherit it.
  Status s = EnableWal(*writer);
  if (!s.ok()) return s.error();
  s = Migrate(*writer);
  if (!s.ok()) return s.error();
  Result<Db> outbox = OpenConnection(path, false, /*read_only=*/true);
  if (!outbox.ok()) return outbox.error();
  Result<Db> api = OpenConnection(path, false, /*read_only=*/true);
  if (!api.ok()) return api.error();
  std::vector<Db> readers;
  for (int i = 0; i < kReaders; ++i) {
    Result<Db> reader = OpenConnection(path, false, /*read_only=*/true);
    if (!reader.ok()) return reader.error();
    readers.push_back(std::move(*reader));
  }
  Result<Db> prune = OpenConnection(path, false, /*read_only=*/false);
  if (!prune.ok()) return prune.error();
  Result<Db> checkpoint = OpenConnection(path, false, /*read_only=*/false);
  if (!checkpoint.ok()) return checkpoint.error();
  std::unique_ptr<SqliteStore> store(new SqliteStore(std::move(*writer), std::move(*outbox),
                                                     std::move(*api), std::move(readers),
                                                     std::move(*prune),
                                                     std::move(*checkpoint), checkpoints));
  if (Status counted = store->LoadOutboxTally(); !counted.ok()) return counted.error();
  return store;
}

Db& SqliteStore::BorrowReader(std::unique_lock<std::mutex>* lock) {
  for (auto& r : readers_) {
    std::unique_lock<std::mutex> l(r->mu, std::try_to_lock);
    if (l.owns_lock()) {
      *lock = std::move(l);
      return r->db;
    }
  }
  Connection& r = *readers_[next_reader_++ % readers_.size()];
  *lock = std::unique_lock<std::mutex>(r.mu);
  return r.db;
}

Result<StoredState> SqliteStore::Load() {
  std::unique_lock<std::mutex> lock;
  Db& db = BorrowReader(&lock);
  Result<Transaction> tx = Transaction::Begin(db, Transaction::Mode::kRead);
  if (!tx.ok()) return tx.error();
  StoredState state;

  // Each table in storage order: one sequential scan, no index lookups, no sort.
  Result<Stmt> alerts = db.Prepare(std::string("SELECT ") + kAlertColumns + " FROM alerts");
  if (!alerts.ok()) return alerts.error();
  while (true) {
    Result<bool> row = alerts->Step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    Status s = ReadAlert(*alerts, &state.alerts.emplace_back());
    if (!s.ok()) return s.error();
  }

  Result<Stmt> incidents =
      db.Prepare(std::string("SELECT ") + kIncidentColumns + " FROM incidents ORDER BY id");
  if (!incidents.ok()) return incidents.error();
  std::unordered_map<int64_t, size_t> index;
  while (true) {
    Result<bool> row = incidents->Step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    Status s = ReadIncident(*incidents, &state.incidents.emplace_back());
    if (!s.ok()) return s.error();
    index.emplace(state.incidents.back().id, state.incidents.size() - 1);
  }

  Result<Stmt> members =
      db.Prepare("SELECT incident_id, fingerprint FROM incident_alerts ORDER BY incident_id");
  if (!members.ok()) return members.error();
  while (true) {
    Result<bool> row = members->Step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    auto it = index.find(members->Int(0));
    if (it != index.end()) {
      state.incidents[it->second].alerts.push_back(static_cast<uint64_t>(members->Int(1)));
    }
  }
  // Rows come in signed order; the engine keeps members in unsigned order.
  for (Incident& inc : state.incidents) std::sort(inc.alerts.begin(), inc.alerts.end());

  Result<Stmt> refs = db.Prepare(std::string("SELECT ") + kExternalRefColumns +
                                 " FROM external_refs ORDER BY rowid");
  if (!refs.ok()) return refs.error();
  while (true) {
    Result<bool> row = refs->Step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    ExternalRef ref;
    auto it = index.find(ReadExternalRef(*refs, &ref));
    if (it != index.end()) state.incidents[it->second].external_refs.push_back(std::move(ref));
  }

  Result<Stmt> meta = db.Prepare("SELECT value FROM meta WHERE name = 'instance_id'");
  if (!meta.ok()) return meta.error();
  Result<bool> row = meta->Step();
  if (!row.ok()) return row.error();
  if (*row) state.instance_id = meta->Text(0);

  Status s = tx->Commit();
  if (!s.ok()) return s.error();
  return state;
}

Status SqliteStore::Commit(const Changes& changes, const std::vector<OutboxEntry>& outbox) {
  if (changes.empty() && outbox.empty()) return Status::Ok();
  std::lock_guard lock(writer_.mu);
  Status s = WithContext(CommitLocked(changes, outbox), "commit");
  if (s.ok()) {
    for (const OutboxEntry& e : outbox) tally_.Add(e.receiver, e.state, 1);
    // A removed (pending) incident took its entries along by ON DELETE CASCADE, which no
    // statement here counted: recount (rare, and a range of the outbox_due index). The commit
    // itself stands; a failed recount is tried again after the next commit.
    if (!changes.removed_incidents.empty() || recount_pending_) {
      recount_pending_ = !RecountOutboxLocked().ok();
    }
  }
  return s;
}

Status SqliteStore::CommitLocked(const Changes& changes, const std::vector<OutboxEntry>& outbox) {
  Db& db = writer_.db;
  // Everything below is inside tx: any early return rolls all of it back.
  Result<Transaction> tx = Transaction::Begin(db, Transaction::Mode::kWrite);
  if (!tx.ok()) return tx.error();

  if (!changes.alerts.empty()) {
    Result<Stmt> st = db.Prepare(kUpsertAlert);
    if (!st.ok()) return st.error();
    for (const TrackedAlert* a :
         LastRowOfEachId(changes.alerts, [](const TrackedAlert& t) { return t.id; })) {
      BindAlert(*st, *a);
      Status s = st->Run();
      if (!s.ok()) return WithContext(s, "alert " + FormatFingerprint(a->alert.fingerprint));
    }
  }

  if (!changes.incidents.empty()) {
    Result<Stmt> st = db.Prepare(kUpsertIncident);
    if (!st.ok()) return st.error();
    Result<Stmt> ref_st = db.Prepare(kUpsertExternalRef);
    if (!ref_st.ok()) return ref_st.error();
    for (const Incident* row :
         LastRowOfEachId(changes.incidents, [](const Incident& inc) { return inc.id; })) {
      const Incident& inc = *row;
      BindIncident(*st, inc);
      Status s = st->Run();
      // Refs only accumulate here; AddExternalRef is their usual way in.
      for (size_t i = 0; s.ok() && i < inc.external_refs.size(); ++i) {
        BindExternalRef(*ref_st, inc.id, inc.external_refs[i]);
        s = ref_st->Run();
      }
      if (!s.ok()) return WithContext(s, "incident " + std::to_string(inc.id) + " " + inc.key);
    }
  }

  if (!changes.joined.empty()) {
    Result<Stmt> st = db.Prepare(kInsertMembership);
    if (!st.ok()) return st.error();
    for (const Membership& m : changes.joined) {
      st->Bind(1, m.incident_id).Bind(2, m.alert_id).Bind(3, static_cast<int64_t>(m.fingerprint));
      Status s = st->Run();
      if (!s.ok()) {
        return WithContext(s, "alert " + FormatFingerprint(m.fingerprint) + " joining incident " +
                                  std::to_string(m.incident_id));
      }
    }
  }

  if (!changes.removed_incidents.empty()) {
    // Cascades to its events, outbox entries and refs, should a pending incident have any.
    Result<Stmt> st = db.Prepare("DELETE FROM incidents WHERE id = ?1");
    if (!st.ok()) return st.error();
    for (int64_t id : changes.removed_incidents) {
      Status s = RunEach(*st, id);
      if (!s.ok()) return WithContext(s, "removing incident " + std::to_string(id));
    }
  }

  if (!changes.holdings.empty()) {
    Result<Stmt> st = db.Prepare("UPDATE incidents SET live = ?2 WHERE id = ?1");
    if (!st.ok()) return st.error();
    for (const Holding& h : changes.holdings) {
      st->Bind(1, h.incident_id).Bind(2, int64_t{h.held});
      Status s = st->Run();
      if (!s.ok()) return WithContext(s, "holding incident " + std::to_string(h.incident_id));
    }
  }

  if (!changes.events.empty()) {
    Result<Stmt> st = db.Prepare(kInsertEvent);
    if (!st.ok()) return st.error();
    for (const EventRecord& r : changes.events) {
      BindEvent(*st, r.event);
      Status s = st->Run();
      if (!s.ok()) {
        return WithContext(s, "event " + std::to_string(r.event.seq) + " of incident " +
                                  std::to_string(r.event.incident_id));
      }
    }
  }

  if (!changes.silences.empty()) {
    Result<Stmt> st = db.Prepare(kUpsertSilence);
    if (!st.ok()) return st.error();
    for (const Silence& silence : changes.silences) {
      BindSilence(*st, silence);
      Status s = st->Run();
      if (!s.ok()) return WithContext(s, "silence " + silence.id);
    }
  }

  if (!outbox.empty()) {
    Result<Stmt> st = db.Prepare(kInsertOutbox);
    if (!st.ok()) return st.error();
    for (const OutboxEntry& e : outbox) {
      BindOutbox(*st, e);
      Status s = st->Run();
      if (!s.ok()) return WithContext(s, "outbox entry " + e.event_id + " for " + e.receiver);
    }
  }

  return tx->Commit();
}

Status SqliteStore::Probe() {
  std::lock_guard lock(writer_.mu);
  Db& db = writer_.db;
  Result<Transaction> tx = Transaction::Begin(db, Transaction::Mode::kWrite);
  if (!tx.ok()) return WithContext(tx.error(), "probe");
  // user_version rewritten with its own value: the header page goes through the WAL and is
  // synced like any commit's (an empty transaction would write nothing), and nothing changes.
  Result<Stmt> read = db.Prepare("PRAGMA user_version");
  if (!read.ok()) return WithContext(read.error(), "probe");
  Result<bool> row = read->Step();
  if (!row.ok()) return WithContext(row.error(), "probe");
  const int64_t version = *row ? read->Int(0) : 0;
  read->Reset();
  Status s = db.Exec("PRAGMA user_version = " + std::to_string(version));
  if (!s.ok()) return WithContext(s, "probe");
  return WithContext(tx->Commit(), "probe");
}

Status SqliteStore::Flush() {
  std::lock_guard lock(writer_.mu);
  auto background = checkpointer_->Hold();
  int wal_frames = 0;
  int checkpointed = 0;
  int rc = sqlite3_wal_checkpoint_v2(writer_.db.raw(), nullptr, SQLITE_CHECKPOINT_TRUNCATE,
                                     &wal_frames, &checkpointed);
  if (rc != SQLITE_OK) return writer_.db.LastError("checkpoint");
  return Status::Ok();
}

}  // namespace sqlite
}  // namespace ab
