// PagerDuty and Opsgenie/JSM on real setups (issue 16 items 1, 3, 8): JSM's integration events
// API has no priority endpoint, a base severity change alone asks nothing of a pager, and a
// refused optional step (a priority PUT) degrades instead of holding the incident's close.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "event_fixture.h"
#include "notify/http_client.h"
#include "notify/opsgenie/opsgenie_notifier.h"
#include "notify/pagerduty/pagerduty_notifier.h"
#include "vendors/fakes.h"
#include "vendors/harness.h"

namespace ab {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::kGenieKey;
using testing::kPagerDutyKey;
using testing::OpsgenieFake;
using testing::PagerDutyFake;
using testing::VendorReply;
using Kind = SendResult::Kind;

ReceiverConfig Genie(const OpsgenieFake& fake) {
  ReceiverConfig c;
  c.name = "genie";
  c.type = "opsgenie";
  c.url = Secret(fake.BaseUrl());
  auto s = std::make_shared<OpsgenieSettings>();
  s->api_key = Secret(kGenieKey);
  c.settings = s;
  c.timeout = Duration(5000);
  return c;
}

ReceiverConfig Pager(const PagerDutyFake& fake) {
  ReceiverConfig c;
  c.name = "pd";
  c.type = "pagerduty";
  c.url = Secret(fake.BaseUrl());
  auto s = std::make_shared<PagerDutySettings>();
  s->routing_key = Secret(kPagerDutyKey);
  c.settings = s;
  c.timeout = Duration(5000);
  return c;
}

// An event of `inc` with the actor and details the engine writes.
OutboxEntry With(const Incident& inc, EventType type, int64_t seq, nlohmann::json details,
                 std::string actor = "rule:checkout-outage") {
  Event ev;
  ev.incident_id = inc.id;
  ev.seq = seq;
  ev.type = type;
  ev.at = FromMillis(1'700'000'000'000 + seq * 60'000);
  ev.actor = std::move(actor);
  ev.details = std::move(details);
  OutboxEntry e;
  e.id = seq;
  e.incident_id = inc.id;
  e.event_seq = seq;
  e.receiver = "rcv";
  e.event_id = EventId(inc.key, seq);
  e.event_type = std::string(ToString(type));
  e.payload = EventEnvelope(ev, inc, "https://ab.example").dump();
  return e;
}

TEST(JsmOperations, APriorityChangeBecomesANoteAndTheLifecycleCloses) {
  OpsgenieFake jsm(kGenieKey, "/jsm/ops/integration");
  auto n = MakeOpsgenieNotifier(Genie(jsm));
  ASSERT_TRUE(n.ok()) << n.error().message;
  Incident inc = testing::SampleIncident();
  inc.priority = Severity::SEV3;
  ASSERT_EQ((*n)->Send(With(inc, EventType::kDeclared, 1, {}), {}).kind, Kind::kOk);
  inc.priority = Severity::SEV1;
  const SendResult raised =
      (*n)->Send(With(inc, EventType::kSeverityChanged, 2,
                      {{"field", "priority"}, {"from", "SEV3"}, {"to", "SEV1"}}),
                 {});
  ASSERT_EQ(raised.kind, Kind::kOk) << raised.reason;
  EXPECT_THAT(raised.degraded, IsEmpty());
  inc.state = IncidentState::kResolved;
  ASSERT_EQ((*n)->Send(With(inc, EventType::kResolved, 3, {{"how", "alerts_recovered"}}), {}).kind,
            Kind::kOk);
  // JSM's documented endpoint set only: the fake answers 404 to anything else.
  EXPECT_THAT(jsm.Rejections(), IsEmpty());
  ASSERT_EQ(jsm.Alerts().size(), 1u);
  EXPECT_EQ(jsm.Alerts()[0].status, "closed");
  ASSERT_EQ(jsm.Alerts()[0].notes.size(), 1u);
  EXPECT_THAT(jsm.Alerts()[0].notes[0], HasSubstr("Priority raised from SEV3 to SEV1"));
  // The close carries its own note: how the incident resolved.
  const auto accepted = jsm.server().Accepted();
  EXPECT_THAT(accepted.back().body, HasSubstr("all its alerts recovered"));
}

TEST(JsmOperations, TheFakeRefusesWhatJsmDoesNotDocument) {
  OpsgenieFake jsm(kGenieKey, "/jsm/ops/integration");
  // Opsgenie's own priority endpoint, sent to JSM: 404, and a rejection.
  HttpClient client(*ParseHttpUrl(jsm.BaseUrl()), Duration(2000));
  const HttpResponse res =
      client.Send("PUT", "/jsm/ops/integration/v2/alerts/x/priority?identifierType=alias",
                  {{"Authorization", std::string("GenieKey ") + kGenieKey},
                   {"Content-Type", "application/json"}},
                  R"({"priority":"P1"})");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(jsm.Rejections().size(), 1u);
}

TEST(OpsgenieRealSetups, ARefusedPriorityChangeDegradesAndTheCloseStillGoesOut) {
  OpsgenieFake genie(kGenieKey);
  auto n = MakeOpsgenieNotifier(Genie(genie));
  ASSERT_TRUE(n.ok()) << n.error().message;
  Incident inc = testing::SampleIncident();
  ASSERT_EQ((*n)->Send(With(inc, EventType::kDeclared, 1, {}), {}).kind, Kind::kOk);
  genie.server().FailNext(VendorReply::Json(422, R"({"message":"Priority is not valid"})"));
  inc.priority = Severity::SEV1;
  const SendResult raised = (*n)->Send(
      With(inc, EventType::kSeverityChanged, 2, {{"field", "priority"}, {"to", "SEV1"}}), {});
  ASSERT_EQ(raised.kind, Kind::kOk) << raised.reason;
  ASSERT_EQ(raised.degraded.size(), 1u);
  EXPECT_EQ(raised.degraded[0].step, "priority");
  EXPECT_THAT(raised.degraded[0].reason, HasSubstr("Priority is not valid"));
  inc.state = IncidentState::kResolved;
  ASSERT_EQ((*n)->Send(With(inc, EventType::kResolved, 3, {}), {}).kind, Kind::kOk);
  EXPECT_EQ(genie.Alerts().at(0).status, "closed");
}

TEST(PagersOnSeverity, ABaseSeverityChangeAloneSendsNothing) {
  PagerDutyFake pd(kPagerDutyKey);
  OpsgenieFake genie(kGenieKey);
  auto p = MakePagerDutyNotifier(Pager(pd));
  auto g = MakeOpsgenieNotifier(Genie(genie));
  ASSERT_TRUE(p.ok() && g.ok());
  Incident inc = testing::SampleIncident();
  for (Notifier* n : {p->get(), g->get()}) {
    ASSERT_EQ(n->Send(With(inc, EventType::kDeclared, 1, {}), {}).kind, Kind::kOk);
  }
  const size_t pd_before = pd.server().Accepted().size();
  const size_t genie_before = genie.server().Accepted().size();
  const OutboxEntry base = With(inc, EventType::kSeverityChanged, 2,
                                {{"field", "base_severity"}, {"from", "SEV3"}, {"to", "SEV2"}});
  EXPECT_EQ((*p)->Send(base, {}).kind, Kind::kOk);
  EXPECT_EQ((*g)->Send(base, {}).kind, Kind::kOk);
  EXPECT_EQ(pd.server().Accepted().size(), pd_before);
  EXPECT_EQ(genie.server().Accepted().size(), genie_before);
  // The priority change that follows is sent once, at the new level.
  inc.priority = Severity::SEV1;
  const OutboxEntry priority = With(inc, EventType::kSeverityChanged, 3,
                                    {{"field", "priority"}, {"from", "SEV2"}, {"to", "SEV1"}});
  EXPECT_EQ((*p)->Send(priority, {}).kind, Kind::kOk);
  EXPECT_EQ(pd.server().Accepted().size(), pd_before + 1);
  EXPECT_EQ(pd.Alerts().at(0).severity, "critical");
}

}  // namespace
}  // namespace ab
