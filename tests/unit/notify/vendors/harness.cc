#include "harness.h"

#include <cstdlib>

namespace ab::testing {
namespace {

ReceiverConfig Base(const std::string& type) {
  ReceiverConfig c;
  c.name = type + "-test";
  c.type = type;
  c.timeout = Duration(5000);
  return c;
}

class SlackHarness final : public VendorHarness {
 public:
  SlackHarness() : env_("AB_TEST_SLACK_URL", fake_.WebhookUrl()) {}
  VendorServer& server() override { return fake_.server(); }
  ReceiverConfig Config(const std::string& url) override {
    ReceiverConfig c = Base("slack");
    c.url = Secret(url.empty() ? "env:AB_TEST_SLACK_URL" : url);
    return c;
  }
  std::vector<std::string> Secrets() const override {
    return {fake_.WebhookUrl(), "s3cretHookToken"};
  }
  std::vector<std::string> Rejections() const override { return fake_.Rejections(); }

 private:
  SlackFake fake_;
  ScopedEnv env_;
};

class TeamsHarness final : public VendorHarness {
 public:
  TeamsHarness() : env_("AB_TEST_TEAMS_URL", fake_.WorkflowUrl()) {}
  VendorServer& server() override { return fake_.server(); }
  ReceiverConfig Config(const std::string& url) override {
    ReceiverConfig c = Base("teams");
    c.url = Secret(url.empty() ? "env:AB_TEST_TEAMS_URL" : url);
    return c;
  }
  std::vector<std::string> Secrets() const override {
    return {fake_.WorkflowUrl(), TeamsFake::kSig};
  }
  std::vector<std::string> Rejections() const override { return fake_.Rejections(); }

 private:
  TeamsFake fake_;
  ScopedEnv env_;
};

class PagerDutyHarness final : public VendorHarness {
 public:
  PagerDutyHarness() : fake_(kPagerDutyKey), env_("AB_TEST_PD_KEY", kPagerDutyKey) {}
  VendorServer& server() override { return fake_.server(); }
  ReceiverConfig Config(const std::string& url) override {
    ReceiverConfig c = Base("pagerduty");
    c.url = Secret(url.empty() ? fake_.BaseUrl() : url);
    auto s = std::make_shared<PagerDutySettings>();
    s->routing_key = Secret("env:AB_TEST_PD_KEY");
    c.settings = s;
    return c;
  }
  std::vector<std::string> Secrets() const override { return {kPagerDutyKey}; }
  std::vector<std::string> Rejections() const override { return fake_.Rejections(); }

 private:
  PagerDutyFake fake_;
  ScopedEnv env_;
};

class OpsgenieHarness final : public VendorHarness {
 public:
  OpsgenieHarness() : fake_(kGenieKey), env_("AB_TEST_GENIE_KEY", kGenieKey) {}
  VendorServer& server() override { return fake_.server(); }
  ReceiverConfig Config(const std::string& url) override {
    ReceiverConfig c = Base("opsgenie");
    c.url = Secret(url.empty() ? fake_.BaseUrl() : url);
    auto s = std::make_shared<OpsgenieSettings>();
    s->api_key = Secret("env:AB_TEST_GENIE_KEY");
    c.settings = s;
    return c;
  }
  std::vector<std::string> Secrets() const override { return {kGenieKey}; }
  std::vector<std::string> Rejections() const override { return fake_.Rejections(); }

 private:
  OpsgenieFake fake_;
  ScopedEnv env_;
};

}  // namespace

ScopedEnv::ScopedEnv(std::string name, const std::string& value) : name_(std::move(name)) {
  ::setenv(name_.c_str(), value.c_str(), 1);
}

ScopedEnv::~ScopedEnv() { ::unsetenv(name_.c_str()); }

std::vector<VendorCase> HttpVendorCases() {
  return {
      {"slack", [] { return std::make_unique<SlackHarness>(); }},
      {"teams", [] { return std::make_unique<TeamsHarness>(); }},
      {"pagerduty", [] { return std::make_unique<PagerDutyHarness>(); }},
      {"opsgenie", [] { return std::make_unique<OpsgenieHarness>(); }},
  };
}

}  // namespace ab::testing
