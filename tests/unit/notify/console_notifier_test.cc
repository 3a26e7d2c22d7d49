#include "notify/console/console_notifier.h"

#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <thread>
#include <vector>

namespace ab {
namespace {

OutboxEntry Entry(std::string payload) {
  OutboxEntry e;
  e.receiver = "console";
  e.payload = std::move(payload);
  return e;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(ConsoleNotifier, WritesEachPayloadAsOneLine) {
  std::ostringstream out;
  ConsoleNotifier n(out);
  EXPECT_EQ(n.Send(Entry(R"({"id":"a.1"})"), SendContext{}).kind, SendResult::Kind::kOk);
  EXPECT_EQ(n.Send(Entry(R"({"id":"a.2"})"), SendContext{}).kind, SendResult::Kind::kOk);
  EXPECT_EQ(out.str(), "{\"id\":\"a.1\"}\n{\"id\":\"a.2\"}\n");
}

TEST(ConsoleNotifier, KeepsPrettyPrintedPayloadOnOneLine) {
  std::ostringstream out;
  ConsoleNotifier n(out);
  EXPECT_EQ(n.Send(Entry("{\n  \"id\": \"a.1\"\r\n}"), SendContext{}).kind, SendResult::Kind::kOk);
  EXPECT_EQ(Lines(out.str()).size(), 1u);
  EXPECT_EQ(out.str(), "{   \"id\": \"a.1\"  }\n");
}

TEST(ConsoleNotifier, ConcurrentSendsNeverInterleave) {
  std::ostringstream out;
  ConsoleNotifier n(out);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 300;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&n, t] {
      const std::string payload = R"({"thread":)" + std::to_string(t) + R"(,"pad":")" +
                                  std::string(200, static_cast<char>('a' + t)) + "\"}";
      for (int i = 0; i < kPerThread; ++i) n.Send(Entry(payload), SendContext{});
    });
  }
  for (auto& th : threads) th.join();
  const auto lines = Lines(out.str());
  ASSERT_EQ(lines.size(), static_cast<size_t>(kThreads * kPerThread));
  std::set<std::string> distinct(lines.begin(), lines.end());
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kThreads));  // no torn lines
}

TEST(ConsoleNotifierFactory, NeedsNoSettings) {
  ReceiverConfig c;
  c.name = "console";
  c.type = "console";
  auto n = MakeConsoleNotifier(c);
  ASSERT_TRUE(n.ok());
  EXPECT_NE(n->get(), nullptr);
}

}  // namespace
}  // namespace ab
