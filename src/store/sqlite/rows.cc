#include "store/sqlite/rows.h"

#include <nlohmann/json.hpp>

#include "store/sqlite/column_codec.h"

namespace ab::sqlite {

const char kAlertColumns[] =
    "id, fingerprint, labels, annotations, status, starts_at, ends_at, generator_url, source, "
    "first_received, last_received, resolved_at, stale_at, stale";
const char kIncidentColumns[] =
    "id, key, rule, group_labels, group_hash, occurrence, state, base_severity, priority, title, "
    "summary, owner_team, owner_commander, runbook, receivers, alerts_total, alerts_firing, "
    "created_at, declared_at, acknowledged_at, resolved_at, closed_at, last_seq, accounts, "
    "trigger_since, resolution, resolved_by_hand, held_open, priority_by_hand, orphaned, "
    "owner_communications, muted, muted_at, paused_ms, sla_started_at, deadlines_fired, "
    "last_update_at, latest_note, cause, runbook_updated";
const char kSilenceColumns[] = "id, matchers, starts_at, ends_at, created_by, comment, updated_at";
const char kUpsertSilence[] =
    "INSERT INTO silences (id, matchers, starts_at, ends_at, created_by, comment, updated_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
    "ON CONFLICT (id) DO UPDATE SET matchers = excluded.matchers, "
    "starts_at = excluded.starts_at, ends_at = excluded.ends_at, "
    "created_by = excluded.created_by, comment = excluded.comment, "
    "updated_at = excluded.updated_at";
const char kEventColumns[] = "incident_id, seq, type, at, actor, details";
const char kOutboxColumns[] =
    "id, incident_id, event_seq, receiver, event_id, event_type, payload, state, attempts, "
    "created_at, next_attempt_at, last_error";
const char kExternalRefColumns[] = "incident_id, receiver, type, id, url";

// Keyed by TrackedAlert::id (storage order), not by fingerprint: new alerts append.
const char kUpsertAlert[] =
    "INSERT INTO alerts (id, fingerprint, labels, annotations, status, starts_at, ends_at, "
    "generator_url, source, first_received, last_received, resolved_at, stale_at, stale) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) "
    "ON CONFLICT (id) DO UPDATE SET fingerprint = excluded.fingerprint, labels = excluded.labels, "
    "annotations = excluded.annotations, status = excluded.status, "
    "starts_at = excluded.starts_at, ends_at = excluded.ends_at, "
    "generator_url = excluded.generator_url, source = excluded.source, "
    "first_received = excluded.first_received, last_received = excluded.last_received, "
    "resolved_at = excluded.resolved_at, stale_at = excluded.stale_at, stale = excluded.stale";

// ON CONFLICT names only the id: a clash on key or on (rule, group_hash, occurrence) is not an
// update of this incident but a second declaration of its group, and must fail the commit.
const char kUpsertIncident[] =
    "INSERT INTO incidents (id, key, rule, group_labels, group_hash, occurrence, state, "
    "base_severity, priority, title, summary, owner_team, owner_commander, runbook, receivers, "
    "alerts_total, alerts_firing, created_at, declared_at, acknowledged_at, resolved_at, "
    "closed_at, last_seq, accounts, trigger_since, resolution, resolved_by_hand, held_open, "
    "priority_by_hand, orphaned, owner_communications, muted, muted_at, paused_ms, "
    "sla_started_at, deadlines_fired, last_update_at, latest_note, cause, runbook_updated) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
    "?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36, "
    "?37, ?38, ?39, ?40) "
    "ON CONFLICT (id) DO UPDATE SET key = excluded.key, rule = excluded.rule, "
    "group_labels = excluded.group_labels, group_hash = excluded.group_hash, "
    "occurrence = excluded.occurrence, state = excluded.state, "
    "base_severity = excluded.base_severity, priority = excluded.priority, "
    "title = excluded.title, summary = excluded.summary, owner_team = excluded.owner_team, "
    "owner_commander = excluded.owner_commander, runbook = excluded.runbook, "
    "receivers = excluded.receivers, alerts_total = excluded.alerts_total, "
    "alerts_firing = excluded.alerts_firing, created_at = excluded.created_at, "
    "declared_at = excluded.declared_at, acknowledged_at = excluded.acknowledged_at, "
    "resolved_at = excluded.resolved_at, closed_at = excluded.closed_at, "
    "last_seq = excluded.last_seq, accounts = excluded.accounts, "
    "trigger_since = excluded.trigger_since, resolution = excluded.resolution, "
    "resolved_by_hand = excluded.resolved_by_hand, held_open = excluded.held_open, "
    "priority_by_hand = excluded.priority_by_hand, orphaned = excluded.orphaned, "
    "owner_communications = excluded.owner_communications, muted = excluded.muted, "
    "muted_at = excluded.muted_at, paused_ms = excluded.paused_ms, "
    "sla_started_at = excluded.sla_started_at, deadlines_fired = excluded.deadlines_fired, "
    "last_update_at = excluded.last_update_at, latest_note = excluded.latest_note, "
    "cause = excluded.cause, runbook_updated = excluded.runbook_updated";

const char kInsertEvent[] =
    "INSERT INTO events (incident_id, seq, type, at, actor, details) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

const char kInsertOutbox[] =
    "INSERT INTO outbox (incident_id, event_seq, receiver, event_id, event_type, payload, state, "
    "attempts, created_at, next_attempt_at, last_error) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

const char kInsertMembership[] =
    "INSERT OR IGNORE INTO incident_alerts (incident_id, alert_id, fingerprint) VALUES (?1, ?2, "
    "?3)";

const char kUpsertExternalRef[] =
    "INSERT INTO external_refs (incident_id, receiver, type, id, url) "
    "VALUES (?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT (incident_id, receiver, type, id) DO UPDATE SET url = excluded.url";

namespace {

Error BadColumn(std::string_view row, std::string_view column, std::string_view value) {
  return MakeError("stored " + std::string(row) + ": column " + std::string(column) +
                   " holds an invalid value \"" + std::string(value.substr(0, 200)) + "\"");
}

}  // namespace

void BindAlert(Stmt& st, const TrackedAlert& t) {
  const Alert& a = t.alert;
  st.Bind(1, t.id)
      .Bind(2, static_cast<int64_t>(a.fingerprint))
      .Bind(3, EncodeLabels(a.labels))
      .Bind(4, EncodeLabels(a.annotations))
      .Bind(5, ToString(a.status))
      .Bind(6, a.starts_at)
      .Bind(7, a.ends_at)
      .Bind(8, a.generator_url)
      .Bind(9, a.source)
      .Bind(10, t.first_received)
      .Bind(11, t.last_received)
      .Bind(12, t.resolved_at)
      .Bind(13, a.stale_at)
      .Bind(14, int64_t{t.stale});
}

Status ReadAlert(const Stmt& st, TrackedAlert* out) {
  Alert& a = out->alert;
  out->id = st.Int(0);
  a.fingerprint = static_cast<uint64_t>(st.Int(1));
  auto row = [&] { return "alert " + FormatFingerprint(a.fingerprint); };
  if (!DecodeLabels(st.Text(2), &a.labels)) return BadColumn(row(), "labels", st.Text(2));
  if (!DecodeLabels(st.Text(3), &a.annotations)) {
    return BadColumn(row(), "annotations", st.Text(3));
  }
  std::string_view status = st.Text(4);
  if (status == ToString(AlertStatus::kFiring)) {
    a.status = AlertStatus::kFiring;
  } else if (status == ToString(AlertStatus::kResolved)) {
    a.status = AlertStatus::kResolved;
  } else {
    return BadColumn(row(), "status", status);
  }
  a.starts_at = st.Time(5);
  a.ends_at = st.OptTime(6);
  a.generator_url = st.Text(7);
  a.source = st.Text(8);
  out->first_received = st.Time(9);
  out->last_received = st.Time(10);
  out->resolved_at = st.OptTime(11);
  a.stale_at = st.OptTime(12);
  out->stale = st.Int(13) != 0;
  return Status::Ok();
}

void BindIncident(Stmt& st, const Incident& inc) {
  st.Bind(1, inc.id)
      .Bind(2, inc.key)
      .Bind(3, inc.rule)
      .Bind(4, EncodeLabels(inc.group))
      .Bind(5, IncidentGroupHash(inc.rule, inc.group))
      .Bind(6, int64_t{inc.occurrence})
      .Bind(7, ToString(inc.state))
      .Bind(8, ToString(inc.base_severity))
      .Bind(9, ToString(inc.priority))
      .Bind(10, inc.title)
      .Bind(11, inc.summary)
      .Bind(12, inc.owner.team)
      .Bind(13, inc.owner.commander)
      .Bind(14, inc.runbook)
      .Bind(15, EncodeStrings(inc.receivers))
      .Bind(16, int64_t{inc.alerts_total})
      .Bind(17, int64_t{inc.alerts_firing})
      .Bind(18, inc.created_at)
      .Bind(19, inc.declared_at)
      .Bind(20, inc.acknowledged_at)
      .Bind(21, inc.resolved_at)
      .Bind(22, inc.closed_at)
      .Bind(23, inc.last_seq)
      .Bind(24, EncodeStrings(inc.accounts))
      .Bind(25, inc.trigger_since)
      .Bind(26, inc.resolution)
      .Bind(27, int64_t{inc.resolved_by_hand})
      .Bind(28, int64_t{inc.held_open})
      .Bind(29, int64_t{inc.priority_by_hand})
      .Bind(30, int64_t{inc.orphaned})
      .Bind(31, inc.owner.communications)
      .Bind(32, int64_t{inc.muted})
      .Bind(33, inc.muted_at)
      .Bind(34, int64_t{inc.paused.count()})
      .Bind(35, inc.sla_started_at)
      .Bind(36, EncodeStrings(inc.deadlines_fired))
      .Bind(37, inc.last_update_at)
      .Bind(38, inc.latest_note)
      .Bind(39, inc.cause)
      .Bind(40, inc.runbook_updated ? int64_t{*inc.runbook_updated} : int64_t{-1});
}

Status ReadIncident(const Stmt& st, Incident* out) {
  Incident& inc = *out;
  inc.id = st.Int(0);
  std::string row = "incident " + std::to_string(inc.id);
  inc.key = st.Text(1);
  inc.rule = st.Text(2);
  if (!DecodeLabels(st.Text(3), &inc.group)) return BadColumn(row, "group_labels", st.Text(3));
  inc.occurrence = static_cast<int>(st.Int(5));
  std::optional<IncidentState> state = ParseIncidentState(st.Text(6));
  if (!state) return BadColumn(row, "state", st.Text(6));
  inc.state = *state;
  std::optional<Severity> base = ParseSeverity(st.Text(7));
  if (!base) return BadColumn(row, "base_severity", st.Text(7));
  inc.base_severity = *base;
  std::optional<Severity> priority = ParseSeverity(st.Text(8));
  if (!priority) return BadColumn(row, "priority", st.Text(8));
  inc.priority = *priority;
  inc.title = st.Text(9);
  inc.summary = st.Text(10);
  inc.owner.team = st.Text(11);
  inc.owner.commander = st.Text(12);
  inc.runbook = st.Text(13);
  if (!DecodeStrings(st.Text(14), &inc.receivers)) {
    return BadColumn(row, "receivers", st.Text(14));
  }
  inc.alerts_total = static_cast<int>(st.Int(15));
  inc.alerts.clear();  // memberships are rows of their own (kInsertMembership)
  inc.alerts_firing = static_cast<int>(st.Int(16));
  inc.created_at = st.Time(17);
  inc.declared_at = st.OptTime(18);
  inc.acknowledged_at = st.OptTime(19);
  inc.resolved_at = st.OptTime(20);
  inc.closed_at = st.OptTime(21);
  inc.last_seq = st.Int(22);
  if (!DecodeStrings(st.Text(23), &inc.accounts)) return BadColumn(row, "accounts", st.Text(23));
  inc.trigger_since = st.OptTime(24);
  inc.resolution = st.Text(25);
  inc.resolved_by_hand = st.Int(26) != 0;
  inc.held_open = st.Int(27) != 0;
  inc.priority_by_hand = st.Int(28) != 0;
  inc.orphaned = st.Int(29) != 0;
  inc.owner.communications = st.Text(30);
  inc.muted = st.Int(31) != 0;
  inc.muted_at = st.OptTime(32);
  inc.paused = Duration(st.Int(33));
  inc.sla_started_at = st.OptTime(34);
  if (!DecodeStrings(st.Text(35), &inc.deadlines_fired)) {
    return BadColumn(row, "deadlines_fired", st.Text(35));
  }
  inc.last_update_at = st.OptTime(36);
  inc.latest_note = st.Text(37);
  inc.cause = st.Text(38);
  if (const int64_t said = st.Int(39); said >= 0) {
    inc.runbook_updated = said != 0;
  } else {
    inc.runbook_updated.reset();
  }
  inc.external_refs.clear();
  return Status::Ok();
}

void BindEvent(Stmt& st, const Event& ev) {
  // `replace`: a label value that is not valid UTF-8 must not turn into an exception here.
  st.Bind(1, ev.incident_id)
      .Bind(2, ev.seq)
      .Bind(3, ToString(ev.type))
      .Bind(4, ev.at)
      .Bind(5, ev.actor)
      .Bind(6, ev.details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Status ReadEvent(const Stmt& st, Event* out) {
  out->incident_id = st.Int(0);
  out->seq = st.Int(1);
  std::string row =
      "event " + std::to_string(out->seq) + " of incident " + std::to_string(out->incident_id);
  std::optional<EventType> type = ParseEventType(st.Text(2));
  if (!type) return BadColumn(row, "type", st.Text(2));
  out->type = *type;
  out->at = st.Time(3);
  out->actor = st.Text(4);
  std::string_view details = st.Text(5);
  out->details = nlohmann::json::parse(details.begin(), details.end(), nullptr, false);
  if (out->details.is_discarded()) return BadColumn(row, "details", details);
  return Status::Ok();
}

void BindOutbox(Stmt& st, const OutboxEntry& e) {
  st.Bind(1, e.incident_id)
      .Bind(2, e.event_seq)
      .Bind(3, e.receiver)
      .Bind(4, e.event_id)
      .Bind(5, e.event_type)
      .Bind(6, e.payload)
      .Bind(7, ToString(e.state))
      .Bind(8, int64_t{e.attempts})
      .Bind(9, e.created_at)
      .Bind(10, e.next_attempt_at)
      .Bind(11, e.last_error);
}

Status ReadOutbox(const Stmt& st, OutboxEntry* out) {
  out->id = st.Int(0);
  out->incident_id = st.Int(1);
  out->event_seq = st.Int(2);
  out->receiver = st.Text(3);
  out->event_id = st.Text(4);
  out->event_type = st.Text(5);
  out->payload = st.Text(6);
  std::optional<OutboxState> state = ParseOutboxState(st.Text(7));
  if (!state) return BadColumn("outbox entry " + std::to_string(out->id), "state", st.Text(7));
  out->state = *state;
  out->attempts = static_cast<int>(st.Int(8));
  out->created_at = st.Time(9);
  out->next_attempt_at = st.Time(10);
  out->last_error = st.Text(11);
  return Status::Ok();
}

void BindExternalRef(Stmt& st, int64_t incident_id, const ExternalRef& ref) {
  st.Bind(1, incident_id).Bind(2, ref.receiver).Bind(3, ref.type).Bind(4, ref.id).Bind(5, ref.url);
}

int64_t ReadExternalRef(const Stmt& st, ExternalRef* out) {
  out->receiver = st.Text(1);
  out->type = st.Text(2);
  out->id = st.Text(3);
  out->url = st.Text(4);
  return st.Int(0);
}

void BindSilence(Stmt& st, const Silence& s) {
  std::vector<std::string> matchers;
  for (const Matcher& m : s.matchers) matchers.push_back(m.ToString());
  st.Bind(1, s.id)
      .Bind(2, EncodeStrings(matchers))
      .Bind(3, s.starts_at)
      .Bind(4, s.ends_at)
      .Bind(5, s.created_by)
      .Bind(6, s.comment)
      .Bind(7, s.updated_at);
}

Status ReadSilence(const Stmt& st, Silence* out) {
  out->id = st.Text(0);
  out->origin = SilenceOrigin::kApi;
  std::vector<std::string> texts;
  if (!DecodeStrings(st.Text(1), &texts)) {
    return BadColumn("silence " + out->id, "matchers", st.Text(1));
  }
  out->matchers.clear();
  for (const std::string& text : texts) {
    Result<std::vector<Matcher>> m = ParseMatchers(text);
    if (!m.ok()) return BadColumn("silence " + out->id, "matchers", text);
    for (Matcher& matcher : *m) out->matchers.push_back(std::move(matcher));
  }
  out->starts_at = st.Time(2);
  out->ends_at = st.Time(3);
  out->created_by = st.Text(4);
  out->comment = st.Text(5);
  out->updated_at = st.Time(6);
  return Status::Ok();
}

}  // namespace ab::sqlite
