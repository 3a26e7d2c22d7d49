// The outbox as the delivery workers and the outbox API see it.
#include <map>
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

Result<OutboxCounts> SqliteStore::CountOutbox() { return tally_.Counts(); }

Status SqliteStore::LoadOutboxTally() {
  std::lock_guard lock(writer_.mu);  // no write can come between the count and the reset
  // outbox_due starts with state: a range of the index, not a table scan; once, at open.
  Result<Stmt> st = writer_.db.Prepare(
      "SELECT receiver, state, count(*) FROM outbox WHERE state IN ('pending', 'held', 'dead') "
      "GROUP BY receiver, state");
  if (!st.ok()) return st.error();
  std::map<std::string, OutboxDepth> by_receiver;
  while (true) {
    Result<bool> row = st->Step();
    if (!row.ok()) return MakeError("counting outbox entries: " + row.error().message);
    if (!*row) break;
    OutboxDepth& d = by_receiver[std::string(st->Text(0))];
    const std::string_view state = st->Text(1);
    int64_t* slot = state == "pending" ? &d.pending : state == "held" ? &d.held : &d.dead;
    *slot = st->Int(2);
  }
  tally_.Reset(std::move(by_receiver));
  return Status::Ok();
}

std::string SqliteStore::PendingOutboxQuery(bool one_receiver) {
  // outbox_pending (id WHERE state = 'pending') is one range from after_id, in id order: the
  // delivered history is never walked and nothing is sorted, however long the backlog. Named,
  // because the planner prefers outbox_due (state, ...) and then sorts every pending row.
  std::string sql = std::string("SELECT ") + kOutboxColumns +
                    " FROM outbox INDEXED BY outbox_pending WHERE state = 'pending' AND id > ?1";
  if (one_receiver) sql += " AND receiver = ?3";
  return sql + " ORDER BY id LIMIT ?2";
}

Result<std::vector<OutboxEntry>> SqliteStore::PendingOutbox(const std::string& receiver,
                                                            int64_t after_id, int limit) {
  if (limit < 1) return std::vector<OutboxEntry>();
  std::lock_guard lock(outbox_.mu);
  Result<Stmt> st = outbox_.db.Prepare(PendingOutboxQuery(!receiver.empty()));
  if (!st.ok()) return st.error();
  st->Bind(1, after_id).Bind(2, int64_t{limit});
  if (!receiver.empty()) st->Bind(3, receiver);
  return ReadEntries(*st);
}

Status SqliteStore::UpdateOutboxRow(const std::string& sql, int64_t id, const std::string& what,
                                    OutboxState to, const std::function<void(Stmt&)>& bind) {
  std::lock_guard lock(writer_.mu);
  const std::string context = what + " outbox entry " + std::to_string(id);
  Result<Stmt> st = writer_.db.Prepare(sql);
  if (!st.ok()) return st.error();
  st->Bind(1, id);
  bind(*st);
  Result<bool> row = st->Step();
  if (!row.ok()) return MakeError(context + ": " + row.error().message);
  if (*row) {
    const std::string receiver(st->Text(0));
    // The statement commits when it completes: its last step reports a failed commit.
    Result<bool> more = st->Step();
    if (!more.ok()) return MakeError(context + ": " + more.error().message);
    tally_.Move(receiver, OutboxState::kPending, to, 1);
    return Status::Ok();
  }
  st->Reset();
  // Not pending: already done (a record retried after a commit that did land), or not ours.
  Result<Stmt> read = writer_.db.Prepare("SELECT state FROM outbox WHERE id = ?1");
  if (!read.ok()) return read.error();
  read->Bind(1, id);
  Result<bool> found = read->Step();
  if (!found.ok()) return MakeError(context + ": " + found.error().message);
  if (!*found) return MakeError(context + ": no such entry");
  const std::string state(read->Text(0));
  if (state == ToString(to) && to != OutboxState::kPending) return Status::Ok();
  return MakeError(context + ": the entry is " + state + ", not pending");
}

Status SqliteStore::MarkDelivered(int64_t id, int attempts, TimePoint now,
                                  const std::string& note) {
  return UpdateOutboxRow(
      "UPDATE outbox SET state = 'delivered', attempts = ?2, delivered_at = ?3, last_error = ?4 "
      "WHERE id = ?1 AND state = 'pending' RETURNING receiver",
      id, "marking delivered", OutboxState::kDelivered,
      [&](Stmt& st) { st.Bind(2, int64_t{attempts}).Bind(3, now).Bind(4, note); });
}

