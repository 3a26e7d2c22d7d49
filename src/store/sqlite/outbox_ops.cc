// The outbox as the delivery workers and the outbox API see it.
#include <string>
#include <vector>

#include "store/sqlite/rows.h"
#include "store/sqlite/sqlite_store.h"

namespace ab::sqlite {
namespace {

Result<std::vector<OutboxEntry>> ReadEntries(Stmt& st) {
  std::vector<OutboxEntry> out;
  while (true) {
    Result<bool> row = st.Step();
    if (!row.ok()) return row.error();
    if (!*row) return out;
    Status s = ReadOutbox(st, &out.emplace_back());
    if (!s.ok()) return s.error();
  }
}

}  // namespace

Result<std::vector<OutboxEntry>> SqliteStore::DueOutbox(TimePoint now, int limit) {
  if (limit < 1) return std::vector<OutboxEntry>();
  std::lock_guard lock(outbox_.mu);
  // outbox_due (state, next_attempt_at) finds the due rows; ordering by id keeps each
  // incident's entries in the order they were created.
  Result<Stmt> st = outbox_.db.Prepare(
      std::string("SELECT ") + kOutboxColumns +
      " FROM outbox WHERE state = 'pending' AND next_attempt_at <= ?1 ORDER BY id LIMIT ?2");
  if (!st.ok()) return st.error();
  st->Bind(1, now).Bind(2, int64_t{limit});
  return ReadEntries(*st);
}

Result<std::optional<TimePoint>> SqliteStore::NextOutboxDue() {
  std::lock_guard lock(outbox_.mu);
  Result<Stmt> st =
      outbox_.db.Prepare("SELECT min(next_attempt_at) FROM outbox WHERE state = 'pending'");
  if (!st.ok()) return st.error();
  Result<bool> row = st->Step();
  if (!row.ok()) return row.error();
  return *row ? st->OptTime(0) : std::nullopt;
}

Result<int64_t> SqliteStore::PendingOutboxCount() {
  std::lock_guard lock(outbox_.mu);
  Result<Stmt> st = outbox_.db.Prepare("SELECT count(*) FROM outbox WHERE state = 'pending'");
  if (!st.ok()) return st.error();
  Result<bool> row = st->Step();
  if (!row.ok()) return row.error();
  return *row ? st->Int(0) : 0;
}

Status SqliteStore::UpdateOutboxRow(const std::string& sql, int64_t id, const std::string& what,
                                    const std::function<void(Stmt&)>& bind) {
  std::lock_guard lock(writer_.mu);
  Result<Stmt> st = writer_.db.Prepare(sql);
  if (!st.ok()) return st.error();
  st->Bind(1, id);
  bind(*st);
  Status s = st->Run();
  std::string context = what + " outbox entry " + std::to_string(id);
  if (!s.ok()) return MakeError(context + ": " + s.error().message);
  if (writer_.db.ChangedRows() == 0) return MakeError(context + ": no such entry");
  return Status::Ok();
}

Status SqliteStore::MarkDelivered(int64_t id, int attempts, TimePoint now) {
  return UpdateOutboxRow(
      "UPDATE outbox SET state = 'delivered', attempts = ?2, delivered_at = ?3, last_error = '' "
      "WHERE id = ?1",
      id, "marking delivered", [&](Stmt& st) { st.Bind(2, int64_t{attempts}).Bind(3, now); });
}

Status SqliteStore::MarkRetry(int64_t id, int attempts, TimePoint next_attempt,
                              const std::string& error) {
  return UpdateOutboxRow(
      "UPDATE outbox SET state = 'pending', attempts = ?2, next_attempt_at = ?3, "
      "last_error = ?4 WHERE id = ?1",
      id, "scheduling a retry of", [&](Stmt& st) {
        st.Bind(2, int64_t{attempts}).Bind(3, next_attempt).Bind(4, error);
      });
}

Status SqliteStore::MarkDead(int64_t id, int attempts, const std::string& error) {
  return UpdateOutboxRow(
      "UPDATE outbox SET state = 'dead', attempts = ?2, last_error = ?3 WHERE id = ?1", id,
      "dead-lettering", [&](Stmt& st) { st.Bind(2, int64_t{attempts}).Bind(3, error); });
}

Result<bool> SqliteStore::RetryOutbox(int64_t id, TimePoint now) {
  std::lock_guard lock(writer_.mu);
  // A fresh attempt budget: the operator retries because the cause is fixed. last_error stays
  // until the next attempt replaces it, so the list still shows why it had died.
  Result<Stmt> st = writer_.db.Prepare(
      "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?2 "
      "WHERE id = ?1 AND state = 'dead'");
  if (!st.ok()) return st.error();
  st->Bind(1, id).Bind(2, now);
  Status s = st->Run();
  if (!s.ok()) return MakeError("retrying outbox entry " + std::to_string(id) + ": " +
                                s.error().message);
  return writer_.db.ChangedRows() > 0;
}

Status SqliteStore::AddExternalRef(int64_t incident_id, const ExternalRef& ref) {
  std::lock_guard lock(writer_.mu);
  Result<Stmt> st = writer_.db.Prepare(kUpsertExternalRef);
  if (!st.ok()) return st.error();
  BindExternalRef(*st, incident_id, ref);
  Status s = st->Run();
  if (!s.ok()) {
    return MakeError("storing " + ref.receiver + " " + ref.type + " " + ref.id +
                     " for incident " + std::to_string(incident_id) + ": " + s.error().message);
  }
  return Status::Ok();
}

Result<std::vector<ExternalRef>> SqliteStore::ExternalRefs(int64_t incident_id,
                                                           const std::string& receiver) {
  std::lock_guard lock(outbox_.mu);
  Result<Stmt> st = outbox_.db.Prepare(std::string("SELECT ") + kExternalRefColumns +
                                       " FROM external_refs WHERE incident_id = ?1 AND "
                                       "receiver = ?2 ORDER BY rowid");
  if (!st.ok()) return st.error();
  st->Bind(1, incident_id).Bind(2, receiver);
  std::vector<ExternalRef> refs;
  while (true) {
    Result<bool> row = st->Step();
    if (!row.ok()) return row.error();
    if (!*row) return refs;
    ReadExternalRef(*st, &refs.emplace_back());
  }
}

Result<std::vector<OutboxEntry>> SqliteStore::ListOutbox(const OutboxQuery& q) {
  if (q.limit < 1) return MakeError("limit must be at least 1", "limit");
  std::lock_guard lock(api_.mu);
  std::string sql = std::string("SELECT ") + kOutboxColumns + " FROM outbox";
  if (q.state) sql += " WHERE state = ?2";
  sql += " ORDER BY id DESC LIMIT ?1";
  Result<Stmt> st = api_.db.Prepare(sql);
  if (!st.ok()) return st.error();
  st->Bind(1, int64_t{q.limit});
  if (q.state) st->Bind(2, ToString(*q.state));
  return ReadEntries(*st);
}

}  // namespace ab::sqlite
