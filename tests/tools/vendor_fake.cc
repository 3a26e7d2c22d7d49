// The contract tests' fake ticket systems (tests/unit/notify/vendors) as a process, for end-to-end
// tests that kill alertbridge: `vendor_fake jira|github|servicenow` serves on 127.0.0.1 (a free
// port), prints {"url": ...} as its first line, then answers one JSON line per command read from
// stdin, and exits at end of input:
//
//   apply-then-hang METHOD PATH   the next such request takes effect, its answer waits for release
//   release                       answers every waiting request
//   state                         {"calls": ["METHOD /path", ...], "violations": [...],
//                                  "tickets": [{"id", "open", "comments"}, ...]}
//
// Credentials come from the environment, as alertbridge reads them through env: secrets:
// AB_E2E_JIRA_USER + AB_E2E_JIRA_TOKEN (Jira Cloud, Basic), AB_E2E_GITHUB_TOKEN (Bearer),
// AB_E2E_SNOW_USER + AB_E2E_SNOW_PASSWORD (ServiceNow, Basic).
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "common/crypto.h"
#include "vendors/fake_github.h"
#include "vendors/fake_jira.h"
#include "vendors/fake_servicenow.h"

namespace {

using ab::testing::FakeGitHub;
using ab::testing::FakeJira;
using ab::testing::FakeServiceNow;
using ab::testing::FakeTicketApi;
using nlohmann::json;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') {
    std::cerr << "vendor_fake: environment variable " << name << " is not set\n";
    std::exit(2);
  }
  return v;
}

std::string Basic(const char* user, const char* password) {
  return "Basic " + ab::Base64Encode(Env(user) + ":" + Env(password));
}

struct Vendor {
  std::unique_ptr<FakeTicketApi> fake;
  std::function<json()> tickets;  // [{"id", "open", "comments"}] in the vendor's terms
};

Vendor Make(const std::string& name) {
  Vendor v;
  if (name == "jira") {
    auto fake = std::make_unique<FakeJira>(true, Basic("AB_E2E_JIRA_USER", "AB_E2E_JIRA_TOKEN"));
    v.tickets = [f = fake.get()] {
      json out = json::array();
      for (const FakeJira::Issue& i : f->Issues()) {
        out.push_back({{"id", i.key}, {"open", i.resolution.empty()}, {"status", i.status},
                       {"comments", i.comments.size()}});
      }
      return out;
    };
    v.fake = std::move(fake);
  } else if (name == "github") {
    auto fake = std::make_unique<FakeGitHub>(Env("AB_E2E_GITHUB_TOKEN"));
    v.tickets = [f = fake.get()] {
      json out = json::array();
      for (const FakeGitHub::Issue& i : f->Issues()) {
        out.push_back({{"id", std::to_string(i.number)}, {"open", i.state == "open"},
                       {"status", i.state}, {"comments", i.comments.size()}});
      }
      return out;
    };
    v.fake = std::move(fake);
  } else if (name == "servicenow") {
    auto fake =
        std::make_unique<FakeServiceNow>(Basic("AB_E2E_SNOW_USER", "AB_E2E_SNOW_PASSWORD"));
    v.tickets = [f = fake.get()] {
      json out = json::array();
      for (const FakeServiceNow::Record& r : f->Records()) {
        const std::string state = r.Field("state");
        out.push_back({{"id", r.sys_id}, {"open", state != "6" && state != "7" && state != "8"},
                       {"status", state}, {"comments", r.work_notes.size()}});
      }
      return out;
    };
    v.fake = std::move(fake);
  }
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: vendor_fake jira|github|servicenow\n";
    return 2;
  }
  Vendor v = Make(argv[1]);
  if (!v.fake) {
    std::cerr << "vendor_fake: unknown vendor \"" << argv[1] << "\" (valid: jira, github, "
              << "servicenow)\n";
    return 2;
  }
  std::cout << json{{"url", v.fake->Url()}}.dump() << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string command;
    in >> command;
    json answer = {{"ok", true}};
    if (command == "apply-then-hang") {
      std::string method, path;
      in >> method >> path;
      v.fake->FailNext(ab::testing::Fault::ApplyThenHang(), 1, method, path);
    } else if (command == "release") {
      v.fake->ReleaseHangs();
    } else if (command == "state") {
      answer = {{"calls", v.fake->Calls()},
                {"violations", v.fake->Violations()},
                {"tickets", v.tickets()}};
    } else {
      answer = {{"ok", false}, {"error", "unknown command \"" + command + "\""}};
    }
    std::cout << answer.dump() << std::endl;
  }
  return 0;
}