Status SqliteStore::MarkRetry(int64_t id, int attempts, TimePoint next_attempt,
                              const std::string& error) {
  return UpdateOutboxRow(
      "UPDATE outbox SET attempts = ?2, next_attempt_at = ?3, last_error = ?4 "
      "WHERE id = ?1 AND state = 'pending' RETURNING receiver",
      id, "scheduling a retry of", OutboxState::kPending,
      [&](Stmt& st) { st.Bind(2, int64_t{attempts}).Bind(3, next_attempt).Bind(4, error); });
}

Status SqliteStore::MarkDead(int64_t id, int attempts, const std::string& error) {
  return UpdateOutboxRow(
      "UPDATE outbox SET state = 'dead', attempts = ?2, last_error = ?3 "
      "WHERE id = ?1 AND state = 'pending' RETURNING receiver",
      id, "dead-lettering", OutboxState::kDead,
      [&](Stmt& st) { st.Bind(2, int64_t{attempts}).Bind(3, error); });
}

Status SqliteStore::MarkDeadMany(const std::vector<int64_t>& ids, const std::string& error) {
  if (ids.empty()) return Status::Ok();
  std::lock_guard lock(writer_.mu);
  const std::string context = "dead-lettering " + std::to_string(ids.size()) + " outbox entries";
  Result<Transaction> tx = Transaction::Begin(writer_.db, Transaction::Mode::kWrite);
  if (!tx.ok()) return MakeError(context + ": " + tx.error().message);
  Result<Stmt> st = writer_.db.Prepare(
      "UPDATE outbox SET state = 'dead', last_error = ?2 WHERE id = ?1 AND state = 'pending' "
      "RETURNING receiver");
  if (!st.ok()) return st.error();
  std::map<std::string, int64_t> moved;
  for (int64_t id : ids) {
    st->Reset();
    st->Bind(1, id).Bind(2, error);
    while (true) {
      Result<bool> row = st->Step();
      if (!row.ok()) return MakeError(context + ": " + row.error().message);
      if (!*row) break;
      ++moved[std::string(st->Text(0))];
    }
  }
  if (Status s = tx->Commit(); !s.ok()) return MakeError(context + ": " + s.error().message);
  for (const auto& [receiver, n] : moved) {
    tally_.Move(receiver, OutboxState::kPending, OutboxState::kDead, n);
  }
  return Status::Ok();
}

Result<std::vector<int64_t>> SqliteStore::HoldBehindDead(int64_t incident_id,
                                                         const std::string& receiver) {
  {
    // The read answers the usual case (no dead entry) without taking the write lock;
    // outbox_by_incident makes it one index range.
    std::lock_guard lock(outbox_.mu);
    Result<Stmt> st = outbox_.db.Prepare(
        "SELECT 1 FROM outbox WHERE incident_id = ?1 AND receiver = ?2 AND state = 'dead' "
        "LIMIT 1");
    if (!st.ok()) return st.error();
    st->Bind(1, incident_id).Bind(2, receiver);
    Result<bool> row = st->Step();
    if (!row.ok()) return row.error();
    if (!*row) return std::vector<int64_t>();
  }
  // The update decides again, atomically: an operator may have retried the dead entry since.
  std::lock_guard lock(writer_.mu);
  Result<Stmt> st = writer_.db.Prepare(
      "UPDATE outbox SET state = 'held', last_error = 'held behind dead outbox entry ' || "
      "(SELECT min(d.id) FROM outbox d WHERE d.incident_id = outbox.incident_id AND "
      "d.receiver = outbox.receiver AND d.state = 'dead') || "
      "' of the same incident (stateful receiver): retry or discard it' "
      "WHERE incident_id = ?1 AND receiver = ?2 AND state = 'pending' AND EXISTS "
      "(SELECT 1 FROM outbox d WHERE d.incident_id = outbox.incident_id AND "
      "d.receiver = outbox.receiver AND d.state = 'dead' AND d.id < outbox.id) RETURNING id");
  if (!st.ok()) return st.error();
  st->Bind(1, incident_id).Bind(2, receiver);
  std::vector<int64_t> held;
  while (true) {
    Result<bool> row = st->Step();
    if (!row.ok()) return MakeError("holding outbox entries: " + row.error().message);
    if (!*row) break;
    held.push_back(st->Int(0));
  }
  tally_.Move(receiver, OutboxState::kPending, OutboxState::kHeld,
              static_cast<int64_t>(held.size()));
  return held;
}

