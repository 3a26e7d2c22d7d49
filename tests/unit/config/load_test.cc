#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "../config/config_test_util.h"
#include "config/config.h"

namespace ab {
namespace {

using ::ab::testing::ErrorStrings;
using ::ab::testing::kReceiversYaml;
using ::ab::testing::TempDir;
using ::testing::ElementsAre;

// Runs a test body in another working directory and restores the old one.
class WorkingDirectory {
 public:
  explicit WorkingDirectory(const std::string& dir) : old_(std::filesystem::current_path()) {
    std::filesystem::current_path(dir);
  }
  ~WorkingDirectory() { std::filesystem::current_path(old_); }

 private:
  std::filesystem::path old_;
};

std::vector<std::string> RuleNames(const Config& c) {
  std::vector<std::string> names;
  for (const Rule& r : c.rules) names.push_back(r.name);
  return names;
}

TEST(LoadConfigTest, NoFileMeansDefaultsAndNoRulesWhenFoldersAreMissing) {
  TempDir dir;
  WorkingDirectory cwd(dir.path());
  LoadResult r = LoadConfig("");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(ErrorStrings(r));
  EXPECT_EQ(r.config.config_file, "");
  EXPECT_THAT(r.config.rule_paths, ElementsAre("rules/"));
  EXPECT_THAT(r.config.receiver_paths, ElementsAre("receivers/"));
  EXPECT_EQ(r.config.sqlite_path, "data/alertbridge.db");
  EXPECT_TRUE(r.config.rules.empty());
  EXPECT_TRUE(r.config.receivers.empty());
  ASSERT_EQ(r.config.sources.size(), 1u);
  EXPECT_EQ(r.config.sources[0].name, "alertmanager");
}

TEST(LoadConfigTest, NoFileLoadsFoldersOfTheWorkingDirectoryInNameOrder) {
  TempDir dir;
  dir.Write("rules/b.yaml", "rules:\n  - {name: b1, match: ['a=\"b\"'], receivers: [console]}\n");
  dir.Write("rules/a.yml",
            "rules:\n  - {name: a1, match: ['a=\"b\"']}\n  - {name: a2, match: ['a=\"c\"']}\n");
  dir.Write("rules/README.md", "not yaml: [\n");
  dir.Write("rules/.#a.yml", "not yaml: [\n");
  dir.Write("rules/nested/c.yml", "rules:\n  - {name: nested, match: ['a=\"b\"']}\n");
  dir.Write("receivers/console.yml", kReceiversYaml);
  WorkingDirectory cwd(dir.path());
  LoadResult r = LoadConfig("");
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(ErrorStrings(r));
  EXPECT_THAT(RuleNames(r.config), ElementsAre("a1", "a2", "b1"));
  EXPECT_EQ(r.config.receivers.size(), 2u);
}

TEST(LoadConfigTest, ReportsUnknownReceiverAcrossFiles) {
  TempDir dir;
  std::string rules =
      dir.Write("rules/r.yml",
                "rules:\n  - name: r\n    match: ['a=\"b\"']\n    receivers: [console, pager]\n");
  dir.Write("receivers/console.yml", kReceiversYaml);
  WorkingDirectory cwd(dir.path());
  LoadResult r = LoadConfig("");
  EXPECT_THAT(ErrorStrings(r), ElementsAre("rules/r.yml:4:26: unknown receiver \"pager\""));
}

TEST(CheckPathsTest, ClassifiesFilesByTopLevelKey) {
  TempDir dir;
  std::string main = dir.Write("conf/alertbridge.yml",
                               "listen: 127.0.0.1:9999\nrules: [team/]\nreceivers: [out.yml]\n");
  dir.Write("conf/team/r.yml", "rules:\n  - {name: r, match: ['a=\"b\"'], receivers: [console]}\n");
  dir.Write("conf/out.yml", kReceiversYaml);
  // The main file's paths are named again explicitly: each file is still loaded once.
  LoadResult r = CheckPaths({main, dir.Path("conf/team"), dir.Path("conf/out.yml")});
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(ErrorStrings(r));
  EXPECT_EQ(r.config.config_file, main);
  EXPECT_EQ(r.config.server.listen, "127.0.0.1:9999");
  EXPECT_THAT(RuleNames(r.config), ElementsAre("r"));
  EXPECT_EQ(r.config.receivers.size(), 2u);
}

TEST(CheckPathsTest, ChecksAFolderOfMixedFiles) {
  TempDir dir;
  dir.Write("all/1-rules.yml", "rules:\n  - {name: r, match: ['a=\"b\"'], receivers: [hook]}\n");
  dir.Write("all/2-receivers.yml", kReceiversYaml);
  dir.Write("all/3-empty-rules.yml", "rules: []\n");
  LoadResult r = CheckPaths({dir.Path("all")});
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(ErrorStrings(r));
  EXPECT_EQ(r.config.config_file, "");
  EXPECT_THAT(RuleNames(r.config), ElementsAre("r"));
  EXPECT_EQ(r.config.receivers.size(), 2u);
  EXPECT_THAT(r.config.rule_paths,
              ElementsAre(dir.Path("all/1-rules.yml"), dir.Path("all/3-empty-rules.yml")));
}

TEST(CheckPathsTest, ReportsMissingPathsAndKeepsGoing) {
  TempDir dir;
  std::string rules = dir.Write("r.yml", "rules:\n  - {name: r, match: ['a=\"b\"'], x: 1}\n");
  LoadResult r = CheckPaths({dir.Path("missing.yml"), rules});
  EXPECT_THAT(ErrorStrings(r),
              ElementsAre(dir.Path("missing.yml") + ":0:0: no such file or folder",
                          rules + ":2:33: unknown key \"x\" (valid: name, type, match, "
                                  "group_by, trigger, dedup_window, severity, owner, title, "
                                  "summary, runbook, receivers, resolve, continue, interval)"));
}

TEST(CheckPathsTest, RejectsTwoMainFiles) {
  TempDir dir;
  std::string a = dir.Write("a.yml", "listen: 127.0.0.1:1\n");
  std::string b = dir.Write("b.yml", "listen: 127.0.0.1:2\n");
  EXPECT_THAT(ErrorStrings(CheckPaths({a, b})),
              ElementsAre(b + ":0:0: a second alertbridge.yml; the first is " + a));
}

TEST(CheckPathsTest, TopLevelListIsReported) {
  TempDir dir;
  std::string f = dir.Write("x.yml", "- name: r\n");
  EXPECT_THAT(ErrorStrings(CheckPaths({f})), ElementsAre(f + ":1:1: expected a map, got a list"));
}

// The folders that ship with alertbridge must load as they are.
TEST(ShippedDefaultsTest, RulesAndReceiversLoadWithoutErrors) {
  const std::string src = ALERTBRIDGE_SOURCE_DIR;
  LoadResult r = CheckPaths({src + "/rules", src + "/receivers"});
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(ErrorStrings(r));
  EXPECT_FALSE(r.config.rules.empty());
  EXPECT_NE(r.config.FindReceiver("console"), nullptr);
  for (const Rule& rule : r.config.rules) {
    for (const std::string& name : rule.receivers) {
      EXPECT_NE(r.config.FindReceiver(name), nullptr) << rule.name << " -> " << name;
    }
  }
}

TEST(ShippedDefaultsTest, ExampleConfigLoadsWithoutErrorsWhereItIs) {
  LoadResult r = LoadConfig(std::string(ALERTBRIDGE_SOURCE_DIR) + "/examples/alertbridge.yml");
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(ErrorStrings(r));
  ASSERT_NE(r.config.FindSource("grafana"), nullptr);
  // Grafana's whole label object is imported, so its alerts keep their identity.
  EXPECT_EQ(r.config.FindSource("grafana")->mapping.labels_from, JsonPointer("/labels"));
}

TEST(ShippedDefaultsTest, CommentedWebhookReceiverIsValidWhenUncommented) {
  std::ifstream in(std::string(ALERTBRIDGE_SOURCE_DIR) + "/receivers/console.yml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t start = text.find("  # - name: ops-webhook");
  ASSERT_NE(start, std::string::npos);
  std::string uncommented = text.substr(0, start);
  std::istringstream rest(text.substr(start));
  for (std::string line; std::getline(rest, line);) {
    uncommented += (line.rfind("  # ", 0) == 0 ? "  " + line.substr(4) : line) + "\n";
  }
  TempDir dir;
  LoadResult r = CheckPaths({dir.Write("receivers.yml", uncommented)});
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(ErrorStrings(r)) << uncommented;
  ASSERT_NE(r.config.FindReceiver("ops-webhook"), nullptr);
  EXPECT_EQ(r.config.FindReceiver("ops-webhook")->type, "webhook");
}

TEST(ShippedDefaultsTest, ExampleConfigLoadsWithoutErrorsAtTheCheckoutRoot) {
  // Users copy examples/alertbridge.yml beside rules/ and receivers/; do the same.
  const std::filesystem::path src = ALERTBRIDGE_SOURCE_DIR;
  TempDir dir;
  namespace fs = std::filesystem;
  fs::copy(src / "examples/alertbridge.yml", dir.Path("alertbridge.yml"));
  fs::copy(src / "rules", dir.Path("rules"), fs::copy_options::recursive);
  fs::copy(src / "receivers", dir.Path("receivers"), fs::copy_options::recursive);
  LoadResult r = LoadConfig(dir.Path("alertbridge.yml"));
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(ErrorStrings(r));
  EXPECT_FALSE(r.config.rules.empty());
  EXPECT_GE(r.config.sources.size(), 2u);
}

TEST(ShippedDefaultsTest, WorkingDirectoryDefaultsLoadFromTheCheckout) {
  WorkingDirectory cwd(ALERTBRIDGE_SOURCE_DIR);
  LoadResult r = LoadConfig("");
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(ErrorStrings(r));
  EXPECT_FALSE(r.config.rules.empty());
}

TEST(CheckPathsTest, RuleTestFilesGoToTheirCheckerApartFromTheConfig) {
  TempDir dir;
  std::string rules = dir.Write("rules/r.yml", "rules:\n  - {name: a, match: ['x=\"y\"']}\n");
  // Inline rules in a test file are not the config's rules (and no alertbridge.yml key).
  std::string test = dir.Write("rules/r_test.yml",
                               "rules:\n  - {name: a, match: ['x=\"y\"']}\n"
                               "tests:\n  - {name: t, expect: [{at: 0s, incidents: []}]}\n");
  std::vector<std::string> asked;
  RuleTestChecker checker = [&asked](const std::string& file) {
    asked.push_back(file);
    RuleTestCheck c;
    c.tests = 3;
    c.errors.push_back({file, 4, 5, "from the checker"});
    return c;
  };
  LoadResult r = CheckPaths({dir.Path("rules")}, checker);
  EXPECT_THAT(asked, ElementsAre(test));
  EXPECT_THAT(RuleNames(r.config), ElementsAre("a"));
  EXPECT_THAT(ErrorStrings(r), ElementsAre(test + ":4:5: from the checker"));
  EXPECT_EQ(r.rule_test_files, 1u);
  EXPECT_EQ(r.rule_tests, 3u);

  // Without a checker, a test file is an error that says what to do with it.
  LoadResult alone = CheckPaths({rules, test});
  EXPECT_THAT(ErrorStrings(alone),
              ElementsAre(test +
                          ":0:0: a rule test file (it has tests:); run it with "
                          "`alertbridge test " +
                          test + "`"));
  EXPECT_EQ(alone.rule_test_files, 0u);
}

}  // namespace
}  // namespace ab
