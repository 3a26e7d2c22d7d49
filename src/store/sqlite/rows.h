// Model values <-> table rows. Each table has one column list, used both to bind an upsert and
// to read a row, so that the two can never disagree on column order.
#pragma once

#include <string>

#include "common/result.h"
#include "model/alert.h"
#include "model/incident.h"
#include "model/outbox.h"
#include "rules/silence.h"
#include "store/sqlite/db.h"

namespace ab::sqlite {

// "SELECT <columns> FROM <table>" reads a row with Read*; the statements below bind one.
extern const char kAlertColumns[];
extern const char kIncidentColumns[];
extern const char kEventColumns[];
extern const char kOutboxColumns[];
extern const char kExternalRefColumns[];  // incident_id, receiver, type, id, url
extern const char kSilenceColumns[];
extern const char kUpsertSilence[];

extern const char kUpsertAlert[];
extern const char kUpsertIncident[];
extern const char kInsertEvent[];
extern const char kInsertOutbox[];
extern const char kUpsertExternalRef[];
extern const char kInsertMembership[];  // (incident_id, alert_id, fingerprint)

void BindAlert(Stmt& st, const TrackedAlert& a);
void BindIncident(Stmt& st, const Incident& inc);  // external_refs are a table of their own
void BindEvent(Stmt& st, const Event& ev);
void BindOutbox(Stmt& st, const OutboxEntry& e);  // id is left to AUTOINCREMENT
void BindExternalRef(Stmt& st, int64_t incident_id, const ExternalRef& ref);

// Errors name the row, so that a damaged database points at what to look at.
Status ReadAlert(const Stmt& st, TrackedAlert* out);
Status ReadIncident(const Stmt& st, Incident* out);
Status ReadEvent(const Stmt& st, Event* out);
Status ReadOutbox(const Stmt& st, OutboxEntry* out);
// Returns the incident id; the rest goes to *out.
int64_t ReadExternalRef(const Stmt& st, ExternalRef* out);
// API silences; matchers are kept in Alertmanager's string form and parsed back.
void BindSilence(Stmt& st, const Silence& s);
Status ReadSilence(const Stmt& st, Silence* out);

}  // namespace ab::sqlite
