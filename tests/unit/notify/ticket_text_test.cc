// The parts of ticket text that do not need a vendor: reading the event back, cutting at line
// boundaries, links, event markers and receiver templates.
#include "notify/ticket/ticket_text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "notify/jira/jira_settings.h"
#include "notify/text/utf8.h"
#include "notify/ticket/markup.h"
#include "ticket_test_util.h"

namespace ab {
namespace {

using ::testing::HasSubstr;
using testing::IncidentScript;
using ::testing::Not;

IncidentEvent Parsed(const OutboxEntry& e) {
  Result<IncidentEvent> ev = ParseIncidentEvent(e.payload);
  EXPECT_TRUE(ev.ok()) << ev.error().message;
  return ev.ok() ? *ev : IncidentEvent{};
}

TEST(IncidentEvent, ReadsTheEnvelopeAndTheOccurrence) {
  IncidentScript inc;
  inc.key = "ab-abcdefghijklmnop-3";
  const IncidentEvent ev = Parsed(inc.Event(EventType::kSeverityChanged));
  EXPECT_EQ(ev.id, "ab-abcdefghijklmnop-3.1");
  EXPECT_EQ(ev.type, EventType::kSeverityChanged);
  EXPECT_EQ(ev.occurrence, 3);
  EXPECT_EQ(ev.PreviousKey(), "ab-abcdefghijklmnop-2");
  EXPECT_EQ(ev.priority, Severity::SEV2);
  EXPECT_EQ(ev.state, IncidentState::kDeclared);
  EXPECT_EQ(ev.team, "payments");
  EXPECT_EQ(ev.commander, "alice");
  EXPECT_THAT(ev.accounts, ::testing::ElementsAre("globex"));
  EXPECT_EQ(ev.url, "http://alertbridge.example:9095/api/v1/incidents/42");
  EXPECT_EQ(Parsed(IncidentScript{}.Event(EventType::kDeclared)).PreviousKey(), "");
}

TEST(IncidentEvent, NamesWhatIsWrongWithABadPayload) {
  auto error = [](const std::string& payload) {
    Result<IncidentEvent> ev = ParseIncidentEvent(payload);
    return ev.ok() ? std::string("ok") : ev.error().message;
  };
  EXPECT_EQ(error("not json"), "event payload is not a JSON object");
  EXPECT_EQ(error(R"({"id": "k-1.1", "type": "declared"})"),
            "event payload has no \"incident\" object");
  const std::string inc =
      R"("incident": {"key": "ab-x-1", "state": "declared", "priority": "SEV2"})";
  EXPECT_EQ(error(R"({"id": "ab-x-1.1", "type": "exploded", )" + inc + "}"),
            "type \"exploded\" is not an event type");
  EXPECT_EQ(error(R"({"id": "other.1", "type": "declared", )" + inc + "}"),
            "id \"other.1\" is not <incident key>_<seq>");
  EXPECT_EQ(error(R"({"id": "ab-x.1", "type": "declared", "incident": {"key": "ab-x"}})"),
            "incident.key \"ab-x\" does not end in -<occurrence>");
  EXPECT_EQ(error(R"({"id": "ab-x-1.1", "type": "declared", "incident": {"key": "ab-x-1",
                "state": "declared", "priority": "P1"}})"),
            "incident.priority \"P1\" is not SEV1..SEV5");
  EXPECT_EQ(error(R"({"id": "ab-x-1.1", "type": "declared", )" + inc + "}"), "ok");
}

TEST(TicketMarkup, CutsWholeLinesAndSaysSo) {
  const std::string text = "first line\nsecond line\nthird line";
  EXPECT_EQ(CutLines(text, 100, "(cut)", TextFormat::kJiraWiki), text);
  EXPECT_EQ(CutLines(text, 29, "(cut)", TextFormat::kJiraWiki), "first line\nsecond line\n(cut)");
  EXPECT_EQ(CutLines(text, 20, "(cut)", TextFormat::kJiraWiki), "first line\n(cut)");
  // A first line that alone is too long is cut inside, never inside an escape.
  const std::string escaped = "abc\\*def\\*ghi\nnext";
  const std::string cut = CutLines(escaped, 5, "", TextFormat::kJiraWiki);
  EXPECT_LE(CountCodePoints(cut), 5u);
  EXPECT_NE(cut.back(), '\\');
}

