// The JSON text of label, receiver and member columns.
#include "store/sqlite/column_codec.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace ab::sqlite {
namespace {

TEST(ColumnCodecTest, LabelsRoundTripAnyBytes) {
  LabelSet labels{{"alertname", "Quote\"Back\\slash/"},
                  {"ctl", std::string_view("\t\n\r\b\f\x01\x1f\x7f", 8)},
                  {"utf8", "Zürich ✓ 🚒"},
                  {"bytes", "\xff\xfe\xc3"}};
  LabelSet back;
  ASSERT_TRUE(DecodeLabels(EncodeLabels(labels), &back));
  EXPECT_EQ(back, labels);
}

TEST(ColumnCodecTest, EncodedLabelsAreJsonThatOtherToolsRead) {
  LabelSet labels{{"b", "x\"y\n"}, {"a", "ü"}};
  std::string text = EncodeLabels(labels);
  EXPECT_EQ(text, R"({"a":"ü","b":"x\"y\n"})");
  nlohmann::json j = nlohmann::json::parse(text);
  EXPECT_EQ(j["b"], "x\"y\n");
}

TEST(ColumnCodecTest, DecodesJsonWrittenByOtherTools) {
  // Spacing, any key order, \u escapes including a surrogate pair, as another writer might
  // produce after a manual repair.
  LabelSet out;
  ASSERT_TRUE(DecodeLabels(" { \"z\" : \"\\u00fc\\ud83d\\ude92\\/\" ,\"a\":\"1\" } ", &out));
  EXPECT_EQ(out, (LabelSet{{"a", "1"}, {"z", "ü🚒/"}}));
  ASSERT_TRUE(DecodeLabels("{}", &out));
  EXPECT_TRUE(out.empty());
}

TEST(ColumnCodecTest, RejectsWhatIsNotAFlatObjectOfStrings) {
  LabelSet out;
  for (const char* bad : {"", "[]", "{", "{\"a\"}", "{\"a\":1}", "{\"a\":\"b\",}",
                          "{\"a\":\"b\"} x", "{\"a\":\"\\x\"}", "{\"a\":\"\\ud83d\"}",
                          "{\"a\":\"\\u12\"}", "{\"a\":\"unterminated}", "{\"a\":\"\n\"}"}) {
    EXPECT_FALSE(DecodeLabels(bad, &out)) << bad;
  }
}

TEST(ColumnCodecTest, StringListsRoundTrip) {
  std::vector<std::string> values = {"slack-incidents", "", "with \"quote\""};
  std::vector<std::string> back;
  ASSERT_TRUE(DecodeStrings(EncodeStrings(values), &back));
  EXPECT_EQ(back, values);
  ASSERT_TRUE(DecodeStrings(EncodeStrings({}), &back));
  EXPECT_TRUE(back.empty());
  EXPECT_FALSE(DecodeStrings("[\"a\",]", &back));
  EXPECT_FALSE(DecodeStrings("{}", &back));
}

TEST(ColumnCodecTest, FingerprintsRoundTripAsAlertmanagerPrintsThem) {
  std::vector<uint64_t> fps = {0, 0x0ba6d1fd73d53af7ULL, 0xffffffffffffffffULL};
  std::string text = EncodeFingerprints(fps);
  EXPECT_EQ(text, "0000000000000000,0ba6d1fd73d53af7,ffffffffffffffff");
  std::vector<uint64_t> back;
  ASSERT_TRUE(DecodeFingerprints(text, &back));
  EXPECT_EQ(back, fps);
  ASSERT_TRUE(DecodeFingerprints("", &back));
  EXPECT_TRUE(back.empty());
  EXPECT_FALSE(DecodeFingerprints("0ba6,", &back));
  EXPECT_FALSE(DecodeFingerprints("xyz", &back));
}

}  // namespace
}  // namespace ab::sqlite
