#include "fake_servicenow.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <stdexcept>

namespace ab::testing {
namespace {

using Json = nlohmann::json;

constexpr char kTable[] = "/api/now/table/incident";

// Field -> max length in characters (0: a choice or reference, checked apart).
const std::map<std::string, size_t> kFields = {
    {"short_description", 160},
    {"description", 4000},
    {"urgency", 0},
    {"impact", 0},
    {"correlation_id", 100},
    {"correlation_display", 100},
    {"caller_id", 32},
    {"assignment_group", 32},
    {"category", 40},
    {"parent_incident", 32},
    {"state", 0},
    {"close_code", 40},
    {"close_notes", 4000},
    {"work_notes", 4000},
};

// The Table API takes numbers and numeric strings alike.
std::string Scalar(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  return "\x01";  // not a scalar: never valid
}

}  // namespace

FakeServiceNow::FakeServiceNow(std::string authorization) : FakeTicketApi(std::move(authorization)) {
  Start();
}

FakeServiceNow::~FakeServiceNow() { Stop(); }

Json FakeServiceNow::ErrorBody(const std::string& message) const {
  return {{"error", {{"message", message}, {"detail", ""}}}, {"status", "failure"}};
}

std::vector<FakeServiceNow::Record> FakeServiceNow::Records() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Record> out;
  for (const auto& [id, r] : records_) out.push_back(r);
  std::sort(out.begin(), out.end(),
            [](const Record& a, const Record& b) { return a.created < b.created; });
  return out;
}

FakeServiceNow::Record FakeServiceNow::Get(const std::string& sys_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = records_.find(sys_id);
  if (it == records_.end()) throw std::runtime_error("no record " + sys_id);
  return it->second;
}

void FakeServiceNow::HumanSetState(const std::string& sys_id, int state,
                                   const std::string& close_code) {
  std::lock_guard<std::mutex> lock(mu_);
  Record& r = records_.at(sys_id);
  r.fields["state"] = std::to_string(state);
  if (!close_code.empty()) {
    r.fields["close_code"] = close_code;
    r.fields["close_notes"] = "closed by a person";
  }
}

ApiAnswer FakeServiceNow::Handle(const ApiRequest& req) {
  const std::string table = kTable;
  if (req.path == table) {
    if (req.method == "POST") return Create(req);
    if (req.method == "GET") return Query(req);
    return Violation(405, "method not allowed");
  }
  if (req.path.rfind(table + "/", 0) != 0) return Violation(400, "Invalid table: " + req.path);
  auto it = records_.find(req.path.substr(table.size() + 1));
  if (it == records_.end()) {
    return ApiAnswer::Json(404, ErrorBody("No Record found"));
  }
  if (req.method == "GET")
    return ApiAnswer::Json(200, {{"result", RecordJson(it->second, req)}});
  if (req.method == "PATCH" || req.method == "PUT") return Patch(it->second, req);
  return Violation(405, "method not allowed");
}

std::string FakeServiceNow::Apply(const Json& body, Record* r) const {
  if (!body.is_object()) return "body must be a JSON object";
  for (auto it = body.begin(); it != body.end(); ++it) {
    auto known = kFields.find(it.key());
    if (known == kFields.end()) return "unknown field " + it.key();
    const std::string v = Scalar(*it);
    if (v == "\x01") return it.key() + " must be a string or number";
    if (known->second > 0 && Chars(v) > known->second) {
      return it.key() + " longer than " + std::to_string(known->second) + " characters";
    }
    if ((it.key() == "urgency" || it.key() == "impact") && v != "1" && v != "2" && v != "3") {
      return it.key() + " must be 1, 2 or 3";
    }
    if (it.key() == "state" && std::set<std::string>{"1", "2", "3", "6", "7", "8"}.count(v) == 0) {
      return "state " + v + " is not a choice";
    }
    if (it.key() == "parent_incident" && records_.count(v) == 0) {
      return "parent_incident is not an incident";
    }
    if (it.key() == "work_notes") {
      if (v.empty()) return "work_notes must not be empty";
      r->work_notes.push_back(v);
    } else {
      r->fields[it.key()] = v;
    }
  }
  if (r->Field("short_description").empty()) return "short_description is mandatory";
  if (r->Field("state") == "6" &&
      (r->Field("close_code").empty() || r->Field("close_notes").empty())) {
    return "Data Policy Exception: Resolution code, Resolution notes are mandatory";
  }
  return {};
}

