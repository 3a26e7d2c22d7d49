#include <gtest/gtest.h>

#include "config/receiver_templates.h"
#include "event_fixture.h"
#include "notify/text/template.h"

namespace ab {
namespace {

using testing::EntryFor;
using testing::SampleIncident;

EventView View(const Incident& inc, EventType type = EventType::kDeclared) {
  auto v = EventView::Parse(EntryFor(inc, type, 1).payload);
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().message);
  return std::move(v).value();
}

std::string Render(std::string_view text, const EventView& v, TextFormat f) {
  auto t = Template::Compile(text);
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().message);
  return t.ok() ? t->Render(v, f) : "";
}

TEST(EventView, ReadsTheEnvelope) {
  Incident inc = SampleIncident();
  EventView v = View(inc, EventType::kAcknowledged);
  EXPECT_EQ(v.event_type(), "acknowledged");
  EXPECT_EQ(v.event_id(), inc.key + "_1");
  EXPECT_EQ(v.key(), inc.key);
  EXPECT_EQ(v.title(), "checkout degraded in eu-1");
  EXPECT_EQ(v.severity(), "SEV1");
  EXPECT_EQ(v.team(), "payments");
  EXPECT_EQ(v.commander(), "alice");
  EXPECT_EQ(v.link(), "https://ab.example/api/v1/incidents/42");
  EXPECT_EQ(v.Field("id"), "42");
  EXPECT_EQ(v.group().Get("cluster"), "eu-1");
  EXPECT_EQ(v.labels().Get("service"), "checkout");  // falls back to the group labels
  EXPECT_TRUE(v.accounts().empty());
}

TEST(EventView, RejectsPayloadsWithoutAnIncident) {
  EXPECT_FALSE(EventView::Parse("not json").ok());
  EXPECT_FALSE(EventView::Parse("[1]").ok());
  auto r = EventView::Parse(R"({"version":"1","type":"declared"})");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("incident"), std::string::npos);
}

TEST(EventView, ReadsLabelsAnnotationsAccountsAndWebUrlWhenPresent) {
  auto v = EventView::Parse(R"({"type":"declared","incident":{
      "group":{"service":"a"}, "labels":{"service":"a","env":"prod"},
      "annotations":{"summary":"s"}, "accounts":["acme", {"name":"globex","tier":"gold"}, 3],
      "url":"https://x/api/v1/incidents/1", "web_url":"https://x/incidents/1"}})");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->labels().Get("env"), "prod");
  EXPECT_EQ(v->annotations().Get("summary"), "s");
  EXPECT_EQ(v->accounts(), (std::vector<std::string>{"acme", "globex"}));
  EXPECT_EQ(v->link(), "https://x/incidents/1");
}

TEST(Template, RendersTheViewNames) {
  Incident inc = SampleIncident();
  EventView v = View(inc, EventType::kSeverityChanged);
  EXPECT_EQ(Render("[{{severity}}] {{title}} ({{owner.team}}/{{owner.commander}})", v,
                   TextFormat::kPlain),
            "[SEV1] checkout degraded in eu-1 (payments/alice)");
  EXPECT_EQ(Render("{{event.verb}}: {{labels.service}}@{{group.cluster}} #{{incident.id}} "
                   "{{incident.base_severity}} {{key}}",
                   v, TextFormat::kPlain),
            "severity changed: checkout@eu-1 #42 SEV2 " + inc.key);
  EXPECT_EQ(Render("{{#event.is_severity_changed}}up{{/event.is_severity_changed}}"
                   "{{#event.is_resolved}}down{{/event.is_resolved}}",
                   v, TextFormat::kPlain),
            "up");
  EXPECT_EQ(Render("{{#runbook}}RB {{runbook}}{{/runbook}}{{^annotations.x}}-{{/annotations.x}}", v,
                   TextFormat::kPlain),
            "RB https://wiki.example/runbooks/checkout-");
}

TEST(Template, EscapesEveryValueForTheTargetAndNeverTwice) {
  Incident inc = SampleIncident();
  inc.title = "<!channel> & <@U1>";
  EventView v = View(inc);
  // {{x}}, {{{x}}} and {{&x}} all give the value escaped once for the target.
  for (const char* t : {"{{title}}", "{{{title}}}", "{{& title}}"}) {
    EXPECT_EQ(Render(t, v, TextFormat::kSlackMrkdwn), "&lt;!channel&gt; &amp; &lt;@U1&gt;") << t;
    EXPECT_EQ(Render(t, v, TextFormat::kPlain), "<!channel> & <@U1>") << t;
  }
  // Template text itself is trusted markup and passes through.
  EXPECT_EQ(Render("<{{link}}|{{title}}>", v, TextFormat::kSlackMrkdwn),
            "<https://ab.example/api/v1/incidents/42|&lt;!channel&gt; &amp; &lt;@U1&gt;>");
  inc.title = "say \"hi\"\n";
  EXPECT_EQ(Render(R"({"t":"{{title}}"})", View(inc), TextFormat::kJsonString),
            R"({"t":"say \"hi\"\n"})");
}

TEST(Template, ReportsErrorsWithLineAndColumn) {
  auto t = Template::Compile("ok\n  {{titel}}");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().message.rfind("line 2, column 3: unknown name \"titel\"", 0), 0u)
      << t.error().message;
  EXPECT_FALSE(Template::Compile("{{#title}}").ok());
}

TEST(Template, ViewProvidesEveryDeclaredRoot) {
  // Every root config accepts must exist in the view (else a template that passed `check`
  // renders nothing).
  Incident inc = SampleIncident();
  EventView v = View(inc);
  for (std::string_view root : ReceiverTemplateNames().roots) {
    const std::string t = "{{#" + std::string(root) + "}}y{{/" + std::string(root) + "}}" + "{{^" +
                          std::string(root) + "}}n{{/" + std::string(root) + "}}";
    const std::string out = Render(t, v, TextFormat::kPlain);
    if (root == "accounts" || root == "annotations" || root == "account_names") continue;
    EXPECT_EQ(out, "y") << root;
  }
}

}  // namespace
}  // namespace ab
