// `receiver_files: []` and `receivers: []` in a rule test file load no receivers, so they must not
// turn receiver-name checking on (the README's example writes `receiver_files: []`).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../config/config_test_util.h"
#include "ruletest/test_file.h"

namespace ab {
namespace {

using ::ab::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> Errors(const TempDir& dir, const std::string& text) {
  std::vector<ConfigError> errors;
  LoadRuleTestFile(dir.Write("t.yml", text), &errors);
  std::vector<std::string> out;
  for (const ConfigError& e : errors) out.push_back(e.ToString());
  return out;
}

constexpr const char* kRuleNamingAReceiver =
    "rules:\n"
    "  - {name: x, match: ['a=\"b\"'], receivers: [pager]}\n"
    "tests:\n"
    "  - {name: t, expect: [{at: 0s, incidents: []}]}\n";

TEST(RuleTestEmptyReceiverLists, AnEmptyListMeansNoReceiversAndNoNameCheck) {
  TempDir dir;
  EXPECT_THAT(Errors(dir, std::string(kRuleNamingAReceiver) + "receiver_files: []\n"),
              ElementsAre());
  EXPECT_THAT(Errors(dir, std::string(kRuleNamingAReceiver) + "receivers: []\n"), ElementsAre());
  EXPECT_THAT(
      Errors(dir, std::string(kRuleNamingAReceiver) + "receiver_files: []\nreceivers: []\n"),
      ElementsAre());
}

TEST(RuleTestEmptyReceiverLists, ALoadedReceiverStillTurnsTheCheckOn) {
  TempDir dir;
  dir.Write("receivers/r.yml", "receivers:\n  - {name: console, type: console}\n");
  EXPECT_THAT(Errors(dir, std::string(kRuleNamingAReceiver) + "receiver_files: [receivers/]\n"),
              ElementsAre(HasSubstr("unknown receiver \"pager\"")));
}

}  // namespace
}  // namespace ab
