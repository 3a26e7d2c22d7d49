#include "notify/servicenow/servicenow_notifier.h"

#include "notify/receiver_types.h"
#include "notify/servicenow/servicenow_settings.h"
#include "notify/ticket/ticket_notifier.h"
#include "notify/ticket/ticket_text.h"
#include "notify/ticket/vendor_api.h"

namespace ab {
namespace {

using Json = nlohmann::json;

constexpr const char* kTable = "/api/now/table/incident";
constexpr const char* kFields = "sys_id,number,state,close_code";
// Field lengths of the base `incident` table (characters): short_description 160; description,
// work_notes and close_notes 4,000.
constexpr TicketWording::Limits kLimits{160, 4000, 4000};
// incident.state values.
constexpr int kInProgress = 2;
constexpr int kResolved = 6;
constexpr int kClosed = 7;
constexpr int kCanceled = 8;

// The Table API answers every value as a string ("6"); accept numbers too.
std::string Field(const Json& record, const char* name) {
  if (!record.contains(name)) return {};
  const Json& v = record[name];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  // sysparm_display_value=all answers {"value", "display_value"}.
  if (v.is_object() && v.contains("value") && v["value"].is_string()) {
    return v["value"].get<std::string>();
  }
  return {};
}

class ServiceNowSystem final : public TicketSystem {
 public:
  ServiceNowSystem(TicketParts parts, const ServiceNowSettings& s)
      : api_(std::move(parts.api)), s_(s), wording_(std::move(parts.wording)) {}

  std::string RefType() const override { return "incident"; }

  ExternalRef RefOf(const Ticket& t) const override { return {"", "incident", t.id, t.url}; }

  SendResult FindByKey(TimePoint now, const std::string& key, std::vector<Ticket>* out) override {
    VendorApi::Reply reply;
    const std::string query = "correlation_id=" + key + "^ORDERBYDESCsys_created_on";
    SendResult r = api_->Call(now, "GET",
                              std::string(kTable) + "?sysparm_query=" + UrlEncode(query) +
                                  "&sysparm_fields=" + kFields + "&sysparm_limit=20",
                              nullptr, {200}, &reply);
    if (Failed(r)) return r;
    if (!reply.json.is_object() || !reply.json.contains("result") ||
        !reply.json["result"].is_array()) {
      return SendResult::Retry(api_->who() + ": query answered without a result list");
    }
    for (const Json& record : reply.json["result"]) {
      Ticket t;
      if (Parse(record, &t)) out->push_back(std::move(t));
    }
    return r;
  }

  SendResult Get(TimePoint now, const ExternalRef& ref, std::optional<Ticket>* out) override {
    VendorApi::Reply reply;
    SendResult r = api_->Call(now, "GET", Record(ref.id) + "?sysparm_fields=" + kFields, nullptr,
                              {200, 404}, &reply);
    if (Failed(r) || reply.status == 404) return r;
    Ticket t;
    if (!reply.json.is_object() || !reply.json.contains("result") ||
        !Parse(reply.json["result"], &t)) {
      return SendResult::Retry(api_->who() + ": record answered without a sys_id");
    }
    *out = std::move(t);
    return r;
  }

  SendResult Create(TimePoint now, const IncidentEvent& ev, const Ticket* previous,
                    Ticket* out) override {
    const ServiceNowSettings::Levels levels = s_.levels.at(ev.priority);
    std::optional<TicketLink> follows;
    if (previous != nullptr) follows = TicketLink{previous->display, previous->url};
    Json body = {{"short_description", wording_.Title(ev)},
                 {"description", wording_.Body(ev, follows)},
                 {"urgency", std::to_string(levels.urgency)},
                 {"impact", std::to_string(levels.impact)},
                 {"correlation_id", ev.key},
                 {"correlation_display", "alertbridge"}};
    if (!s_.assignment_group.empty()) body["assignment_group"] = s_.assignment_group;
    if (!s_.caller_id.empty()) body["caller_id"] = s_.caller_id;
    if (!s_.category.empty()) body["category"] = s_.category;
    if (previous != nullptr) body["parent_incident"] = previous->id;
    VendorApi::Reply reply;
    SendResult r = api_->Call(now, "POST", std::string(kTable) + "?sysparm_fields=" + kFields,
                              &body, {201}, &reply);
    if (Failed(r)) return r;
    if (!reply.json.is_object() || !reply.json.contains("result") ||
        !Parse(reply.json["result"], out)) {
      return SendResult::Retry(api_->who() + ": create answered without a sys_id");
    }
    return r;
  }

