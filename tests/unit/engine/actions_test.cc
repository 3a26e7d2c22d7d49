// People's actions: idempotent, conflicts name the state, events like any other.
#include "engine_fixture.h"

namespace ab::testing {
namespace {

const LabelSet kA{{"service", "checkout"}, {"instance", "a"}};
const LabelSet kB{{"service", "checkout"}, {"instance", "b"}};
const LabelSet kC{{"service", "checkout"}, {"instance", "c"}};

class ActionsTest : public EngineTest {
 protected:
  void SetUp() override { UseRule(MakeRule("checkout", "service=\"checkout\"", {"service"})); }
  void UseRule(Rule r) {
    SetRules({std::move(r)});
    id_ = Ingest({Firing(kA)}, kT0).events.at(0).snapshot.id;
  }
  ActionOutcome Do(ActionType type, TimePoint at, std::string text = {}) {
    Action a;
    a.incident_id = id_;
    a.type = type;
    a.actor = "user:alice";
    if (type == ActionType::kClose && !text.empty()) {
      // A closure needs a cause and the runbook answer too (ClosingNeedsCauseAndRunbookAnswer).
      a.cause = "cause of " + text;
      a.runbook_updated = false;
    }
    a.text = std::move(text);
    return engine_->Act(a, at);
  }
  int64_t id_ = 0;
};

TEST_F(ActionsTest, AckIsIdempotent) {
  ActionOutcome first = Do(ActionType::kAck, kT0 + minutes(1));
  ASSERT_EQ(first.code, ActionOutcome::Code::kOk);
  EXPECT_TRUE(first.changed);
  ASSERT_EQ(EventNames(first.changes), Names{"acknowledged"});
  EXPECT_EQ(first.changes.events[0].event.actor, "user:alice");
  EXPECT_EQ(first.changes.events[0].notify, std::vector<std::string>{"console"});
  EXPECT_EQ(first.incident.state, IncidentState::kAcknowledged);
  EXPECT_EQ(first.incident.acknowledged_at, kT0 + minutes(1));
  ASSERT_EQ(first.changes.incidents.size(), 1u);
  ActionOutcome again = Do(ActionType::kAck, kT0 + minutes(2));
  EXPECT_EQ(again.code, ActionOutcome::Code::kOk);
  EXPECT_FALSE(again.changed);
  EXPECT_TRUE(again.changes.empty());
  EXPECT_EQ(again.incident.acknowledged_at, kT0 + minutes(1));
}

TEST_F(ActionsTest, ForbiddenTransitionsAreConflictsNamingTheState) {
  ASSERT_TRUE(Do(ActionType::kResolve, kT0 + minutes(1)).changed);
  ActionOutcome ack = Do(ActionType::kAck, kT0 + minutes(2));
  EXPECT_EQ(ack.code, ActionOutcome::Code::kConflict);
  EXPECT_EQ(ack.incident.state, IncidentState::kResolved);
  EXPECT_NE(ack.error.find("resolved"), std::string::npos) << ack.error;
  EXPECT_TRUE(ack.changes.empty());
  ASSERT_TRUE(Do(ActionType::kClose, kT0 + minutes(3), "false alarm").changed);
  for (ActionType t : {ActionType::kAck, ActionType::kResolve, ActionType::kReopen}) {
    ActionOutcome o = Do(t, kT0 + minutes(4));
    EXPECT_EQ(o.code, ActionOutcome::Code::kConflict) << ToString(t);
    EXPECT_EQ(o.incident.state, IncidentState::kClosed);
  }
}

TEST_F(ActionsTest, ClosingNeedsAResolutionAndAResolvedIncident) {
  ActionOutcome bare = Do(ActionType::kClose, kT0 + minutes(1));
  EXPECT_EQ(bare.code, ActionOutcome::Code::kInvalid);
  EXPECT_EQ(bare.field, "resolution");
  EXPECT_EQ(Do(ActionType::kClose, kT0 + minutes(1), "fixed").code, ActionOutcome::Code::kConflict);
  Do(ActionType::kResolve, kT0 + minutes(2));
  ActionOutcome closed = Do(ActionType::kClose, kT0 + minutes(3), "rolled back release 42");
  ASSERT_EQ(EventNames(closed.changes), Names{"closed"});
  EXPECT_EQ(closed.changes.events[0].event.details["resolution"], "rolled back release 42");
  EXPECT_EQ(closed.incident.resolution, "rolled back release 42");
  EXPECT_EQ(closed.incident.closed_at, kT0 + minutes(3));
  // The same resolution again changes nothing; another one is a conflict naming the recorded one.
  ActionOutcome same = Do(ActionType::kClose, kT0 + minutes(4), "rolled back release 42");
  EXPECT_EQ(same.code, ActionOutcome::Code::kOk);
  EXPECT_FALSE(same.changed);
  ActionOutcome other = Do(ActionType::kClose, kT0 + minutes(4), "again");
  EXPECT_EQ(other.code, ActionOutcome::Code::kConflict);
  EXPECT_EQ(other.error,
            "cannot close incident 1: it is closed with resolution \"rolled back release 42\"; "
            "add a note to record more");
  EXPECT_EQ(other.incident.resolution, "rolled back release 42");
  EXPECT_TRUE(other.changes.empty());
}

TEST_F(ActionsTest, RefusalsNameTheActionInWords) {
  ASSERT_TRUE(Do(ActionType::kResolve, kT0 + minutes(1)).changed);
  ASSERT_TRUE(Do(ActionType::kClose, kT0 + minutes(2), "fixed").changed);
  Action severity;
  severity.incident_id = id_;
  severity.type = ActionType::kSeverity;
  severity.priority = Severity::SEV1;
  EXPECT_EQ(engine_->Act(severity, kT0 + minutes(3)).error,
            "cannot change the priority of incident 1: it is closed");
  EXPECT_EQ(Do(ActionType::kAck, kT0 + minutes(3)).error,
            "cannot acknowledge incident 1: it is closed");
}

TEST_F(ActionsTest, ClosingNeedsCauseAndRunbookAnswer) {
  Do(ActionType::kResolve, kT0 + minutes(1));
  Action a;
  a.incident_id = id_;
  a.type = ActionType::kClose;
  a.text = "rolled back";
  ActionOutcome no_cause = engine_->Act(a, kT0 + minutes(2));
  EXPECT_EQ(no_cause.code, ActionOutcome::Code::kInvalid);
  EXPECT_EQ(no_cause.field, "cause");
  a.cause = "bad config push";
  ActionOutcome no_runbook = engine_->Act(a, kT0 + minutes(2));
  EXPECT_EQ(no_runbook.code, ActionOutcome::Code::kInvalid);
  EXPECT_EQ(no_runbook.field, "runbook_updated");
  EXPECT_TRUE(no_runbook.changes.empty());
  a.runbook_updated = true;
  ActionOutcome closed = engine_->Act(a, kT0 + minutes(3));
  ASSERT_EQ(EventNames(closed.changes), Names{"closed"});
  const nlohmann::json& d = closed.changes.events[0].event.details;
  EXPECT_EQ(d["cause"], "bad config push");
  EXPECT_EQ(d["runbook_updated"], true);
  EXPECT_EQ(closed.incident.cause, "bad config push");
  EXPECT_EQ(closed.incident.runbook_updated, std::optional<bool>(true));
}

TEST_F(ActionsTest, AnUpdateNoteResetsTheStatusUpdateClock) {
  Action a;
  a.incident_id = id_;
  a.type = ActionType::kNote;
  a.text = "mitigated";
  a.update = true;
  ActionOutcome o = engine_->Act(a, kT0 + minutes(7));
  ASSERT_EQ(EventNames(o.changes), Names{"note_added"});
  EXPECT_EQ(o.changes.events[0].event.details["update"], true);
  EXPECT_EQ(o.incident.last_update_at, kT0 + minutes(7));
  EXPECT_EQ(o.incident.latest_note, "mitigated");
  Do(ActionType::kResolve, kT0 + minutes(8));
  ActionOutcome late = engine_->Act(a, kT0 + minutes(9));
  EXPECT_EQ(late.code, ActionOutcome::Code::kConflict);
}

TEST_F(ActionsTest, PendingIncidentsCannotBeActedOn) {
  Rule r = MakeRule("checkout", "service=\"checkout\"", {"service"});
  r.trigger.min_alerts = 2;
  SetRules({r});
  id_ = Ingest({Firing(kA)}, kT0).incidents.at(0).id;
  EXPECT_EQ(Do(ActionType::kAck, kT0).code, ActionOutcome::Code::kConflict);
  EXPECT_EQ(Do(ActionType::kAck, kT0).incident.state, IncidentState::kPending);
}

TEST_F(ActionsTest, UnknownIncidentIsNotFound) {
  id_ = 999;
  EXPECT_EQ(Do(ActionType::kAck, kT0).code, ActionOutcome::Code::kNotFound);
}

TEST_F(ActionsTest, ResolvedByHandStaysResolvedWhileItsAlertsKeepFiring) {
  Do(ActionType::kResolve, kT0 + minutes(1));
  for (int i = 2; i < 10; ++i) {
    EXPECT_TRUE(Ingest({Firing(kA)}, kT0 + minutes(i)).events.empty());
    EXPECT_TRUE(Tick(kT0 + minutes(i)).events.empty());
  }
}

TEST_F(ActionsTest, ResolvedByHandReopensOnlyOnANewFiringAfterTheQuietPeriod) {
  Rule r = MakeRule("checkout", "service=\"checkout\"", {"service"});
  r.resolve.after = minutes(5);
  r.dedup_window = minutes(30);
  UseRule(r);
  Do(ActionType::kResolve, kT0 + minutes(1));                          // quiet period until 6m
  EXPECT_TRUE(Ingest({Firing(kB)}, kT0 + minutes(3)).events.empty());  // a flap inside it
  EXPECT_TRUE(Tick(kT0 + minutes(7)).events.empty());
  Changes c = Ingest({Firing(kC)}, kT0 + minutes(7));
  ASSERT_EQ(EventNames(c), (Names{"reopened", "alert_added"}));
  EXPECT_EQ(c.events[0].event.actor, "rule:checkout");
  EXPECT_EQ(c.incidents.at(0).alerts_firing, 3);  // a, b and c all fire
}

TEST_F(ActionsTest, ReopenedByHandStaysOpenUntilAnAlertFiresAndResolvesAgain) {
  Ingest({Resolved(kA)}, kT0 + minutes(1));  // resolves by itself
  ActionOutcome reopened = Do(ActionType::kReopen, kT0 + minutes(2));
  ASSERT_EQ(EventNames(reopened.changes), Names{"reopened"});
  EXPECT_EQ(reopened.changes.events[0].event.actor, "user:alice");
  EXPECT_EQ(reopened.incident.state, IncidentState::kDeclared);
  EXPECT_TRUE(Tick(kT0 + hours(1)).events.empty());
  EXPECT_FALSE(Do(ActionType::kReopen, kT0 + hours(1)).changed);
  Ingest({Firing(kA, kT0 + hours(2))}, kT0 + hours(2));
  EXPECT_EQ(EventNames(Ingest({Resolved(kA, kT0 + hours(2))}, kT0 + hours(3))),
            (Names{"alert_resolved", "resolved"}));
}

TEST_F(ActionsTest, NotesAreAlwaysAddedAndNeedText) {
  EXPECT_EQ(Do(ActionType::kNote, kT0).code, ActionOutcome::Code::kInvalid);
  ActionOutcome n1 = Do(ActionType::kNote, kT0 + minutes(1), "looking at the DB");
  ActionOutcome n2 = Do(ActionType::kNote, kT0 + minutes(2), "looking at the DB");
  ASSERT_EQ(EventNames(n1.changes), Names{"note_added"});
  ASSERT_EQ(EventNames(n2.changes), Names{"note_added"});
  EXPECT_EQ(n2.changes.events[0].event.details["text"], "looking at the DB");
  EXPECT_EQ(n2.changes.events[0].event.seq, n1.changes.events[0].event.seq + 1);
}

// One assign request is one `assigned` event listing every role it changed (old -> new), so
// that ticket receivers post one comment for it (issue 16 item 8).
TEST_F(ActionsTest, OneAssignIsOneEventListingEveryChangedRole) {
  Action a;
  a.incident_id = id_;
  a.type = ActionType::kAssign;
  a.actor = "user:alice";
  a.team = "payments";
  a.commander = "bob";
  const std::string team_before = engine_->FindIncident(id_)->owner.team;
  ASSERT_NE(team_before, "payments");
  ActionOutcome o = engine_->Act(a, kT0 + minutes(1));
  ASSERT_EQ(EventNames(o.changes), (Names{"assigned"}));
  const Event& ev = o.changes.events[0].event;
  EXPECT_EQ(ev.actor, "user:alice");
  EXPECT_EQ(ev.details,
            (nlohmann::json{{"changes",
                             {{{"field", "team"}, {"from", team_before}, {"to", "payments"}},
                              {{"field", "commander"}, {"from", ""}, {"to", "bob"}}}}}));
  EXPECT_EQ(o.changes.events[0].snapshot.owner, (Owner{"payments", "bob"}));
  EXPECT_EQ(o.incident.owner, (Owner{"payments", "bob"}));
  EXPECT_FALSE(engine_->Act(a, kT0 + minutes(2)).changed);

  // A role that is already so is left out of the list.
  a.commander = "carol";
  o = engine_->Act(a, kT0 + minutes(3));
  ASSERT_EQ(EventNames(o.changes), (Names{"assigned"}));
  EXPECT_EQ(
      o.changes.events[0].event.details,
      (nlohmann::json{{"changes", {{{"field", "commander"}, {"from", "bob"}, {"to", "carol"}}}}}));

  a.team.reset();
  a.commander.reset();
  EXPECT_EQ(engine_->Act(a, kT0).code, ActionOutcome::Code::kInvalid);
}

TEST_F(ActionsTest, APriorityGivenByHandHoldsUntilTheRulesAskForMore) {
  Rule r = MakeRule("checkout", "service=\"checkout\"", {"service"});
  SeverityRaise many;
  many.min_alerts = 2;
  many.to = Severity::SEV1;
  r.severity.raise = {many};
  UseRule(r);
  Action a;
  a.incident_id = id_;
  a.type = ActionType::kSeverity;
  a.priority = Severity::SEV4;  // lowering by hand is allowed
  ActionOutcome o = engine_->Act(a, kT0 + minutes(1));
  ASSERT_EQ(EventNames(o.changes), Names{"severity_changed"});
  EXPECT_EQ(o.changes.events[0].event.details,
            (nlohmann::json{{"field", "priority"}, {"from", "SEV3"}, {"to", "SEV4"}}));
  EXPECT_FALSE(engine_->Act(a, kT0 + minutes(2)).changed);
  // A second alert: the rules rise from SEV3 to SEV1, above the person's SEV4.
  Changes c = Ingest({Firing(kB)}, kT0 + minutes(3));
  ASSERT_EQ(EventNames(c), (Names{"alert_added", "severity_changed"}));
  EXPECT_EQ(c.events[1].event.details,
            (nlohmann::json{{"field", "priority"},
                            {"from", "SEV4"},
                            {"to", "SEV1"},
                            {"cause", "raise {when: {min_alerts: 2}, to: SEV1}"}}));
  EXPECT_EQ(c.events[1].event.actor, "rule:checkout");
  EXPECT_EQ(c.incidents.at(0).priority, Severity::SEV1);
  // Lowered by hand again: a third alert asks for no more than SEV1 did, so SEV4 stands.
  a.priority = Severity::SEV4;
  ASSERT_TRUE(engine_->Act(a, kT0 + minutes(4)).changed);
  Changes third = Ingest({Firing(kC)}, kT0 + minutes(5));
  EXPECT_EQ(EventNames(third), Names{"alert_added"});
  EXPECT_EQ(third.incidents.at(0).priority, Severity::SEV4);
}

TEST_F(ActionsTest, AnIncidentTheEngineLetGoOfIsActedOnFromItsStoredRow) {
  Changes resolved = Ingest({Resolved(kA)}, kT0 + minutes(1));
  Changes second = Ingest({Firing(kA, kT0 + minutes(2))}, kT0 + minutes(2));  // occurrence 2
  ASSERT_EQ(EventNames(second), Names{"declared"});
  Changes all = resolved;
  all.Merge(std::move(second));
  Engine restarted(rules_);
  restarted.Restore(all.alerts, Stored(all));  // keeps only the latest of the group
  ASSERT_EQ(restarted.FindIncident(id_), nullptr);
  Incident stored = *Row(resolved, id_);
  Action close;
  close.incident_id = id_;
  close.type = ActionType::kClose;
  close.text = "duplicate";
  close.cause = "a second occurrence of the same outage";
  close.runbook_updated = false;
  EXPECT_EQ(restarted.Act(close, kT0 + minutes(3)).code, ActionOutcome::Code::kNotFound);
  ActionOutcome o = restarted.Act(close, kT0 + minutes(3), &stored);
  ASSERT_EQ(EventNames(o.changes), Names{"closed"});
  EXPECT_EQ(o.changes.events[0].event.seq, stored.last_seq + 1);
  ASSERT_EQ(o.changes.incidents.size(), 1u);
  EXPECT_EQ(o.changes.incidents[0].state, IncidentState::kClosed);
  Action reopen;
  reopen.incident_id = id_;
  reopen.type = ActionType::kReopen;
  EXPECT_EQ(restarted.Act(reopen, kT0, &stored).code, ActionOutcome::Code::kConflict);
}

}  // namespace
}  // namespace ab::testing

