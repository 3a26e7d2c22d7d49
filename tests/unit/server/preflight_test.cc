// The start-up checks serve and check share: what refuses a start, what only warns.
#include "server/preflight.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace ab {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class PreflightTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ab-preflight-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    unsetenv("AB_PF_UNSET");
    setenv("AB_PF_HOOK_URL", "http://127.0.0.1:1/hook", 1);
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  // Loads a rules file naming `used` and a receivers file, as check does.
  Config Load(const std::string& used, const std::string& receivers) {
    const std::string rules = (dir_ / "rules.yml").string();
    const std::string recv = (dir_ / "receivers.yml").string();
    std::ofstream(rules) << "rules:\n  - {name: r, match: ['a=\"b\"'], receivers: [" << used
                         << "]}\n";
    std::ofstream(recv) << "receivers:\n" << receivers;
    LoadResult r = CheckPaths({rules, recv});
    EXPECT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].ToString());
    return r.config;
  }

  std::filesystem::path dir_;
};

TEST_F(PreflightTest, AnUnreadableSecretRefusesServeOnlyWhenARuleUsesIt) {
  Config c = Load("used",
                  "  - {name: used, type: webhook, url: env:AB_PF_UNSET}\n"
                  "  - {name: spare, type: webhook, url: env:AB_PF_UNSET}\n"
                  "  - {name: fine, type: webhook, url: env:AB_PF_HOOK_URL}\n");
  PreflightResult serve = RunPreflight(c, {.secrets_here = true});
  EXPECT_THAT(serve.errors, ElementsAre(HasSubstr("receiver \"used\": cannot resolve url "
                                                  "env:AB_PF_UNSET")));
  EXPECT_THAT(serve.warnings, ElementsAre(HasSubstr("no rule uses it: left out")));
  EXPECT_EQ(serve.notifiers.count("spare"), 0u);
  EXPECT_EQ(serve.notifiers.count("fine"), 1u);

  // check without --env: where serve runs is where the secrets are.
  PreflightResult check = RunPreflight(c, {.secrets_here = false});
  EXPECT_THAT(check.errors, IsEmpty());
  ASSERT_EQ(check.warnings.size(), 2u);
  EXPECT_THAT(check.warnings[0], HasSubstr("not checked here: env:AB_PF_UNSET; serve refuses to "
                                           "start without it, check --env checks it"));
}

TEST_F(PreflightTest, WrongVendorKeysFailEvenWhenUnused) {
  Config c = Load("console",
                  "  - {name: console, type: console}\n"
                  "  - {name: pd, type: pagerduty, routing_key: too-short}\n"
                  "  - {name: signed, type: webhook, url: 'http://127.0.0.1:1/', secret: "
                  "'whsec_not base64!'}\n");
  for (bool here : {true, false}) {
    PreflightResult r = RunPreflight(c, {.secrets_here = here});
    ASSERT_EQ(r.errors.size(), 2u) << here;
    EXPECT_THAT(r.errors[0], HasSubstr("receiver \"pd\""));
    EXPECT_THAT(r.errors[0], HasSubstr("32"));
    EXPECT_THAT(r.errors[1], HasSubstr("base64"));
    // Secrets' values are never echoed.
    EXPECT_THAT(r.errors[0], ::testing::Not(HasSubstr("too-short")));
  }
}

TEST_F(PreflightTest, SourceAndTokenSecretsAreNeededWhereverTheyAre) {
  Config c = Load("console", "  - {name: console, type: console}\n");
  c.sources[0].auth.bearer_token = Secret("env:AB_PF_UNSET");
  setenv("AB_PF_SHORT", "short", 1);
  c.api.tokens = {ApiToken{"ui", Secret("env:AB_PF_SHORT"), ApiRole::kWrite, {}},
                  ApiToken{"ro", Secret("file:/nonexistent/ab-token"), ApiRole::kRead, {}}};
  PreflightResult serve = RunPreflight(c, {.secrets_here = true});
  EXPECT_THAT(serve.errors,
              ElementsAre(HasSubstr("source alertmanager: auth.bearer_token env:AB_PF_UNSET"),
                          HasSubstr("api token ui: env:AB_PF_SHORT is shorter than 16"),
                          HasSubstr("api token ro: file:/nonexistent/ab-token")));
  PreflightResult check = RunPreflight(c, {.secrets_here = false});
  EXPECT_THAT(check.errors, ElementsAre(HasSubstr("shorter than 16")));
  EXPECT_EQ(check.warnings.size(), 2u);
}

}  // namespace
}  // namespace ab
