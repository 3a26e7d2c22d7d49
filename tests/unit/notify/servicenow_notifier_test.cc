// Contract tests of the servicenow receiver against the fake ServiceNow Table API: the lifecycle,
// no duplicate record or work note, read-only records, failures and secrets.
#include "notify/servicenow/servicenow_notifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "notify/receiver_types.h"
#include "servicenow_fixture.h"

namespace ab {
namespace {

using testing::Count;
using ::testing::ElementsAre;
using testing::FakeServiceNow;
using testing::Fault;
using ::testing::HasSubstr;
using testing::IncidentScript;
using testing::kSnowPassword;
using ::testing::Not;
using testing::RefStore;
using testing::ServiceNowConfig;
using testing::SnowBasicAuth;
using Kind = SendResult::Kind;

constexpr char kTable[] = "/api/now/table/incident";

TEST(ServiceNowNotifier, LifecycleDeclareUpdateResolveReopen) {
  FakeServiceNow snow(SnowBasicAuth());
  auto n = testing::BuildNotifier(ServiceNowConfig(snow));
  ASSERT_NE(n, nullptr);
  IncidentScript inc;
  RefStore store;
  SendResult r = store.Send(*n, inc.Event(EventType::kDeclared));
  ASSERT_EQ(r.kind, Kind::kOk) << r.reason;
  ASSERT_EQ(snow.Records().size(), 1u);
  FakeServiceNow::Record rec = snow.Records()[0];
  ASSERT_TRUE(r.ref.has_value());
  EXPECT_EQ(r.ref->type, "incident");
  EXPECT_EQ(r.ref->id, rec.sys_id);
  EXPECT_EQ(r.ref->url, snow.Url("/incident.do?sysparm_query=number%3D" + rec.number));
  const auto requests = snow.Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].Param("sysparm_query"),
            "correlation_id=ab-abcdefghijklmnop-1^ORDERBYDESCsys_created_on");
  EXPECT_EQ(rec.Field("short_description"), "checkout degraded in eu-1");
  EXPECT_EQ(rec.Field("correlation_id"), "ab-abcdefghijklmnop-1");
  EXPECT_EQ(rec.Field("correlation_display"), "alertbridge");
  EXPECT_EQ(rec.Field("urgency"), "1");  // SEV2
  EXPECT_EQ(rec.Field("impact"), "2");
  EXPECT_EQ(rec.Field("assignment_group"), "Network");
  EXPECT_EQ(rec.Field("caller_id"), "alertbridge.bot");
  EXPECT_THAT(rec.Field("description"), HasSubstr("Error rate above 5% for 10 minutes\n\n"
                                                  "Priority: SEV2\nState: declared"));

  inc.state = "acknowledged";
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kAcknowledged)).kind, Kind::kOk);
  inc.priority = "SEV1";
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kSeverityChanged)).kind, Kind::kOk);
  rec = snow.Get(rec.sys_id);
  EXPECT_EQ(rec.Field("urgency"), "1");
  EXPECT_EQ(rec.Field("impact"), "1");
  ASSERT_EQ(rec.work_notes.size(), 2u);
  EXPECT_THAT(rec.work_notes[0], HasSubstr("Incident acknowledged (commander: alice)"));
  EXPECT_THAT(rec.work_notes[0], HasSubstr("alertbridge event ab-abcdefghijklmnop-1.2"));

  inc.state = "resolved";
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kResolved)).kind, Kind::kOk);
  rec = snow.Get(rec.sys_id);
  EXPECT_EQ(rec.Field("state"), "6");
  EXPECT_EQ(rec.Field("close_code"), "Solution provided");
  EXPECT_THAT(rec.Field("close_notes"), HasSubstr("Resolved by alertbridge"));

  inc.state = "declared";
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kReopened)).kind, Kind::kOk);
  rec = snow.Get(rec.sys_id);
  EXPECT_EQ(rec.Field("state"), "2");
  EXPECT_THAT(rec.work_notes.back(), HasSubstr("ticket reopened"));
  EXPECT_EQ(snow.Records().size(), 1u);
  EXPECT_THAT(snow.Violations(), ElementsAre());
}

