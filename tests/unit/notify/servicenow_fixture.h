// The servicenow receiver as the contract tests configure it against the fake ServiceNow.
#pragma once

#include <cstdlib>
#include <functional>
#include <memory>
#include <string>

#include "common/crypto.h"
#include "notify/servicenow/servicenow_settings.h"
#include "ticket_test_util.h"
#include "vendors/fake_servicenow.h"

namespace ab::testing {

constexpr char kSnowUser[] = "alertbridge.bot";
constexpr char kSnowPassword[] = "snow-s3cret-password";

inline std::string SnowBasicAuth() {
  return "Basic " + Base64Encode(std::string(kSnowUser) + ":" + kSnowPassword);
}

inline ReceiverConfig ServiceNowConfig(
    const FakeServiceNow& fake, const std::function<void(ServiceNowSettings&)>& edit = nullptr) {
  ::setenv("AB_TEST_SNOW_USER", kSnowUser, 1);
  ::setenv("AB_TEST_SNOW_PASSWORD", kSnowPassword, 1);
  ReceiverConfig c;
  c.name = "snow";
  c.type = "servicenow";
  c.url = Secret(fake.Url());
  c.timeout = Duration(2000);
  auto s = std::make_shared<ServiceNowSettings>();
  s->auth.kind = TicketAuth::Kind::kBasic;
  s->auth.user = Secret("env:AB_TEST_SNOW_USER");
  s->auth.password = Secret("env:AB_TEST_SNOW_PASSWORD");
  s->assignment_group = "Network";
  s->caller_id = "alertbridge.bot";
  if (edit) edit(*s);
  c.settings = s;
  return c;
}

}  // namespace ab::testing
