// Models of the vendors' APIs for the notifier contract tests, each on its own VendorServer. They
// validate what the real service validates (VENDORS.md and the vendors' API references: auth,
// required fields, types, enum values, length limits, headers), answer with the real status
// codes and bodies, and keep the state that the requests build up (PagerDuty alerts by dedup_key,
// Opsgenie alerts by alias, Slack and Teams messages).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "vendor_server.h"

namespace ab::testing {

// Rejections the model made (what a 4xx said), for assertions that there were none.
class VendorModel {
 public:
  std::vector<std::string> Rejections() const;

 protected:
  void Reject(const std::string& why) const;
  mutable std::mutex mu_;

 private:
  mutable std::vector<std::string> rejections_;
};

// Slack incoming webhook at `path` (the secret part of the URL).
class SlackFake : public VendorModel {
 public:
  explicit SlackFake(std::string path = "/services/T0001/B0001/s3cretHookToken");
  std::string WebhookUrl() const { return server_->Url(path_); }
  VendorServer& server() { return *server_; }
  std::vector<nlohmann::json> Messages() const;

 private:
  VendorReply Handle(const VendorRequest& r);
  std::string path_;
  std::vector<nlohmann::json> messages_;
  std::unique_ptr<VendorServer> server_;
};

// Teams Workflows "When a Teams webhook request is received" trigger at `path`, which carries a
// `sig` query parameter (the secret).
class TeamsFake : public VendorModel {
 public:
  static constexpr const char* kSig = "teamsSigSecret0123456789";
  TeamsFake();
  std::string WorkflowUrl() const;
  VendorServer& server() { return *server_; }
  std::vector<nlohmann::json> Cards() const;  // the valid AdaptiveCard contents received
  // Every well-formed JSON message accepted (202), valid card or not.
  std::vector<nlohmann::json> Received() const;
  // Answer 200 with connector-style throttling text for the next n accepted requests.
  void ThrottleNext(int n);

 private:
  VendorReply Handle(const VendorRequest& r);
  std::vector<nlohmann::json> cards_;
  std::vector<nlohmann::json> received_;
  int throttle_ = 0;
  std::unique_ptr<VendorServer> server_;
};

// PagerDuty Events API v2.
class PagerDutyFake : public VendorModel {
 public:
  struct Alert {
    std::string dedup_key;
    std::string status;  // triggered | acknowledged | resolved
    std::string summary;
    std::string severity;
    int events = 0;  // events folded into it
  };
  explicit PagerDutyFake(std::string routing_key);
  std::string BaseUrl() const { return server_->Url(); }
  VendorServer& server() { return *server_; }
  std::vector<Alert> Alerts() const;  // every alert ever opened, oldest first

 private:
  VendorReply Handle(const VendorRequest& r);
  std::string routing_key_;
  std::vector<Alert> alerts_;
  std::unique_ptr<VendorServer> server_;
};

// Opsgenie Alert API (or JSM Operations' copy of it under `prefix`).
class OpsgenieFake : public VendorModel {
 public:
  struct Alert {
    std::string alias;
    std::string status;  // open | closed
    bool acknowledged = false;
    std::string message;
    std::string priority;
    std::vector<std::string> notes;
    int count = 1;  // creates deduplicated into it
  };
  OpsgenieFake(std::string api_key, std::string prefix = "");
  std::string BaseUrl() const { return server_->Url(prefix_); }
  VendorServer& server() { return *server_; }
  std::vector<Alert> Alerts() const;  // every alert ever created, oldest first
  // Requests accepted (202) that Opsgenie would then fail to apply (no such alert).
  std::vector<std::string> AsyncFailures() const;

 private:
  VendorReply Handle(const VendorRequest& r);
  VendorReply Create(const nlohmann::json& body, const std::string& request_id);
  VendorReply Action(const std::string& alias, const std::string& action,
                     const nlohmann::json& body, const std::string& request_id);
  Alert* Open(const std::string& alias);
  std::string api_key_;
  std::string prefix_;
  int next_request_ = 1;
  std::vector<Alert> alerts_;
  std::vector<std::string> async_failures_;
  std::unique_ptr<VendorServer> server_;
};

}  // namespace ab::testing