ApiAnswer FakeServiceNow::Create(const ApiRequest& req) {
  Record r;
  r.created = next_++;
  char id[33];
  std::snprintf(id, sizeof id, "%032x", r.created * 7919);
  r.sys_id = id;
  char number[16];
  std::snprintf(number, sizeof number, "INC%07d", 10000 + r.created);
  r.number = number;
  r.fields["state"] = "1";
  if (std::string bad = Apply(req.json, &r); !bad.empty()) return Violation(400, bad);
  records_[r.sys_id] = r;
  return ApiAnswer::Json(201, {{"result", RecordJson(r, req)}});
}

ApiAnswer FakeServiceNow::Patch(Record& r, const ApiRequest& req) {
  const std::string state = r.Field("state");
  if (state == "7" || state == "8") {
    return ApiAnswer::Json(
        403, {{"error",
               {{"message", "Operation Failed"},
                {"detail", "ACL Exception Update Failed due to security constraints"}}},
              {"status", "failure"}});
  }
  Record copy = r;
  if (std::string bad = Apply(req.json, &copy); !bad.empty()) return Violation(400, bad);
  r = copy;
  return ApiAnswer::Json(200, {{"result", RecordJson(r, req)}});
}

ApiAnswer FakeServiceNow::Query(const ApiRequest& req) {
  std::vector<std::pair<std::string, std::string>> terms;
  bool newest_first = false;
  const std::string q = req.Param("sysparm_query");
  for (size_t start = 0; !q.empty() && start <= q.size();) {
    size_t caret = q.find('^', start);
    if (caret == std::string::npos) caret = q.size();
    const std::string term = q.substr(start, caret - start);
    start = caret + 1;
    if (term == "ORDERBYDESCsys_created_on") {
      newest_first = true;
    } else if (term == "ORDERBYsys_created_on") {
      newest_first = false;
    } else if (size_t eq = term.find('=');
               eq != std::string::npos &&
               (term.substr(0, eq) == "correlation_id" || term.substr(0, eq) == "number")) {
      terms.emplace_back(term.substr(0, eq), term.substr(eq + 1));
    } else {
      return Violation(400, "query term not supported: " + term);
    }
  }
  std::vector<const Record*> hits;
  for (const auto& [id, r] : records_) {
    bool match = true;
    for (const auto& [field, value] : terms) {
      match = match && (field == "number" ? r.number : r.Field(field)) == value;
    }
    if (match) hits.push_back(&r);
  }
  std::sort(hits.begin(), hits.end(), [&](const Record* a, const Record* b) {
    return newest_first ? a->created > b->created : a->created < b->created;
  });
  Json out = Json::array();
  for (const Record* r : hits) out.push_back(RecordJson(*r, req));
  return ApiAnswer::Json(200, {{"result", out}});
}

Json FakeServiceNow::RecordJson(const Record& r, const ApiRequest& req) const {
  Json all = {{"sys_id", r.sys_id}, {"number", r.number}};
  for (const auto& [k, v] : r.fields) all[k] = v;
  // A journal field reads as "" unless display values are asked for: then its whole history.
  std::string journal;
  if (req.Param("sysparm_display_value") == "true") {
    for (auto it = r.work_notes.rbegin(); it != r.work_notes.rend(); ++it) {
      journal += "2026-01-01 00:00:00 - alertbridge.bot (Work notes)\n" + *it + "\n\n";
    }
  }
  all["work_notes"] = journal;
  const std::string fields = req.Param("sysparm_fields");
  if (fields.empty()) return all;
  Json out = Json::object();
  for (size_t start = 0; start <= fields.size();) {
    size_t comma = fields.find(',', start);
    if (comma == std::string::npos) comma = fields.size();
    const std::string f = fields.substr(start, comma - start);
    if (all.contains(f)) out[f] = all[f];
    start = comma + 1;
  }
  return out;
}

}  // namespace ab::testing
