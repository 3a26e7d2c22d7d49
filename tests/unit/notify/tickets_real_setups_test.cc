// ServiceNow and GitHub on real setups (issue 16 items 7, 8): records closed or canceled by hand
// are read-only, a canceled record listed in keep_closed is not replaced, and repeated secondary
// rate limits back off exponentially from a minute; vendors' error texts are redacted before they
// are cut (issue 13 item 9).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "github_fixture.h"
#include "notify/github/github_notifier.h"
#include "notify/ticket/vendor_api.h"
#include "servicenow_fixture.h"

namespace ab {
namespace {

using testing::FakeServiceNow;
using ::testing::HasSubstr;
using testing::IncidentScript;
using ::testing::IsEmpty;
using ::testing::Not;
using testing::RefStore;
using Kind = SendResult::Kind;

TEST(ServiceNowReadOnly, ARecordClosedByHandTakesNoPriorityUpdateAndHoldsNothing) {
  FakeServiceNow snow(testing::SnowBasicAuth());
  auto n = testing::BuildNotifier(testing::ServiceNowConfig(snow));
  IncidentScript inc;
  RefStore store;
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kDeclared)).kind, Kind::kOk);
  const std::string sys_id = snow.Records()[0].sys_id;
  snow.HumanSetState(sys_id, 7, "Solution provided");
  inc.priority = "SEV1";
  inc.details = {{"field", "priority"}, {"from", "SEV2"}, {"to", "SEV1"}};
  const SendResult r = store.Send(*n, inc.Event(EventType::kSeverityChanged));
  ASSERT_EQ(r.kind, Kind::kOk) << r.reason;  // not a 403 that dead-letters
  inc.state = "resolved";
  EXPECT_EQ(store.Send(*n, inc.Event(EventType::kResolved)).kind, Kind::kOk);
  EXPECT_EQ(testing::Count(snow.Calls(), "PATCH /api/now/table/incident/" + sys_id), 0);
  EXPECT_THAT(snow.Violations(), IsEmpty());
}

TEST(ServiceNowReadOnly, ACanceledRecordInKeepClosedIsNotReplacedOnTheNextOccurrence) {
  FakeServiceNow snow(testing::SnowBasicAuth());
  auto n = testing::BuildNotifier(testing::ServiceNowConfig(snow));
  IncidentScript first;
  RefStore store;
  ASSERT_EQ(store.Send(*n, first.Event(EventType::kDeclared)).kind, Kind::kOk);
  snow.HumanSetState(snow.Records()[0].sys_id, 8);  // Canceled: listed in keep_closed
  IncidentScript next;
  next.key = "ab-abcdefghijklmnop-2";
  RefStore next_store;
  const SendResult r = next_store.Send(*n, next.Event(EventType::kDeclared));
  ASSERT_EQ(r.kind, Kind::kOk) << r.reason;
  ASSERT_EQ(r.degraded.size(), 1u);
  EXPECT_EQ(r.degraded[0].step, "read_only");
  EXPECT_EQ(snow.Records().size(), 1u);
  EXPECT_THAT(snow.Violations(), IsEmpty());
}

TEST(GitHubSecondaryLimits, RepeatedAnswersBackOffExponentiallyFromAMinute) {
  SecondaryLimitBackoff backoff;
  TimePoint now = FromMillis(1'700'000'000'000);
  const Duration first = backoff.Next(now);
  EXPECT_EQ(first, Duration(60'000));
  now += first;  // retried when told, and limited again
  EXPECT_EQ(backoff.Next(now), Duration(120'000));
  now += Duration(120'000);
  EXPECT_EQ(backoff.Next(now), Duration(240'000));
  // A quiet spell as long as the last wait after it: the limit is behind us.
  now += Duration(240'000) + Duration(240'001);
  EXPECT_EQ(backoff.Next(now), Duration(60'000));
  for (int i = 0; i < 20; ++i) now += backoff.Next(now);
  EXPECT_EQ(backoff.Next(now), SecondaryLimitBackoff::kMaxWait);
}

TEST(GitHubSecondaryLimits, TheReceiverBacksOffAcrossAttempts) {
  testing::FakeGitHub gh(testing::kGitHubToken);
  auto n = testing::BuildNotifier(testing::GitHubConfig(gh));
  IncidentScript inc;
  const OutboxEntry declared = inc.Event(EventType::kDeclared);
  const testing::Fault limited =
      testing::Fault::Status({403, {{"message", "You have exceeded a secondary rate limit"}}, {}});
  gh.FailNext(limited);
  const SendResult a = n->Send(declared, {SystemClock().now(), {}});
  gh.FailNext(limited);
  const SendResult b = n->Send(declared, {SystemClock().now() + Duration(60'000), {}});
  ASSERT_EQ(a.kind, Kind::kRetry);
  ASSERT_EQ(b.kind, Kind::kRetry);
  EXPECT_EQ(a.retry_after, Duration(60'000));
  EXPECT_EQ(b.retry_after, Duration(120'000));
}

TEST(VendorErrorText, SecretsAreRedactedBeforeTheTextIsCut) {
  // A token straddling the 300-character cut must not survive in part.
  const std::string token = "jira-t0ken-abcdefghijklmnopq";
  const std::string body =
      nlohmann::json{{"errorMessages", {std::string(290, 'x') + token}}}.dump();
  const std::string text = VendorErrorText(body, {token});
  EXPECT_THAT(text, Not(HasSubstr("jira-t0ken")));
  EXPECT_THAT(text, Not(HasSubstr("t0ken")));
  EXPECT_THAT(text, HasSubstr("[redacted]"));
}

}  // namespace
}  // namespace ab
