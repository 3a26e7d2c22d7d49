// accounts.yml: loaded strictly, referenced from alertbridge.yml `accounts:`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../config/config_test_util.h"
#include "config/config.h"

namespace ab {
namespace {

using ::ab::testing::ErrorStrings;
using ::ab::testing::TempDir;
using ::testing::ElementsAre;

TEST(AccountsFileTest, LoadsTheTableNamedByAlertbridgeYml) {
  TempDir dir;
  dir.Write("conf/customers.yml", R"(key_label: customer
tiers: [free, pro, enterprise]
accounts:
  - {name: globex, tier: enterprise, arr: 1200000, renewal: 2027-01-15}
  - name: initech
    tier: free
)");
  std::string main = dir.Write("conf/alertbridge.yml", "accounts: customers.yml\n");
  LoadResult r = LoadConfig(main);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(ErrorStrings(r));
  ASSERT_NE(r.config.accounts, nullptr);
  const AccountTable& t = *r.config.accounts;
  EXPECT_EQ(t.key_label(), "customer");
  EXPECT_EQ(t.tiers(), (std::vector<std::string>{"free", "pro", "enterprise"}));
  EXPECT_EQ(t.size(), 2u);
  const Account* globex = t.Find("globex");
  ASSERT_NE(globex, nullptr);
  EXPECT_EQ(globex->tier, 2);
  EXPECT_EQ(globex->arr, 1200000);
  EXPECT_EQ(globex->renewal, ParseRfc3339("2027-01-15T00:00:00Z").value());
  const Account* initech = t.Find("initech");
  ASSERT_NE(initech, nullptr);
  EXPECT_EQ(initech->tier, 0);
  EXPECT_FALSE(initech->arr.has_value());
  EXPECT_FALSE(initech->renewal.has_value());
}

TEST(AccountsFileTest, ReportsEveryErrorAtOnce) {
  TempDir dir;
  std::string accounts = dir.Write("accounts.yml", R"(key_label: 1customer
tiers: [free, pro, free]
accounts:
  - {name: a, tier: gold}
  - {name: b, tier: pro, arr: -5}
  - {name: c, tier: pro, renewal: 2027-02-30}
  - {name: d, tier: pro, renewal: next year}
  - {name: a, tier: pro}
  - {tier: pro, owner: x}
)");
  std::string main = dir.Write("alertbridge.yml", "accounts: accounts.yml\n");
  const std::string f = accounts + ":";
  EXPECT_THAT(ErrorStrings(LoadConfig(main)),
              ElementsAre(f + "1:12: key_label: \"1customer\" is not a valid label name",
                          f + "2:8: tiers: \"free\" is listed twice",
                          f + "4:21: tier: \"gold\" is not one of tiers",
                          f + "5:31: arr: must be at least 0, got -5",
                          f + "6:35: renewal: expected a date YYYY-MM-DD, got \"2027-02-30\"",
                          f + "7:35: renewal: expected a date YYYY-MM-DD, got \"next year\"",
                          f + "8:12: duplicate account \"a\" (first defined at " + f + "4:12)",
                          f + "9:5: missing required key \"name\"",
                          f + "9:17: unknown key \"owner\" (valid: name, tier, arr, renewal)"));
}

TEST(AccountsFileTest, RequiresKeyLabelAndTiers) {
  TempDir dir;
  std::string accounts = dir.Write("accounts.yml", "accounts: []\n");
  std::string main = dir.Write("alertbridge.yml", "accounts: accounts.yml\n");
  EXPECT_THAT(ErrorStrings(LoadConfig(main)),
              ElementsAre(accounts + ":1:1: missing required key \"key_label\"",
                          accounts + ":1:1: missing required key \"tiers\""));
}

TEST(AccountsFileTest, AMissingFileIsReportedWhereItIsNamed) {
  TempDir dir;
  std::string main = dir.Write("alertbridge.yml", "rules: []\naccounts: nope.yml\n");
  EXPECT_THAT(ErrorStrings(LoadConfig(main)),
              ElementsAre(main + ":2:11: no such file or folder: " + dir.Path("nope.yml")));
}

TEST(AccountsFileTest, CheckRecognisesAnAccountsFile) {
  TempDir dir;
  std::string accounts = dir.Write("accounts.yml", "key_label: customer\ntiers: [a]\n");
  LoadResult r = CheckPaths({accounts});
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(ErrorStrings(r));
  ASSERT_NE(r.config.accounts, nullptr);
  EXPECT_EQ(r.config.accounts->key_label(), "customer");
  std::string second = dir.Write("more.yml", "key_label: customer\ntiers: [a]\n");
  EXPECT_THAT(ErrorStrings(CheckPaths({accounts, second})),
              ElementsAre(second + ":0:0: a second accounts file; the first is " + accounts));
}

}  // namespace
}  // namespace ab