TEST(ServiceNowNotifier, FindsItsRecordByCorrelationIdAfterALostAnswer) {
  FakeServiceNow snow(SnowBasicAuth());
  auto n = testing::BuildNotifier(ServiceNowConfig(snow));
  IncidentScript inc;
  RefStore store;
  const OutboxEntry declared = inc.Event(EventType::kDeclared);
  snow.FailNext(Fault::LoseAnswer(), 1, "POST", kTable);
  EXPECT_EQ(store.Send(*n, declared).kind, Kind::kRetry);
  SendResult r = store.Send(*n, declared);
  ASSERT_EQ(r.kind, Kind::kOk) << r.reason;
  EXPECT_EQ(r.ref->id, snow.Records()[0].sys_id);
  // Sent once more without the ref, as after a crash before the ref was committed.
  SendResult again = n->Send(declared, {SystemClock().now(), {}});
  EXPECT_EQ(*again.ref, *r.ref);
  EXPECT_EQ(snow.Records().size(), 1u);
  EXPECT_EQ(Count(snow.Calls(), std::string("POST ") + kTable), 1);

  const OutboxEntry escalated = inc.Event(EventType::kEscalated);
  snow.FailNext(Fault::LoseAnswer(), 1, "PATCH");
  EXPECT_EQ(store.Send(*n, escalated).kind, Kind::kRetry);
  ASSERT_EQ(store.Send(*n, escalated).kind, Kind::kOk);
  EXPECT_EQ(snow.Records()[0].work_notes.size(), 1u);
  EXPECT_THAT(snow.Violations(), ElementsAre());
}

TEST(ServiceNowNotifier, AClosedRecordIsFollowedByANewOne) {
  FakeServiceNow snow(SnowBasicAuth());
  auto n = testing::BuildNotifier(ServiceNowConfig(snow));
  IncidentScript inc;
  RefStore store;
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kDeclared)).kind, Kind::kOk);
  const std::string old = snow.Records()[0].sys_id;
  snow.HumanSetState(old, 7, "Solution provided");
  SendResult r = store.Send(*n, inc.Event(EventType::kReopened));
  ASSERT_EQ(r.kind, Kind::kOk) << r.reason;
  ASSERT_EQ(snow.Records().size(), 2u);
  const FakeServiceNow::Record fresh = snow.Records()[1];
  EXPECT_EQ(r.ref->id, fresh.sys_id);
  EXPECT_EQ(fresh.Field("parent_incident"), old);
  EXPECT_EQ(fresh.Field("correlation_id"), "ab-abcdefghijklmnop-1");
  EXPECT_THAT(fresh.Field("description"), HasSubstr("Follows: INC0010001 ("));
  // Later events go to the new record; the closed one is never written to.
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kEscalated)).kind, Kind::kOk);
  EXPECT_EQ(snow.Get(fresh.sys_id).work_notes.size(), 1u);
  EXPECT_THAT(snow.Violations(), ElementsAre());
}

TEST(ServiceNowNotifier, ACanceledRecordIsLeftAlone) {
  FakeServiceNow snow(SnowBasicAuth());
  auto n = testing::BuildNotifier(ServiceNowConfig(snow));
  IncidentScript inc;
  RefStore store;
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kDeclared)).kind, Kind::kOk);
  snow.HumanSetState(snow.Records()[0].sys_id, 8);
  // "Canceled" is in keep_closed: comment, which a read-only record cannot take: nothing at all.
  EXPECT_EQ(store.Send(*n, inc.Event(EventType::kReopened)).kind, Kind::kOk);
  EXPECT_EQ(store.Send(*n, inc.Event(EventType::kEscalated)).kind, Kind::kOk);
  inc.state = "resolved";
  EXPECT_EQ(store.Send(*n, inc.Event(EventType::kResolved)).kind, Kind::kOk);
  EXPECT_EQ(snow.Records().size(), 1u);
  EXPECT_TRUE(snow.Records()[0].work_notes.empty());
  EXPECT_EQ(Count(snow.Calls(), "PATCH " + std::string(kTable) + "/" + snow.Records()[0].sys_id),
            0);
}

TEST(ServiceNowNotifier, NewOccurrenceCanCarryOnInTheResolvedRecord) {
  FakeServiceNow snow(SnowBasicAuth());
  auto n = testing::BuildNotifier(ServiceNowConfig(
      snow, [](ServiceNowSettings& s) { s.reopen.recurrence = ReopenAction::kReopen; }));
  IncidentScript inc;
  RefStore store;
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kDeclared)).kind, Kind::kOk);
  inc.state = "resolved";
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kResolved)).kind, Kind::kOk);
  IncidentScript next;
  next.key = "ab-abcdefghijklmnop-2";
  RefStore store2;
  SendResult r = store2.Send(*n, next.Event(EventType::kDeclared));
  ASSERT_EQ(r.kind, Kind::kOk) << r.reason;
  ASSERT_EQ(snow.Records().size(), 1u);
  const FakeServiceNow::Record rec = snow.Records()[0];
  EXPECT_EQ(r.ref->id, rec.sys_id);
  EXPECT_EQ(rec.Field("state"), "2");
  EXPECT_EQ(rec.Field("correlation_id"), "ab-abcdefghijklmnop-2");
  EXPECT_THAT(rec.work_notes.back(), HasSubstr("recurred as incident ab-abcdefghijklmnop-2"));
}

