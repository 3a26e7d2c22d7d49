// GET /api/v1/outbox pages newest first by cursor, so no entry is out of reach.
#include <gmock/gmock.h>

#include "api_fixture.h"

namespace ab::api_test {
namespace {

class ApiOutboxTest : public ApiTest {
 protected:
  // The firing checkout alert with its own instance label: one incident per instance.
  static std::string FiringInstance(int i) {
    std::string body = FiringCheckout();
    const std::string from = R"("service":"checkout"})";
    body.replace(body.find(from), from.size(),
                 R"("service":"checkout","instance":"i)" + std::to_string(i) + R"("})");
    return body;
  }
};

TEST_F(ApiOutboxTest, OutboxPagesByCursorPastTheFirstPage) {
  config_.rules[0].group_by = {"instance"};
  config_.rules[0].receivers = {"console"};
  ReceiverConfig console;
  console.name = "console";
  console.type = "console";
  config_.receivers = {console};
  Start();
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(Send(Post("/api/v1/alerts/alertmanager").Json(FiringInstance(i))).status, 200);
  }
  std::vector<int64_t> seen;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    HttpResponse r =
        Send(Get("/api/v1/outbox?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor)));
    ASSERT_EQ(r.status, 200) << r.body;
    auto body = Body(r);
    for (const auto& e : body["entries"]) seen.push_back(e["id"].get<int64_t>());
    if (body["next_cursor"].is_null()) break;
    cursor = body["next_cursor"].get<std::string>();
  }
  EXPECT_EQ(seen, (std::vector<int64_t>{5, 4, 3, 2, 1}));
  EXPECT_EQ(Send(Get("/api/v1/outbox?cursor=abc")).status, 400);
  // A page that is not full ends the listing.
  EXPECT_TRUE(Body(Send(Get("/api/v1/outbox?limit=10")))["next_cursor"].is_null());
}

}  // namespace
}  // namespace ab::api_test
