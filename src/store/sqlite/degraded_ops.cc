// Optional steps that deliveries went without (issue 16 item 1): written by the delivery worker,
// read for the incident's timeline.
#include <cstdint>
#include <string>
#include <vector>

#include "store/sqlite/sqlite_store.h"

namespace ab::sqlite {

Status SqliteStore::RecordDegraded(const std::vector<DegradedDelivery>& steps) {
  if (steps.empty()) return Status::Ok();
  std::lock_guard lock(writer_.mu);
  Result<Transaction> tx = Transaction::Begin(writer_.db, Transaction::Mode::kWrite);
  if (!tx.ok()) return tx.error();
  // OR IGNORE: the record of an attempt is written again when marking it delivered failed.
  Result<Stmt> st = writer_.db.Prepare(
      "INSERT OR IGNORE INTO delivery_degraded (incident_id, event_seq, outbox_id, step, "
      "receiver, reason, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  if (!st.ok()) return st.error();
  for (const DegradedDelivery& d : steps) {
    st->Reset();
    st->Bind(1, d.incident_id)
        .Bind(2, d.event_seq)
        .Bind(3, d.outbox_id)
        .Bind(4, d.step)
        .Bind(5, d.receiver)
        .Bind(6, d.reason)
        .Bind(7, d.at);
    Status s = st->Run();
    if (!s.ok()) {
      return MakeError("recording the degraded steps of outbox entry " +
                       std::to_string(d.outbox_id) + ": " + s.error().message);
    }
  }
  return tx->Commit();
}

Result<std::vector<DegradedDelivery>> SqliteStore::DegradedDeliveries(
    int64_t incident_id, std::optional<int64_t> after_seq, std::optional<int64_t> upto_seq) {
  std::unique_lock<std::mutex> lock;
  Db& db = BorrowReader(&lock);
  // The primary key's order is (event_seq, outbox_id, step): each event's steps in the order
  // their deliveries were created.
  Result<Stmt> st = db.Prepare(
      "SELECT event_seq, outbox_id, step, receiver, reason, at FROM delivery_degraded "
      "WHERE incident_id = ?1 AND event_seq > ?2 AND event_seq <= ?3 "
      "ORDER BY event_seq, outbox_id, step");
  if (!st.ok()) return st.error();
  st->Bind(1, incident_id)
      .Bind(2, after_seq.value_or(INT64_MIN))
      .Bind(3, upto_seq.value_or(INT64_MAX));
  std::vector<DegradedDelivery> out;
  while (true) {
    Result<bool> row = st->Step();
    if (!row.ok()) return row.error();
    if (!*row) return out;
    DegradedDelivery& d = out.emplace_back();
    d.incident_id = incident_id;
    d.event_seq = st->Int(0);
    d.outbox_id = st->Int(1);
    d.step = st->Text(2);
    d.receiver = st->Text(3);
    d.reason = st->Text(4);
    d.at = st->Time(5);
  }
}

}  // namespace ab::sqlite
