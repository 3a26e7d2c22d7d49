#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include "../config/config_test_util.h"
#include "config/config.h"

namespace ab {
namespace {

using ::ab::testing::TempDir;

TEST(SecretTest, ResolvesEnvironmentVariable) {
  ASSERT_EQ(setenv("AB_CONFIG_TEST_TOKEN", "s3cr3t-value", 1), 0);
  Result<std::string> v = Secret("env:AB_CONFIG_TEST_TOKEN").Resolve();
  unsetenv("AB_CONFIG_TEST_TOKEN");
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(*v, "s3cr3t-value");
}

TEST(SecretTest, UnsetVariableIsAnErrorNamingIt) {
  unsetenv("AB_CONFIG_TEST_UNSET");
  Result<std::string> v = Secret("env:AB_CONFIG_TEST_UNSET").Resolve();
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().message, "environment variable AB_CONFIG_TEST_UNSET is not set");
}

TEST(SecretTest, ReadsFileWithoutTrailingNewline) {
  TempDir dir;
  std::string path = dir.Write("token", "line-one\nline-two\r\n\n");
  Result<std::string> v = Secret("file:" + path).Resolve();
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(*v, "line-one\nline-two");
}

TEST(SecretTest, MissingFileIsAnErrorNamingThePath) {
  TempDir dir;
  Result<std::string> v = Secret("file:" + dir.Path("absent")).Resolve();
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(v.error().message,
              ::testing::HasSubstr("cannot read secret file " + dir.Path("absent")));
}

TEST(SecretTest, EmptyFileIsAnErrorWithoutContents) {
  TempDir dir;
  std::string path = dir.Write("token", "\n");
  Result<std::string> v = Secret("file:" + path).Resolve();
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().message, "secret file " + path + " is empty");
}

TEST(SecretTest, AnythingElseIsALiteral) {
  Result<std::string> v = Secret("https://hooks.example/T0/B0").Resolve();
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, "https://hooks.example/T0/B0");
}

TEST(SecretTest, LoadingNeverResolves) {
  // A secret naming an unset variable loads fine: it is resolved only when used.
  unsetenv("AB_CONFIG_TEST_NEVER_SET");
  TempDir dir;
  std::string file = dir.Write("alertbridge.yml",
                               "sources:\n  - name: am\n    type: alertmanager\n"
                               "    auth: {bearer_token: env:AB_CONFIG_TEST_NEVER_SET}\n");
  LoadResult r = LoadConfig(file);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(testing::ErrorStrings(r));
  EXPECT_EQ(r.config.FindSource("am")->auth.bearer_token->ref(), "env:AB_CONFIG_TEST_NEVER_SET");
}

TEST(ConfigErrorTest, FormatsAsFileLineColMessage) {
  EXPECT_EQ((ConfigError{"rules/a.yml", 3, 7, "unknown key \"x\""}).ToString(),
            "rules/a.yml:3:7: unknown key \"x\"");
}

}  // namespace
}  // namespace ab
