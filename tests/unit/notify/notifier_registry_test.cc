#include <gtest/gtest.h>

#include "config/receiver_type.h"
#include "notify/receiver_types.h"

namespace ab {
namespace {

ReceiverConfig Receiver(std::string name, std::string type, std::string url = "") {
  ReceiverConfig c;
  c.name = std::move(name);
  c.type = std::move(type);
  if (!url.empty()) c.url = Secret(std::move(url));
  return c;
}

TEST(ReceiverTypes, OneTableListsEveryTypeWithItsFactory) {
  std::vector<std::string> names;
  for (const ReceiverType* t : ReceiverTypes()) {
    names.emplace_back(t->spec.name);
    EXPECT_NE(t->make, nullptr) << t->spec.name;
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{"console", "webhook", "email", "slack", "teams", "pagerduty",
                                      "opsgenie", "jira", "github", "servicenow"}));
}

TEST(ReceiverTypes, TheConfigLayerSeesExactlyTheInstalledTable) {
  ASSERT_EQ(InstalledReceiverTypes().size(), ReceiverTypes().size());
  for (size_t i = 0; i < ReceiverTypes().size(); ++i) {
    EXPECT_EQ(InstalledReceiverTypes()[i], &ReceiverTypes()[i]->spec);
  }
  EXPECT_EQ(FindReceiverType("jira"), &FindReceiverTypeImpl("jira")->spec);
  EXPECT_EQ(FindReceiverType("carrier-pigeon"), nullptr);
}

TEST(BuildNotifiers, BuildsOnePerReceiver) {
  auto built = BuildNotifiers(
      {Receiver("stdout", "console"), Receiver("hook", "webhook", "http://127.0.0.1:9/hook")});
  ASSERT_TRUE(built.ok()) << built.error().message;
  EXPECT_EQ(built->size(), 2u);
  EXPECT_EQ(built->count("stdout"), 1u);
  EXPECT_EQ(built->count("hook"), 1u);
}

TEST(BuildNotifiers, RejectsUnknownTypeAndListsKnownOnes) {
  auto built = BuildNotifiers({Receiver("pager", "carrier-pigeon")});
  ASSERT_FALSE(built.ok());
  const std::string& msg = built.error().message;
  EXPECT_NE(msg.find("pager"), std::string::npos) << msg;
  EXPECT_NE(msg.find("carrier-pigeon"), std::string::npos) << msg;
  EXPECT_NE(msg.find("webhook"), std::string::npos) << msg;
}

TEST(BuildNotifiers, RejectsDuplicateNames) {
  auto built = BuildNotifiers({Receiver("twice", "console"), Receiver("twice", "console")});
  ASSERT_FALSE(built.ok());
  EXPECT_NE(built.error().message.find("twice"), std::string::npos);
}

TEST(BuildNotifiers, ReportsEveryBrokenReceiver) {
  auto built = BuildNotifiers(
      {Receiver("first", "nope"), Receiver("ok", "console"), Receiver("second", "webhook")});
  ASSERT_FALSE(built.ok());
  const std::string& msg = built.error().message;
  EXPECT_NE(msg.find("first"), std::string::npos) << msg;
  EXPECT_NE(msg.find("second"), std::string::npos) << msg;
}

}  // namespace
}  // namespace ab
