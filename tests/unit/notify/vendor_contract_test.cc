// What every HTTP receiver type must do whatever its vendor (CONTRACTS.md "Events out"): 429 with
// Retry-After is a retry after that delay, 5xx and transport failures are retries, other 4xx are
// permanent, and no secret ever shows in a reason — even when the vendor echoes the request.
#include <gtest/gtest.h>

#include "event_fixture.h"
#include "notify/notifier.h"
#include "notify/receiver_types.h"
#include "test_receiver.h"
#include "vendors/harness.h"

namespace ab {
namespace {

using testing::ClosingServer;
using testing::IncidentStory;
using testing::VendorCase;
using testing::VendorHarness;
using testing::VendorReply;
using Kind = SendResult::Kind;

class VendorContract : public ::testing::TestWithParam<VendorCase> {
 protected:
  void SetUp() override { vendor_ = GetParam().make(); }

  std::unique_ptr<Notifier> Build(const ReceiverConfig& c) {
    auto built = MakeNotifier(c);
    EXPECT_TRUE(built.ok()) << (built.ok() ? "" : built.error().message);
    return built.ok() ? std::move(built).value() : nullptr;
  }

  SendResult SendDeclared(Notifier& n) {
    SendContext ctx;
    ctx.now = FromMillis(1'700'000'000'000);
    return n.Send(story_.Next(EventType::kDeclared), ctx);
  }

  void ExpectNoSecrets(const std::string& text) {
    for (const std::string& s : vendor_->Secrets()) {
      EXPECT_EQ(text.find(s), std::string::npos) << "secret in: " << text;
    }
  }

  std::unique_ptr<VendorHarness> vendor_;
  IncidentStory story_;
};

TEST_P(VendorContract, DeliversAnEventTheVendorAccepts) {
  auto n = Build(vendor_->Config());
  ASSERT_NE(n, nullptr);
  const SendResult r = SendDeclared(*n);
  EXPECT_EQ(r.kind, Kind::kOk) << r.reason;
  EXPECT_EQ(vendor_->server().Accepted().size(), 1u);
  EXPECT_TRUE(vendor_->Rejections().empty()) << vendor_->Rejections()[0];
}

TEST_P(VendorContract, HonoursRetryAfterOn429) {
  auto n = Build(vendor_->Config());
  ASSERT_NE(n, nullptr);
  VendorReply limited = VendorReply::Json(429, R"({"message":"rate limited"})");
  limited.retry_after = "7";
  vendor_->server().FailNext(limited);
  const SendResult r = SendDeclared(*n);
  EXPECT_EQ(r.kind, Kind::kRetry);
  ASSERT_TRUE(r.retry_after.has_value()) << r.reason;
  EXPECT_EQ(*r.retry_after, Duration(7000));
  // The same event goes through once the vendor lets it.
  SendContext ctx;
  ctx.now = FromMillis(1'700'000'010'000);
  EXPECT_EQ(n->Send(story_.Next(EventType::kStatusUpdate), ctx).kind, Kind::kOk);
}

TEST_P(VendorContract, RetriesServerErrorsWithoutADelayOfItsOwn) {
  auto n = Build(vendor_->Config());
  ASSERT_NE(n, nullptr);
  vendor_->server().FailNext(VendorReply::Json(500, R"({"message":"internal"})"));
  const SendResult r = SendDeclared(*n);
  EXPECT_EQ(r.kind, Kind::kRetry) << r.reason;
  EXPECT_FALSE(r.retry_after.has_value());
  EXPECT_NE(r.reason.find("500"), std::string::npos) << r.reason;
  vendor_->server().FailNext(VendorReply::Text(503, "unavailable"));
  EXPECT_EQ(SendDeclared(*n).kind, Kind::kRetry);
}

TEST_P(VendorContract, BadRequestIsPermanentAndSaysWhy) {
  auto n = Build(vendor_->Config());
  ASSERT_NE(n, nullptr);
  vendor_->server().FailNext(VendorReply::Json(400, R"({"message":"Event object is invalid"})"));
  const SendResult r = SendDeclared(*n);
  EXPECT_EQ(r.kind, Kind::kPermanent);
  EXPECT_NE(r.reason.find("400"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("Event object is invalid"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find(GetParam().type + "-test"), std::string::npos) << r.reason;
}

TEST_P(VendorContract, NoSecretInReasonsEvenWhenTheVendorEchoesTheRequest) {
  auto n = Build(vendor_->Config());
  ASSERT_NE(n, nullptr);
  for (int status : {400, 401, 403, 404, 422, 429, 500}) {
    VendorReply echo = VendorReply::Json(status, "");
    echo.echo_request = true;
    vendor_->server().FailNext(echo);
    const SendResult r = SendDeclared(*n);
    EXPECT_NE(r.kind, Kind::kOk);
    ExpectNoSecrets(r.reason);
  }
}

TEST_P(VendorContract, ClosedConnectionIsARetry) {
  ClosingServer closing;
  auto n = Build(vendor_->Config(closing.Url()));
  ASSERT_NE(n, nullptr);
  const SendResult r = SendDeclared(*n);
  EXPECT_EQ(r.kind, Kind::kRetry) << r.reason;
  EXPECT_GE(closing.Accepted(), 1);
  EXPECT_EQ(r.reason.find(closing.Url()), std::string::npos) << r.reason;
  ExpectNoSecrets(r.reason);
}

TEST_P(VendorContract, TimeoutIsARetry) {
  ReceiverConfig c = vendor_->Config();
  c.timeout = Duration(300);
  auto n = Build(c);
  ASSERT_NE(n, nullptr);
  VendorReply hang;
  hang.hang = true;
  vendor_->server().FailNext(hang);
  const SendResult r = SendDeclared(*n);
  EXPECT_EQ(r.kind, Kind::kRetry) << r.reason;
  ExpectNoSecrets(r.reason);
}

TEST_P(VendorContract, StartUpErrorsNameTheReferenceNotTheValue) {
  ReceiverConfig c = vendor_->Config();
  c.url = Secret("env:AB_TEST_UNSET_VARIABLE");
  auto built = MakeNotifier(c);
  ASSERT_FALSE(built.ok());
  EXPECT_NE(built.error().message.find("env:AB_TEST_UNSET_VARIABLE"), std::string::npos)
      << built.error().message;
  // A URL written inline may carry a token: it is never repeated.
  c.url = Secret("ftp://hunter2@example.com/x");
  built = MakeNotifier(c);
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(built.error().message.find("hunter2"), std::string::npos) << built.error().message;
}

TEST_P(VendorContract, UndeliverablePayloadIsPermanent) {
  auto n = Build(vendor_->Config());
  ASSERT_NE(n, nullptr);
  OutboxEntry e = story_.Next(EventType::kDeclared);
  e.payload = "{\"truncated\":";
  SendContext ctx;
  const SendResult r = n->Send(e, ctx);
  EXPECT_EQ(r.kind, Kind::kPermanent);
  EXPECT_TRUE(vendor_->server().Requests().empty());
}

INSTANTIATE_TEST_SUITE_P(HttpReceivers, VendorContract,
                         ::testing::ValuesIn(testing::HttpVendorCases()),
                         [](const ::testing::TestParamInfo<VendorCase>& info) {
                           return info.param.type;
                         });

}  // namespace
}  // namespace ab