TEST(ServiceNowNotifier, FailuresAreClassifiedAndTheLimitsKept) {
  FakeServiceNow snow(SnowBasicAuth());
  ReceiverConfig c = ServiceNowConfig(snow);
  c.timeout = Duration(300);
  auto n = testing::BuildNotifier(c);
  IncidentScript inc;
  inc.title = std::string(200, 'T');
  inc.summary = std::string(5000, 's') + "\n[code]<script>alert(1)</script>[/code]";
  const OutboxEntry declared = inc.Event(EventType::kDeclared);
  snow.FailNext(Fault::TooManyRequests("3"));
  SendResult r = n->Send(declared, {SystemClock().now(), {}});
  EXPECT_EQ(r.kind, Kind::kRetry);
  EXPECT_EQ(r.retry_after, Duration(3000));
  for (Fault f : {Fault::ServerError(), Fault::Close(), Fault::Hang()}) {
    snow.FailNext(f);
    EXPECT_EQ(n->Send(declared, {SystemClock().now(), {}}).kind, Kind::kRetry);
  }
  snow.ReleaseHangs();
  ASSERT_EQ(n->Send(declared, {SystemClock().now(), {}}).kind, Kind::kOk);
  const FakeServiceNow::Record rec = snow.Records()[0];
  EXPECT_EQ(testing::Chars(rec.Field("short_description")), 160u);
  EXPECT_LE(testing::Chars(rec.Field("description")), 4000u);
  EXPECT_THAT(snow.Violations(), ElementsAre());

  // A bad close code is ServiceNow's to reject: permanent, with its message.
  FakeServiceNow strict(SnowBasicAuth());
  auto m = testing::BuildNotifier(ServiceNowConfig(strict));
  strict.FailNext(Fault::Status(
      {400,
       {{"error", {{"message", "Invalid close code"}, {"detail", "x"}}}, {"status", "failure"}},
       {}}));
  r = m->Send(declared, {SystemClock().now(), {}});
  EXPECT_EQ(r.kind, Kind::kPermanent);
  EXPECT_THAT(r.reason, HasSubstr("HTTP 400: Invalid close code; x"));
}

TEST(ServiceNowNotifier, WorkNotesCannotSwitchToHtml) {
  FakeServiceNow snow(SnowBasicAuth());
  auto n = testing::BuildNotifier(ServiceNowConfig(snow));
  IncidentScript inc;
  inc.commander = "[code]<img src=x onerror=alert(1)>[/CODE]";
  RefStore store;
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kDeclared)).kind, Kind::kOk);
  ASSERT_EQ(store.Send(*n, inc.Event(EventType::kAcknowledged)).kind, Kind::kOk);
  const std::string note = snow.Records()[0].work_notes.at(0);
  EXPECT_THAT(note, HasSubstr("[ code]<img src=x onerror=alert(1)>[ /CODE]"));
  EXPECT_THAT(note, Not(HasSubstr("[code]")));
}

TEST(ServiceNowNotifier, CredentialsNeverAppearInResultsOrErrors) {
  FakeServiceNow snow("Basic not-ours");
  auto n = testing::BuildNotifier(ServiceNowConfig(snow));
  IncidentScript inc;
  SendResult r = n->Send(inc.Event(EventType::kDeclared), {SystemClock().now(), {}});
  EXPECT_EQ(r.kind, Kind::kPermanent);
  EXPECT_THAT(r.reason, HasSubstr("HTTP 401"));
  EXPECT_THAT(r.reason, Not(HasSubstr(kSnowPassword)));
  EXPECT_THAT(r.reason, Not(HasSubstr(SnowBasicAuth().substr(6))));

  ::setenv("AB_TEST_SNOW_EMPTY", "", 1);
  auto bad = MakeNotifier(ServiceNowConfig(
      snow, [](ServiceNowSettings& s) { s.auth.password = Secret("env:AB_TEST_SNOW_EMPTY"); }));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "receiver \"snow\": cannot resolve auth.basic.password env:AB_TEST_SNOW_EMPTY: "
            "environment variable AB_TEST_SNOW_EMPTY is empty");
}

}  // namespace
}  // namespace ab
