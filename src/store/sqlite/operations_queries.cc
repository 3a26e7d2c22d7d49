// The reads behind incident operations: incidents with their timelines over a time range (KPIs)
// and the silences made through the API.
#include <string>
#include <unordered_map>
#include <vector>

#include "store/sqlite/rows.h"
#include "store/sqlite/sqlite_store.h"

namespace ab::sqlite {

Result<std::vector<IncidentDetail>> SqliteStore::IncidentHistory(TimePoint from, TimePoint to) {
  std::lock_guard lock(api_.mu);
  Db& db = api_.db;
  Result<Transaction> tx = Transaction::Begin(db, Transaction::Mode::kRead);
  if (!tx.ok()) return tx.error();
  std::vector<IncidentDetail> out;
  std::unordered_map<int64_t, size_t> index;
  {
    Result<Stmt> st = db.Prepare(std::string("SELECT ") + kIncidentColumns +
                                 " FROM incidents WHERE declared_at >= ?1 AND declared_at < ?2 "
                                 "ORDER BY declared_at, id");
    if (!st.ok()) return st.error();
    st->Bind(1, from).Bind(2, to);
    while (true) {
      Result<bool> row = st->Step();
      if (!row.ok()) return row.error();
      if (!*row) break;
      Status s = ReadIncident(*st, &out.emplace_back().incident);
      if (!s.ok()) return s.error();
      index.emplace(out.back().incident.id, out.size() - 1);
    }
  }
  if (!out.empty()) {
    // The events of those incidents: one pass over the events of incidents declared in range.
    Result<Stmt> st = db.Prepare(std::string("SELECT ") + kEventColumns +
                                 " FROM events WHERE incident_id IN (SELECT id FROM incidents "
                                 "WHERE declared_at >= ?1 AND declared_at < ?2) "
                                 "ORDER BY incident_id, seq");
    if (!st.ok()) return st.error();
    st->Bind(1, from).Bind(2, to);
    while (true) {
      Result<bool> row = st->Step();
      if (!row.ok()) return row.error();
      if (!*row) break;
      Event ev;
      Status s = ReadEvent(*st, &ev);
      if (!s.ok()) return s.error();
      auto it = index.find(ev.incident_id);
      if (it != index.end()) out[it->second].timeline.push_back(std::move(ev));
    }
  }
  Status s = tx->Commit();
  if (!s.ok()) return s.error();
  return out;
}

Result<std::vector<Silence>> SqliteStore::ListSilences() {
  std::lock_guard lock(api_.mu);
  Db& db = api_.db;
  Result<Stmt> st = db.Prepare(std::string("SELECT ") + kSilenceColumns +
                               " FROM silences ORDER BY updated_at DESC, id");
  if (!st.ok()) return st.error();
  std::vector<Silence> out;
  while (true) {
    Result<bool> row = st->Step();
    if (!row.ok()) return row.error();
    if (!*row) break;
    Status s = ReadSilence(*st, &out.emplace_back());
    if (!s.ok()) return s.error();
  }
  return out;
}

}  // namespace ab::sqlite