namespace ab::testing {
namespace {

// An alert a person resolved keeps firing in that incident across a restart: the restored engine
// still knows it belongs there, so Alertmanager's repeat joins nothing newer.
TEST_F(EngineTest, AnAlertKeepsFiringInTheIncidentAPersonResolvedAcrossARestart) {
  SetRules({MakeRule("checkout", "service=\"checkout\"", {"service"})});
  Changes all = Ingest({Firing(kA)}, kT0);
  Action resolve;
  resolve.incident_id = 1;
  resolve.type = ActionType::kResolve;
  all.Merge(engine_->Act(resolve, kT0 + minutes(1)).changes);
  Changes second = Ingest({Firing(kB)}, kT0 + hours(1));  // a new occurrence
  ASSERT_EQ(EventNames(second), Names{"declared"});
  all.Merge(std::move(second));
  std::map<uint64_t, TrackedAlert> latest;
  for (const TrackedAlert& a : all.alerts) latest[a.alert.fingerprint] = a;
  std::vector<TrackedAlert> rows;
  for (const auto& [fp, a] : latest) rows.push_back(a);

  Engine restarted(rules_);
  restarted.Restore(rows, Stored(all));
  ASSERT_NE(restarted.FindIncident(1), nullptr) << "it still holds a firing alert";
  Changes repeat = restarted.Ingest({Firing(kA)}, kT0 + hours(2));
  EXPECT_TRUE(repeat.events.empty());
  EXPECT_EQ(restarted.FindIncident(2)->alerts_total, 1);
  EXPECT_EQ(restarted.FindIncident(1)->alerts_firing, 1);
  // Once it stops firing there, the older occurrence is let go of, its count true in its row.
  Changes ended = restarted.Ingest({Resolved(kA)}, kT0 + hours(3));
  ASSERT_NE(Row(ended, 1), nullptr);
  EXPECT_EQ(Row(ended, 1)->alerts_firing, 0);
  EXPECT_EQ(restarted.FindIncident(1), nullptr);
}

}  // namespace
}  // namespace ab::testing
