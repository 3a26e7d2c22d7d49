// type: servicenow — records in the Table API `incident` table (see notify/servicenow/).
#include "notify/servicenow/servicenow_settings.h"

#include "config/receiver_type.h"

namespace ab {

using namespace config_internal;

void ParseServiceNowSettings(const MapReader& r, Diagnostics& diag, ReceiverConfig* rc) {
  auto s = std::make_shared<ServiceNowSettings>();
  ReadReceiverUrl(r, diag, rc);
  ReadTicketAuth(r, diag, &s->auth);
  ReadSeverityEntries(r, "priority_map", diag, [&](Severity sev, const Value& v) {
    MapReader m(v, {"urgency", "impact"}, diag);
    ServiceNowSettings::Levels levels = s->levels[sev];
    bool ok = m.Require("urgency") && m.Int("urgency", 1, 3, &levels.urgency);
    ok = m.Require("impact") && m.Int("impact", 1, 3, &levels.impact) && ok;
    if (ok) s->levels[sev] = levels;
  });
  if (const Value* v = r.Find("assignment_group")) ReadNonEmpty(*v, diag, &s->assignment_group);
  if (const Value* v = r.Find("caller_id")) ReadNonEmpty(*v, diag, &s->caller_id);
  if (const Value* v = r.Find("category")) ReadNonEmpty(*v, diag, &s->category);
  if (const Value* v = r.Find("close_code")) ReadNonEmpty(*v, diag, &s->close_code);
  ReadReopenPolicy(r, diag, &s->reopen);
  rc->settings = std::move(s);
}

}  // namespace ab