  SendResult HasComment(TimePoint now, const Ticket& t, const IncidentEvent& ev,
                        bool* found) override {
    // The display value of a journal field is its whole history as one text.
    VendorApi::Reply reply;
    SendResult r = api_->Call(
        now, "GET", Record(t.id) + "?sysparm_fields=work_notes&sysparm_display_value=true", nullptr,
        {200}, &reply);
    if (Failed(r)) return r;
    *found = reply.json.is_object() && reply.json.contains("result") &&
             HasEventMarker(Field(reply.json["result"], "work_notes"), ev.id);
    return r;
  }

  SendResult Comment(TimePoint now, const Ticket& t, const IncidentEvent& ev,
                     const std::string& headline) override {
    return Patch(now, t, {{"work_notes", wording_.Comment(ev, headline)}});
  }

  SendResult Close(TimePoint now, const Ticket& t, const IncidentEvent& ev) override {
    return Patch(now, t,
                 {{"state", std::to_string(kResolved)},
                  {"close_code", s_.close_code},
                  {"close_notes",
                   "Resolved by alertbridge: all alerts of incident " + ev.key + " resolved."}});
  }

  SendResult Reopen(TimePoint now, const Ticket& t, bool* reopened) override {
    SendResult r = Patch(now, t, {{"state", std::to_string(kInProgress)}});
    *reopened = !Failed(r);
    return r;
  }

  SendResult AddKey(TimePoint now, const Ticket& t, const std::string& key) override {
    // One correlation id per record: the new occurrence takes it over (the old one is over).
    return Patch(now, t, {{"correlation_id", key}});
  }

  SendResult SetPriority(TimePoint now, const Ticket& t, const IncidentEvent& ev) override {
    const ServiceNowSettings::Levels levels = s_.levels.at(ev.priority);
    return Patch(
        now, t,
        {{"urgency", std::to_string(levels.urgency)}, {"impact", std::to_string(levels.impact)}});
  }

 private:
  std::string Record(const std::string& sys_id) const {
    return std::string(kTable) + "/" + UrlEncode(sys_id);
  }

  SendResult Patch(TimePoint now, const Ticket& t, const Json& body) {
    VendorApi::Reply reply;
    return api_->Call(now, "PATCH", Record(t.id) + "?sysparm_fields=sys_id", &body, {200}, &reply);
  }

  bool Parse(const Json& record, Ticket* t) const {
    if (!record.is_object()) return false;
    t->id = Field(record, "sys_id");
    if (t->id.empty()) return false;
    // People know the record by its number (INC0010001): the link opens it by number, the ref's
    // id stays the sys_id that later calls need.
    const std::string number = Field(record, "number");
    t->display = number.empty() ? t->id : number;
    t->url = api_->base_url() + "/incident.do?" +
             (number.empty() ? "sys_id=" + UrlEncode(t->id)
                             : "sysparm_query=number%3D" + UrlEncode(number));
    const std::string state = Field(record, "state");
    const int s = state.empty() ? 0 : std::atoi(state.c_str());
    t->closed = s == kResolved || s == kClosed || s == kCanceled;
    t->resolution = s == kCanceled ? "Canceled" : (t->closed ? Field(record, "close_code") : "");
    t->read_only = s == kClosed || s == kCanceled;  // by the default ACLs
    return true;
  }

  std::unique_ptr<VendorApi> api_;
  ServiceNowSettings s_;
  TicketWording wording_;
};

}  // namespace

Result<std::unique_ptr<Notifier>> MakeServiceNowNotifier(const ReceiverConfig& config) {
  const std::string who = "receiver \"" + config.name + "\"";
  const ServiceNowSettings* s = config.Settings<ServiceNowSettings>();
  if (s == nullptr) return MakeError(who + ": no servicenow settings (auth)");
  auto credentials = ResolveCredentials(config, s->auth);
  if (!credentials.ok()) return credentials.error();
  auto parts = MakeTicketParts(config, "url", *credentials, {{"Accept", "application/json"}},
                               TextFormat::kPlain, kLimits);
  if (!parts.ok()) return parts.error();
  return std::unique_ptr<Notifier>(std::make_unique<TicketNotifier>(
      config.name, std::make_unique<ServiceNowSystem>(std::move(*parts), *s), s->reopen));
}

const ReceiverType& ServiceNowReceiverType() {
  static const ReceiverType kType{{"servicenow",
                                   {"url", "auth", "priority_map", "assignment_group", "caller_id",
                                    "category", "close_code", "reopen"},
                                   ParseServiceNowSettings,
                                   {"title", "body"},
                                   {4, std::nullopt, {}, true}},
                                  MakeServiceNowNotifier};
  return kType;
}

}  // namespace ab
