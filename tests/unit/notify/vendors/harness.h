// One vendor behind a uniform face, for the contract tests every HTTP receiver type must pass:
// its model on a local server, a receiver config pointing at it (secrets through env:), and the
// secret values that must never show up in a reason.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "fakes.h"
#include "notify/opsgenie/opsgenie_settings.h"
#include "notify/pagerduty/pagerduty_settings.h"

namespace ab::testing {

class VendorHarness {
 public:
  virtual ~VendorHarness() = default;
  virtual VendorServer& server() = 0;
  // A receiver of this type aimed at `url` (the fake's when empty).
  virtual ReceiverConfig Config(const std::string& url = "") = 0;
  virtual std::vector<std::string> Secrets() const = 0;
  virtual std::vector<std::string> Rejections() const = 0;
};

struct VendorCase {
  std::string type;
  std::function<std::unique_ptr<VendorHarness>()> make;
};

std::vector<VendorCase> HttpVendorCases();

// Sets an environment variable for the test's lifetime.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const std::string& value);
  ~ScopedEnv();
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
};

// 32 characters, like a PagerDuty integration key.
inline constexpr const char* kPagerDutyKey = "R0utingKeyS3cret0123456789abcdef";
inline constexpr const char* kGenieKey = "eb243592-faa2-4ba2-a551q-1afdf565c889";

}  // namespace ab::testing
