// A fake ServiceNow Table API (`incident` table) for the servicenow receiver's contract tests:
// create, read, query by sysparm_query, PATCH, journal work notes, validated as an instance with
// the usual data policies would (VENDORS.md): Basic auth, field lengths (short_description 160,
// description / work_notes / close_notes 4,000, correlation_id 100), urgency and impact 1-3,
// Resolved (6) needs close_code and close_notes, Closed (7) and Canceled (8) records are
// read-only. Unknown fields, which a real instance ignores silently, are violations here.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "fake_ticket_api.h"

namespace ab::testing {

class FakeServiceNow final : public FakeTicketApi {
 public:
  struct Record {
    std::string sys_id;
    std::string number;
    int created = 0;                            // creation order (sys_created_on)
    std::map<std::string, std::string> fields;  // state, urgency, correlation_id, ...
    std::vector<std::string> work_notes;

    std::string Field(const std::string& name) const {
      auto it = fields.find(name);
      return it == fields.end() ? std::string() : it->second;
    }
  };

  explicit FakeServiceNow(std::string authorization);
  ~FakeServiceNow() override;

  std::vector<Record> Records() const;  // in creation order
  Record Get(const std::string& sys_id) const;
  // A person changing the state in the form (7 Closed, 8 Canceled, 6 Resolved with a code).
  void HumanSetState(const std::string& sys_id, int state, const std::string& close_code = "");

 private:
  ApiAnswer Handle(const ApiRequest& req) override;
  nlohmann::json ErrorBody(const std::string& message) const override;

  ApiAnswer Create(const ApiRequest& req);
  ApiAnswer Query(const ApiRequest& req);
  ApiAnswer Patch(Record& r, const ApiRequest& req);
  // Validates and applies `body` to `r` (a copy when the request may still fail).
  std::string Apply(const nlohmann::json& body, Record* r) const;
  nlohmann::json RecordJson(const Record& r, const ApiRequest& req) const;

  std::map<std::string, Record> records_;  // by sys_id
  int next_ = 1;
};

}  // namespace ab::testing
