// Log lines a pipeline can read: logfmt quoted and escaped as go-logfmt does, JSON that parses.
#include "common/log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ab {
namespace {

constexpr std::string_view kTs = "2026-11-22T22:44:03.655Z";

std::string Logfmt(std::string_view msg, LogFields fields) {
  return FormatLogLine(LogFormat::kLogfmt, kTs, LogLevel::kInfo, msg, fields);
}

TEST(LogTest, LogfmtQuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(Logfmt("started", {{"port", 9095}, {"listen", "127.0.0.1:9095"}, {"tls", false}}),
            "ts=2026-11-22T22:44:03.655Z level=info msg=started port=9095 "
            "listen=127.0.0.1:9095 tls=false");
  EXPECT_EQ(Logfmt("state restored", {{"empty", ""}, {"eq", "a=b"}}),
            "ts=2026-11-22T22:44:03.655Z level=info msg=\"state restored\" empty=\"\" "
            "eq=\"a=b\"");
}

TEST(LogTest, LogfmtEscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(
      Logfmt("m", {{"error", R"(cannot open "x": no such file)"}}),
      R"(ts=2026-11-22T22:44:03.655Z level=info msg=m error="cannot open \"x\": no such file")");
  EXPECT_EQ(Logfmt("m", {{"v", "a\\b\nc\td\x01"}}),
            R"(ts=2026-11-22T22:44:03.655Z level=info msg=m v="a\\b\nc\td\u0001")");
  // A value cannot forge a field: the injected ` level=error` stays inside the quotes.
  EXPECT_EQ(Logfmt("m", {{"v", "x level=error"}}),
            R"(ts=2026-11-22T22:44:03.655Z level=info msg=m v="x level=error")");
}

TEST(LogTest, InvalidUtf8BecomesTheReplacementCharacter) {
  EXPECT_EQ(Logfmt("m", {{"v", "caf\xc3\xa9"}}),
            "ts=2026-11-22T22:44:03.655Z level=info msg=m v=caf\xc3\xa9");
  EXPECT_EQ(Logfmt("m", {{"v", "a\xff"}}),
            "ts=2026-11-22T22:44:03.655Z level=info msg=m v=\"a\xef\xbf\xbd\"");
  auto json = nlohmann::json::parse(
      FormatLogLine(LogFormat::kJson, kTs, LogLevel::kWarn, "m", {{"v", "a\xff\xc3"}}));
  EXPECT_EQ(json["v"], "a\xef\xbf\xbd\xef\xbf\xbd");
}

TEST(LogTest, JsonKeepsTypesAndOrder) {
  const std::string line =
      FormatLogLine(LogFormat::kJson, kTs, LogLevel::kError, R"(store "commit" failed)",
                    {{"error", "disk full\n"}, {"batches", 3}, {"secs", 0.25}, {"ok", true}});
  EXPECT_EQ(line,
            R"({"ts":"2026-11-22T22:44:03.655Z","level":"error","msg":"store \"commit\" failed",)"
            R"("error":"disk full\n","batches":3,"secs":0.25,"ok":true})");
  EXPECT_NO_THROW(nlohmann::json::parse(line));
}

TEST(LogTest, FieldsCannotOverrideTheLineItself) {
  auto json = nlohmann::json::parse(
      FormatLogLine(LogFormat::kJson, kTs, LogLevel::kInfo, "m", {{"level", "error"}}));
  EXPECT_EQ(json["level"], "info");
}

TEST(LogTest, NumbersPrintShortAndNonFiniteAsText) {
  EXPECT_EQ(LogField("x", 0.1).text(), "0.1");
  EXPECT_EQ(LogField("x", 1e21).text(), "1e+21");
  EXPECT_EQ(LogField("x", 1.0 / 0.0).text(), "+Inf");
  auto json = nlohmann::json::parse(
      FormatLogLine(LogFormat::kJson, kTs, LogLevel::kInfo, "m", {{"x", 0.0 / 0.0}}));
  EXPECT_EQ(json["x"], "NaN");
}

TEST(LogTest, LevelFiltersAndSinkReceivesLines) {
  std::vector<std::string> lines;
  SetLogSink([&](std::string_view line) { lines.emplace_back(line); });
  ConfigureLog(LogFormat::kJson, LogLevel::kWarn);
  Log(LogLevel::kInfo, "dropped");
  Log(LogLevel::kWarn, "kept", {{"n", 1}});
  Log(LogLevel::kError, "kept too");
  ConfigureLog(LogFormat::kLogfmt, LogLevel::kInfo);
  SetLogSink(nullptr);
  ASSERT_EQ(lines.size(), 2u);
  auto first = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(first["msg"], "kept");
  EXPECT_EQ(first["n"], 1);
  EXPECT_EQ(first["ts"].get<std::string>().size(), kTs.size());
}

TEST(LogTest, ParsesLevelsAndFormats) {
  EXPECT_EQ(ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(ParseLogLevel("warn"), LogLevel::kWarn);
  EXPECT_EQ(ParseLogLevel("warning"), std::nullopt);
  EXPECT_EQ(ParseLogFormat("json"), LogFormat::kJson);
  EXPECT_EQ(ParseLogFormat("text"), std::nullopt);
}

}  // namespace
}  // namespace ab