Result<std::optional<OutboxState>> SqliteStore::OperatorAction(const std::string& sql, int64_t id,
                                                               TimePoint now,
                                                               const std::string& what,
                                                               OutboxState to) {
  std::lock_guard lock(writer_.mu);
  const std::string context = what + " outbox entry " + std::to_string(id);
  Result<Transaction> tx = Transaction::Begin(writer_.db, Transaction::Mode::kWrite);
  if (!tx.ok()) return MakeError(context + ": " + tx.error().message);
  Result<Stmt> read =
      writer_.db.Prepare("SELECT state, incident_id, receiver FROM outbox WHERE id = ?1");
  if (!read.ok()) return read.error();
  read->Bind(1, id);
  Result<bool> row = read->Step();
  if (!row.ok()) return MakeError(context + ": " + row.error().message);
  if (!*row) return std::optional<OutboxState>();
  std::optional<OutboxState> before = ParseOutboxState(read->Text(0));
  const int64_t incident_id = read->Int(1);
  const std::string receiver(read->Text(2));
  read->Reset();
  if (!before) return MakeError(context + ": stored state is invalid");

  Result<Stmt> change = writer_.db.Prepare(sql);
  if (!change.ok()) return change.error();
  change->Bind(1, id).Bind(2, now);
  if (Status s = change->Run(); !s.ok()) return MakeError(context + ": " + s.error().message);
  if (writer_.db.ChangedRows() == 0) return before;  // a state the action does not apply to

  // Entries held behind it go back to pending unless another dead entry still comes first.
  Result<Stmt> release = writer_.db.Prepare(
      "UPDATE outbox SET state = 'pending', next_attempt_at = ?3, last_error = '' "
      "WHERE incident_id = ?1 AND receiver = ?2 AND state = 'held' AND NOT EXISTS "
      "(SELECT 1 FROM outbox d WHERE d.incident_id = outbox.incident_id AND "
      "d.receiver = outbox.receiver AND d.state = 'dead' AND d.id < outbox.id)");
  if (!release.ok()) return release.error();
  release->Bind(1, incident_id).Bind(2, receiver).Bind(3, now);
  if (Status s = release->Run(); !s.ok()) {
    return MakeError(context + ": releasing held entries: " + s.error().message);
  }
  const int64_t released = writer_.db.ChangedRows();
  if (Status s = tx->Commit(); !s.ok()) return MakeError(context + ": " + s.error().message);
  tally_.Move(receiver, *before, to, 1);
  tally_.Move(receiver, OutboxState::kHeld, OutboxState::kPending, released);
  ++requeues_;
  return before;
}

Result<std::optional<OutboxState>> SqliteStore::RetryOutbox(int64_t id, TimePoint now) {
  // A fresh attempt budget: the operator retries because the cause is fixed. last_error stays
  // until the next attempt replaces it, so the list still shows why it had died.
  return OperatorAction(
      "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?2 "
      "WHERE id = ?1 AND state = 'dead'",
      id, now, "retrying", OutboxState::kPending);
}

Result<std::optional<OutboxState>> SqliteStore::DiscardOutbox(int64_t id, TimePoint now) {
  return OperatorAction(
      "UPDATE outbox SET state = 'discarded', discarded_at = ?2 "
      "WHERE id = ?1 AND state IN ('dead', 'held')",
      id, now, "discarding", OutboxState::kDiscarded);
}

Status SqliteStore::AddExternalRef(int64_t incident_id, const ExternalRef& ref) {
  std::lock_guard lock(writer_.mu);
  Result<Stmt> st = writer_.db.Prepare(kUpsertExternalRef);
  if (!st.ok()) return st.error();
  BindExternalRef(*st, incident_id, ref);
  Status s = st->Run();
  if (!s.ok()) {
    return MakeError("storing " + ref.receiver + " " + ref.type + " " + ref.id + " for incident " +
                     std::to_string(incident_id) + ": " + s.error().message);
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
  std::string sql = std::string("SELECT ") + kOutboxColumns + " FROM outbox WHERE 1";
  if (q.state) sql += " AND state = ?2";
  if (!q.receiver.empty()) sql += " AND receiver = ?3";
  sql += " ORDER BY id DESC LIMIT ?1";
  Result<Stmt> st = api_.db.Prepare(sql);
  if (!st.ok()) return st.error();
  st->Bind(1, int64_t{q.limit});
  if (q.state) st->Bind(2, ToString(*q.state));
  if (!q.receiver.empty()) st->Bind(3, q.receiver);
  return ReadEntries(*st);
}

}  // namespace ab::sqlite
