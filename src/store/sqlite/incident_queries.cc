// The HTTP API's reads: the incident list and one incident with its alerts and timeline.
#include <algorithm>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "store/sqlite/rows.h"
#include "store/sqlite/sqlite_store.h"

namespace ab::sqlite {
namespace {

Status AttachExternalRefs(Db& db, Incident* inc) {
  Result<Stmt> st = db.Prepare(std::string("SELECT ") + kExternalRefColumns +
                               " FROM external_refs WHERE incident_id = ?1 ORDER BY rowid");
  if (!st.ok()) return st.error();
  st->Bind(1, inc->id);
  inc->external_refs.clear();
  while (true) {
    Result<bool> row = st->Step();
    if (!row.ok()) return row.error();
    if (!*row) return Status::Ok();
    ReadExternalRef(*st, &inc->external_refs.emplace_back());
  }
}

}  // namespace

Result<IncidentPage> SqliteStore::ListIncidents(const IncidentQuery& q) {
  if (q.limit < 1) return MakeError("limit must be at least 1", "limit");

  // The SQL depends only on which filters are present (and how many states), so the statement
  // cache holds a handful of shapes.
  std::string sql = std::string("SELECT ") + kIncidentColumns + " FROM incidents WHERE 1";
  std::vector<std::variant<int64_t, std::string>> params;
  if (!q.states.empty()) {
    sql += " AND state IN (";
    for (size_t i = 0; i < q.states.size(); ++i) {
      sql += i ? ", ?" : "?";
      params.emplace_back(std::string(ToString(q.states[i])));
    }
    sql += ")";
  }
  if (q.severity) {
    sql += " AND priority = ?";
    params.emplace_back(std::string(ToString(*q.severity)));
  }
  if (!q.team.empty()) {
    sql += " AND owner_team = ?";
    params.emplace_back(q.team);
  }
  if (q.since) {
    sql += " AND created_at >= ?";
    params.emplace_back(ToMillis(*q.since));
  }
  if (q.before_id) {
    sql += " AND id < ?";
    params.emplace_back(*q.before_id);
  }
  // One row more than asked tells whether another page exists.
  sql += " ORDER BY id DESC LIMIT ?";
  params.emplace_back(int64_t{q.limit} + 1);

  std::unique_lock<std::mutex> lock;
  Db& db = BorrowReader(&lock);
  Result<Transaction> tx = Transaction::Begin(db, Transaction::Mode::kRead);
  if (!tx.ok()) return tx.error();
  IncidentPage page;
  {
    Result<Stmt> st = db.Prepare(sql);
    if (!st.ok()) return st.error();
    for (size_t i = 0; i < params.size(); ++i) {
      std::visit([&](const auto& v) { st->Bind(static_cast<int>(i + 1), v); }, params[i]);
    }
    while (true) {
      Result<bool> row = st->Step();
      if (!row.ok()) return row.error();
      if (!*row) break;
      if (static_cast<int>(page.incidents.size()) == q.limit) {
        page.next_before_id = page.incidents.back().id;
        break;
      }
      Status s = ReadIncident(*st, &page.incidents.emplace_back());
      if (!s.ok()) return s.error();
    }
  }
  for (Incident& inc : page.incidents) {
    Status s = AttachExternalRefs(db, &inc);
    if (!s.ok()) return s.error();
  }
  Status s = tx->Commit();
  if (!s.ok()) return s.error();
  return page;
}

Result<std::optional<IncidentDetail>> SqliteStore::GetIncident(int64_t id) {
  IncidentDetailQuery all;
  all.alerts_limit = -1;
  all.timeline_limit = -1;
  return ReadDetail(id, all);
}

Result<std::optional<IncidentDetail>> SqliteStore::GetIncidentPage(int64_t id,
                                                                   const IncidentDetailQuery& q) {
  if (q.alerts_limit < 1 || q.timeline_limit < 1) {
    return MakeError("limit must be at least 1", "limit");
  }
  return ReadDetail(id, q);
}

Result<std::optional<IncidentDetail>> SqliteStore::ReadDetail(int64_t id,
                                                              const IncidentDetailQuery& q) {
  std::unique_lock<std::mutex> lock;
  Db& db = BorrowReader(&lock);
  Result<Transaction> tx = Transaction::Begin(db, Transaction::Mode::kRead);
  if (!tx.ok()) return tx.error();
  IncidentDetail detail;
  {
    Result<Stmt> st =
        db.Prepare(std::string("SELECT ") + kIncidentColumns + " FROM incidents WHERE id = ?1");
    if (!st.ok()) return st.error();
    st->Bind(1, id);
    Result<bool> row = st->Step();
    if (!row.ok()) return row.error();
    if (!*row) return std::optional<IncidentDetail>();
    Status s = ReadIncident(*st, &detail.incident);
    if (!s.ok()) return s.error();
  }
  Status s = AttachExternalRefs(db, &detail.incident);
  if (!s.ok()) return s.error();

  // One row more than asked tells whether another page follows (LIMIT -1: no limit).
  auto fetch = [](int limit) { return limit < 0 ? int64_t{-1} : int64_t{limit} + 1; };
  {
    // The members' key (incident_id, alert_id) gives the page as one index range; a member whose
    // alert row was pruned is left out.
    Result<Stmt> st = db.Prepare(std::string("SELECT ") + kAlertColumns +
                                 " FROM alerts WHERE id IN (SELECT alert_id FROM incident_alerts "
                                 "WHERE incident_id = ?1 AND alert_id > ?2 ORDER BY alert_id "
                                 "LIMIT ?3) ORDER BY id");
    if (!st.ok()) return st.error();
    st->Bind(1, id).Bind(2, q.alerts_after.value_or(INT64_MIN)).Bind(3, fetch(q.alerts_limit));
    if (q.alerts_limit < 0) {
      detail.alerts.reserve(static_cast<size_t>(detail.incident.alerts_total));
    }
    while (true) {
      Result<bool> row = st->Step();
      if (!row.ok()) return row.error();
      if (!*row) break;
      if (static_cast<int>(detail.alerts.size()) == q.alerts_limit) {
        detail.alerts_next = detail.alerts.back().id;
        break;
      }
      s = ReadAlert(*st, &detail.alerts.emplace_back());
      if (!s.ok()) return s.error();
      detail.incident.alerts.push_back(detail.alerts.back().alert.fingerprint);
    }
    std::sort(detail.incident.alerts.begin(), detail.incident.alerts.end());
  }

  {
    Result<Stmt> st = db.Prepare(std::string("SELECT ") + kEventColumns +
                                 " FROM events WHERE incident_id = ?1 AND seq > ?2 ORDER BY seq "
                                 "LIMIT ?3");
    if (!st.ok()) return st.error();
    st->Bind(1, id).Bind(2, q.timeline_after.value_or(INT64_MIN)).Bind(3, fetch(q.timeline_limit));
    while (true) {
      Result<bool> row = st->Step();
      if (!row.ok()) return row.error();
      if (!*row) break;
      if (static_cast<int>(detail.timeline.size()) == q.timeline_limit) {
        detail.timeline_next = detail.timeline.back().seq;
        break;
      }
      s = ReadEvent(*st, &detail.timeline.emplace_back());
      if (!s.ok()) return s.error();
    }
  }

  s = tx->Commit();
  if (!s.ok()) return s.error();
  return std::optional<IncidentDetail>(std::move(detail));
}

}  // namespace ab::sqlite