TEST(TicketMarkup, OneLineDropsControlCharactersAndCutsOnCharacters) {
  EXPECT_EQ(OneLine("  a\tb\r\n\n c  ", 100), "a b c");
  EXPECT_EQ(OneLine("ééééé", 3), "éé…");
}

TEST(TicketMarkup, OnlyHttpUrlsAreLinkedAndNothingEndsTheLinkEarly) {
  EXPECT_EQ(SafeUrl("javascript:alert(1)"), "");
  EXPECT_EQ(SafeUrl("/relative"), "");
  EXPECT_EQ(SafeUrl("https://x/a b|c](d)"), "https://x/a%20b%7Cc%5D%28d%29");
  EXPECT_EQ(SafeUrl("HTTP://X/ok?q=1&r=2"), "HTTP://X/ok?q=1&r=2");
}

TEST(TicketMarkup, EventMarkersDoNotMatchALongerSequence) {
  EXPECT_TRUE(HasEventMarker("x\nalertbridge event ab-k-1.5", "ab-k-1.5"));
  EXPECT_TRUE(HasEventMarker("<!-- alertbridge event ab-k-1.5 -->", "ab-k-1.5"));
  EXPECT_FALSE(HasEventMarker("alertbridge event ab-k-1.50", "ab-k-1.5"));
  EXPECT_TRUE(
      HasEventMarker("alertbridge event ab-k-1.50\nalertbridge event ab-k-1.5", "ab-k-1.5"));
  EXPECT_FALSE(HasEventMarker("ab-k-1.5", "ab-k-1.5"));
}

TEST(TicketWording, TemplatesReplaceTitleAndBodyWithEscapedValues) {
  ReceiverConfig c;
  c.name = "jira-ops";
  c.templates = {{"title", "[{{severity}}] {{title}}"},
                 {"body", "Owner: {{owner.team}}\n{{summary}}"}};
  auto w = TicketWording::Make(c, TextFormat::kJiraWiki, {255, 32'767, 32'767});
  ASSERT_TRUE(w.ok()) << w.error().message;
  IncidentScript inc;
  inc.title = "db *down*\nnow";
  inc.summary = "see [~admin]";
  const IncidentEvent ev = Parsed(inc.Event(EventType::kDeclared));
  EXPECT_EQ(w->Title(ev), "[SEV2] db *down* now");  // titles are plain text
  const std::string body = w->Body(ev, TicketLink{"OPS-1", "https://j/browse/OPS-1"});
  EXPECT_THAT(body, HasSubstr("Owner: payments\nsee \\[\\~admin\\]"));
  EXPECT_THAT(body, HasSubstr("*Follows:* [OPS\\-1|https://j/browse/OPS-1]"));
  EXPECT_THAT(body, Not(HasSubstr("Opened by alertbridge")));

  c.templates = {{"title", "{{#title}}unclosed"}};
  auto bad = TicketWording::Make(c, TextFormat::kJiraWiki, {255, 32'767, 32'767});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, HasSubstr("receiver \"jira-ops\": templates.title: "));
}

TEST(TicketWording, CommentsKeepTheirMarkerWhenCut) {
  ReceiverConfig c;
  auto w = TicketWording::Make(c, TextFormat::kGithubMarkdown, {256, 200, 200});
  ASSERT_TRUE(w.ok());
  IncidentScript inc;
  inc.commander = std::string(500, 'c');
  const IncidentEvent ev = Parsed(inc.Event(EventType::kAcknowledged));
  const std::string comment = w->Comment(ev, EventHeadline(ev));
  EXPECT_LE(CountCodePoints(comment), 200u);
  EXPECT_TRUE(HasEventMarker(comment, ev.id)) << comment;
}

TEST(TicketNotifier, AnUnreadablePayloadIsPermanent) {
  ReceiverConfig c;
  c.name = "jira-ops";
  c.type = "jira";
  c.url = Secret("http://127.0.0.1:9");
  auto s = std::make_shared<JiraSettings>();
  s->auth.token = Secret("literal-token");
  s->project = "OPS";
  s->issue_type = "Task";
  c.settings = s;
  auto n = testing::BuildNotifier(c);
  ASSERT_NE(n, nullptr);
  OutboxEntry e;
  e.payload = "{}";
  SendResult r = n->Send(e, {SystemClock().now(), {}});
  EXPECT_EQ(r.kind, SendResult::Kind::kPermanent);
  EXPECT_EQ(r.reason, "receiver \"jira-ops\": event payload has no \"incident\" object");
}

}  // namespace
}  // namespace ab
