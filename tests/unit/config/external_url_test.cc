#include <gtest/gtest.h>
#include <unistd.h>

#include "config/config.h"

namespace ab {
namespace {

std::string ThisHost() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

TEST(DefaultExternalUrl, FollowsTheListenAddress) {
  EXPECT_EQ(DefaultExternalUrl("127.0.0.1:9095"), "http://127.0.0.1:9095");
  EXPECT_EQ(DefaultExternalUrl("127.0.0.1:18080"), "http://127.0.0.1:18080");
  EXPECT_EQ(DefaultExternalUrl("alerts.internal:80"), "http://alerts.internal:80");
  EXPECT_EQ(DefaultExternalUrl("[::1]:9095"), "http://[::1]:9095");
}

TEST(DefaultExternalUrl, WildcardAddressesUseTheHostName) {
  ASSERT_FALSE(ThisHost().empty());
  EXPECT_EQ(DefaultExternalUrl("0.0.0.0:9095"), "http://" + ThisHost() + ":9095");
  EXPECT_EQ(DefaultExternalUrl("[::]:9095"), "http://" + ThisHost() + ":9095");
  EXPECT_EQ(DefaultExternalUrl(":9095"), "http://" + ThisHost() + ":9095");
}

TEST(DefaultExternalUrl, UnsetInTheLoadedConfigSoServeCanDeriveIt) {
  LoadResult r = LoadConfig("");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.config.external_url, "");
}

}  // namespace
}  // namespace ab
