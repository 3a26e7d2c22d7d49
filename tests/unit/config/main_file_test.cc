#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../config/config_test_util.h"
#include "config/config.h"

namespace ab {
namespace {

using ::ab::testing::ErrorStrings;
using ::ab::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

std::string DurationError(const std::string& text) {
  Result<Duration> d = ParseDuration(text);
  EXPECT_FALSE(d.ok()) << text << " should not parse";
  return d.ok() ? "" : d.error().message;
}

TEST(MainFileTest, ParsesEveryKeyAndResolvesPathsAgainstItsFolder) {
  TempDir dir;
  dir.Write("etc/my-rules/a.yml", "rules:\n  - {name: a, match: ['x=\"1\"'], receivers: [out]}\n");
  dir.Write("etc/extra.yml", "rules:\n  - {name: b, match: ['x=\"2\"']}\n");
  dir.Write("etc/my-receivers/out.yml", "receivers:\n  - {name: out, type: console}\n");
  dir.Write("etc/tls/cert.pem", "not parsed at load\n");
  dir.Write("etc/tls/key.pem", "not parsed at load\n");
  std::string file = dir.Write("etc/alertbridge.yml", R"(listen: 0.0.0.0:9095
external_url: https://alertbridge.example/
storage: {sqlite: {path: db/ab.db}}
rules: [my-rules/, extra.yml]
receivers: [my-receivers/]
sources:
  - name: grafana
    type: webhook
    auth: {hmac_sha256: {secret: env:GRAFANA_SECRET, header: X-Grafana-Signature}}
    mapping:
      alerts: /alerts
      status: {pointer: /status, firing: [alerting], resolved: [ok, normal]}
      labels: {alertname: /labels/alertname, service: /labels/service}
      annotations: {summary: /annotations/summary}
      fingerprint: /fingerprint
      starts_at: /startsAt
      ends_at: /endsAt
    stale_after: 2h
  - name: prom
    type: alertmanager
    auth: {bearer_token: file:/run/secrets/am}
server:
  max_connections: 100
  max_header_bytes: 8192
  max_body_bytes: 1048576
  header_timeout: 5s
  body_timeout: 20s
  idle_timeout: 1m
  threads: 4
  max_connections_per_client: 20
  management_listen: 127.0.0.1:9096
  tls: {cert_file: tls/cert.pem, key_file: tls/key.pem}
  limits:
    alerts_per_request: 500
    labels_per_alert: 50
    annotations_per_alert: 40
    label_name_bytes: 100
    label_value_bytes: 1000
    annotation_bytes: 10000
    json_depth: 16
    queued_bytes: 1000000
log: {format: json, level: debug}
api:
  tokens:
    - {name: oncall-ui, token: env:UI_TOKEN, role: write}
    - {name: grafana, token: file:/run/secrets/grafana, role: read}
)");
  LoadResult r = LoadConfig(file);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(ErrorStrings(r));
  const Config& c = r.config;
  const std::string etc = dir.Path("etc/");
  EXPECT_EQ(c.config_file, file);
  EXPECT_EQ(c.server.listen, "0.0.0.0:9095");
  EXPECT_EQ(c.external_url, "https://alertbridge.example");
  EXPECT_EQ(c.sqlite_path, etc + "db/ab.db");
  EXPECT_THAT(c.rule_paths, ElementsAre(etc + "my-rules/", etc + "extra.yml"));
  EXPECT_THAT(c.receiver_paths, ElementsAre(etc + "my-receivers/"));
  ASSERT_EQ(c.rules.size(), 2u);
  EXPECT_EQ(c.rules[0].name, "a");
  EXPECT_EQ(c.rules[1].name, "b");
  ASSERT_EQ(c.receivers.size(), 1u);

  ASSERT_EQ(c.sources.size(), 3u);
  const SourceConfig* am = c.FindSource("alertmanager");
  ASSERT_NE(am, nullptr);
  EXPECT_EQ(am->type, "alertmanager");
  const SourceConfig* grafana = c.FindSource("grafana");
  ASSERT_NE(grafana, nullptr);
  EXPECT_EQ(grafana->type, "webhook");
  EXPECT_FALSE(grafana->auth.bearer_token.has_value());
  ASSERT_TRUE(grafana->auth.hmac_sha256.has_value());
  EXPECT_EQ(grafana->auth.hmac_sha256->secret.ref(), "env:GRAFANA_SECRET");
  EXPECT_EQ(grafana->auth.hmac_sha256->header, "X-Grafana-Signature");
  const WebhookMapping& m = grafana->mapping;
  EXPECT_EQ(m.alerts, JsonPointer("/alerts"));
  ASSERT_TRUE(m.status.has_value());
  EXPECT_EQ(m.status->pointer, "/status");
  EXPECT_THAT(m.status->firing, ElementsAre("alerting"));
  EXPECT_THAT(m.status->resolved, ElementsAre("ok", "normal"));
  EXPECT_EQ(m.labels_from, std::nullopt);
  EXPECT_EQ(m.labels, (std::map<std::string, MappedValue>{{"alertname", "/labels/alertname"},
                                                          {"service", "/labels/service"}}));
  EXPECT_EQ(m.annotations,
            (std::map<std::string, MappedValue>{{"summary", "/annotations/summary"}}));
  EXPECT_EQ(m.fingerprint, MappedValue("/fingerprint"));
  EXPECT_EQ(m.starts_at, JsonPointer("/startsAt"));
  EXPECT_EQ(m.ends_at, JsonPointer("/endsAt"));
  EXPECT_EQ(m.labels.at("alertname").pointer.tokens(),
            (std::vector<std::string>{"labels", "alertname"}))
      << "split into tokens once, at load";
  EXPECT_EQ(grafana->stale_after, Duration(2 * 3'600'000));
  EXPECT_EQ(grafana->location.line, 7);
  const SourceConfig* prom = c.FindSource("prom");
  ASSERT_NE(prom, nullptr);
  ASSERT_TRUE(prom->auth.bearer_token.has_value());
  EXPECT_EQ(prom->auth.bearer_token->ref(), "file:/run/secrets/am");
  EXPECT_EQ(prom->stale_after, Duration(9 * 3'600'000));
  EXPECT_EQ(c.FindSource("nope"), nullptr);

  EXPECT_EQ(c.server.max_connections, 100u);
  EXPECT_EQ(c.server.max_header_bytes, 8192u);
  EXPECT_EQ(c.server.max_body_bytes, 1048576u);
  EXPECT_EQ(c.server.header_timeout, Duration(5000));
  EXPECT_EQ(c.server.body_timeout, Duration(20'000));
  EXPECT_EQ(c.server.idle_timeout, Duration(60'000));
  EXPECT_EQ(c.server.threads, 4);
  EXPECT_EQ(c.server.max_connections_per_client, 20u);
  EXPECT_EQ(c.server.management_listen, "127.0.0.1:9096");
  ASSERT_TRUE(c.server.tls.has_value());
  EXPECT_EQ(c.server.tls->cert_file, etc + "tls/cert.pem");
  EXPECT_EQ(c.server.tls->key_file, etc + "tls/key.pem");
  EXPECT_EQ(c.server.limits.alerts_per_request, 500u);
  EXPECT_EQ(c.server.limits.labels_per_alert, 50u);
  EXPECT_EQ(c.server.limits.annotations_per_alert, 40u);
  EXPECT_EQ(c.server.limits.label_name_bytes, 100u);
  EXPECT_EQ(c.server.limits.label_value_bytes, 1000u);
  EXPECT_EQ(c.server.limits.annotation_bytes, 10000u);
  EXPECT_EQ(c.server.limits.json_depth, 16u);
  EXPECT_EQ(c.server.limits.queued_bytes, 1000000u);
  EXPECT_EQ(c.log_format, "json");
  EXPECT_EQ(c.log_level, "debug");
  ASSERT_EQ(c.api.tokens.size(), 2u);
  EXPECT_EQ(c.api.tokens[0].name, "oncall-ui");
  EXPECT_EQ(c.api.tokens[0].token.ref(), "env:UI_TOKEN");
  EXPECT_EQ(c.api.tokens[0].role, ApiRole::kWrite);
  EXPECT_EQ(c.api.tokens[1].name, "grafana");
  EXPECT_EQ(c.api.tokens[1].role, ApiRole::kRead);
  EXPECT_FALSE(c.api.insecure_listen);
}

TEST(MainFileTest, ApiTokensAreCheckedAndNeverInline) {
  TempDir dir;
  std::string file = dir.Write("alertbridge.yml", R"(api:
  tokens:
    - {name: ui, token: hunter2-inline-value, role: write}
    - {name: ui2, token: env:T2, role: admin}
    - {name: "has space", token: env:T3, role: read}
    - {name: ui4, role: read}
    - {name: dup, token: env:T5, role: read}
    - {name: dup, token: env:T6, role: write}
  insecure_listen: maybe
)");
  LoadResult r = LoadConfig(file);
  const std::string f = file + ":";
  EXPECT_THAT(ErrorStrings(r),
              ElementsAre(f + "3:25: token: write it as env:NAME or file:/path, not inline",
                          f + "4:40: role: expected one of read, write, got \"admin\"",
                          f + "5:14: name: \"has space\" must be 1-64 letters, digits, _, - or .",
                          f + "6:7: missing required key \"token\"",
                          f + "8:14: duplicate token name \"dup\" (first defined at " + f + "7:7)",
                          f + "9:20: api.insecure_listen: expected true or false, got \"maybe\""));
  for (const ConfigError& e : r.errors) EXPECT_THAT(e.message, Not(HasSubstr("hunter2")));
}

TEST(MainFileTest, RefusesAnOpenApiBeyondLoopback) {
  TempDir dir;
  std::string open = dir.Write("open.yml", "listen: 0.0.0.0:9095\n");
  EXPECT_THAT(ErrorStrings(LoadConfig(open)),
              ElementsAre(HasSubstr(open + ":1:9: listen 0.0.0.0:9095 is not a loopback address "
                                           "and the API has no tokens")));
  for (const char* loopback : {"127.0.0.1:9095", "127.1.2.3:1", "localhost:9095", "[::1]:9095"}) {
    std::string f = dir.Write("loop.yml", std::string("listen: \"") + loopback + "\"\n");
    EXPECT_TRUE(LoadConfig(f).ok()) << loopback;
  }
  for (const char* exposed : {":9095", "[::]:9095", "10.0.0.1:9095", "127.0.0.1.example:1"}) {
    std::string f = dir.Write("exposed.yml", std::string("listen: \"") + exposed + "\"\n");
    EXPECT_FALSE(LoadConfig(f).ok()) << exposed;
  }
  std::string insecure =
      dir.Write("insecure.yml", "listen: 0.0.0.0:9095\napi: {insecure_listen: true}\n");
  EXPECT_TRUE(LoadConfig(insecure).ok());
  std::string tokens = dir.Write(
      "tokens.yml", "listen: 0.0.0.0:9095\napi: {tokens: [{name: a, token: env:A, role: read}]}\n");
  EXPECT_TRUE(LoadConfig(tokens).ok());
  // The management listener serves the same routes: the same rule.
  std::string management = dir.Write(
      "management.yml", "listen: 127.0.0.1:9095\nserver: {management_listen: \"0.0.0.0:9096\"}\n");
  EXPECT_THAT(ErrorStrings(LoadConfig(management)),
              ElementsAre(HasSubstr(
                  management + ":2:29: server.management_listen 0.0.0.0:9096 is not a loopback "
                               "address and the API has no tokens")));
  std::string management_loop =
      dir.Write("management-loop.yml",
                "listen: 127.0.0.1:9095\nserver: {management_listen: \"[::1]:9096\"}\n");
  EXPECT_TRUE(LoadConfig(management_loop).ok());
}

TEST(MainFileTest, SourcesTakeBasicAuth) {
  TempDir dir;
  std::string file = dir.Write("alertbridge.yml", R"(sources:
  - name: alertmanager
    type: alertmanager
    auth: {basic: {user: env:AM_USER, password: file:/run/secrets/am}}
  - name: half
    type: alertmanager
    auth: {basic: {user: env:U}}
  - name: two
    type: alertmanager
    auth: {basic: {user: env:U, password: env:P}, bearer_token: env:T}
)");
  LoadResult r = LoadConfig(file);
  const std::string f = file + ":";
  EXPECT_THAT(ErrorStrings(r),
              ElementsAre(f + "7:19: missing required key \"auth.basic.password\"",
                          f + "10:12: auth: bearer_token and basic are exclusive; choose one"));
  const SourceConfig* am = r.config.FindSource("alertmanager");
  ASSERT_NE(am, nullptr);
  ASSERT_TRUE(am->auth.basic.has_value());
  EXPECT_EQ(am->auth.basic->user.ref(), "env:AM_USER");
  EXPECT_EQ(am->auth.basic->password.ref(), "file:/run/secrets/am");
}

TEST(MainFileTest, EmptyFileGivesDefaultsBesideIt) {
  TempDir dir;
  std::string file = dir.Write("alertbridge.yml", "# nothing set\n");
  dir.Write("rules/r.yml", "rules:\n  - {name: r, match: ['a=\"b\"']}\n");
  LoadResult r = LoadConfig(file);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(ErrorStrings(r));
  const Config defaults;
  EXPECT_EQ(r.config.server.listen, defaults.server.listen);
  EXPECT_EQ(r.config.external_url, defaults.external_url);
  EXPECT_EQ(r.config.sqlite_path, dir.Path("data/alertbridge.db"));
  EXPECT_THAT(r.config.rule_paths, ElementsAre(dir.Path("rules/")));
  ASSERT_EQ(r.config.rules.size(), 1u);  // rules/ beside the file; receivers/ missing is fine
  ASSERT_EQ(r.config.sources.size(), 1u);
  EXPECT_EQ(r.config.sources[0].name, "alertmanager");
  EXPECT_EQ(r.config.sources[0].type, "alertmanager");
  EXPECT_EQ(r.config.log_format, "logfmt");
}

TEST(MainFileTest, ReportsEveryErrorOfAFileAtOnce) {
  TempDir dir;
  std::string file = dir.Write("alertbridge.yml", R"(listen: nonsense
external_url: ftp://x
storage: {sqlite: {path: ""}}
rules: [missing-dir/]
sources:
  - name: hook
    type: webhook
    mapping:
      labels: {alertname: labels/alertname, 1x: /a}
  - name: nolabels
    type: webhook
  - name: alertmanager
    type: webhook
    mapping: {labels: {a: /a}}
  - name: both
    type: alertmanager
    auth: {bearer_token: env:T, hmac_sha256: {secret: env:S}}
    stale_after: soon
server: {threads: abc, max_connections: [1]}
log: {format: xml}
)");
  LoadResult r = LoadConfig(file);
  const std::string f = file + ":";
  EXPECT_THAT(
      ErrorStrings(r),
      ElementsAre(
          f + "1:9: listen: expected host:port, got \"nonsense\"",
          f + "2:15: external_url: expected an http:// or https:// URL, got \"ftp://x\"",
          f + "3:26: storage.sqlite.path: must not be empty",
          f + "4:9: no such file or folder: " + dir.Path("missing-dir/"),
          f + "9:27: mapping.labels.alertname: \"labels/alertname\" is not a JSON pointer (RFC "
              "6901: empty or starting with \"/\", \"~\" only as ~0 or ~1)",
          f + "9:45: mapping.labels: \"1x\" is not a valid label name",
          f + "10:5: a webhook source needs mapping.labels: an object to import (labels: "
              "/labels) or at least one label",
          f + "13:11: type: the source named alertmanager must have type alertmanager",
          f + "17:33: auth: bearer_token and hmac_sha256 are exclusive; choose one",
          f + "18:18: stale_after: " + DurationError("soon"),
          f + "19:19: server.threads: expected an integer, got \"abc\"",
          f + "19:41: server.max_connections: expected an integer, got a list",
          f + "20:15: log.format: expected one of logfmt, json, got \"xml\""));
}

TEST(MainFileTest, ReadsEveryFormOfAWebhookMapping) {
  TempDir dir;
  std::string file = dir.Write("alertbridge.yml", R"(sources:
  - name: imported
    type: webhook
    mapping:
      alerts: /alerts
      labels: /labels
      annotations: /annotations
      fingerprint: {pointer: /fingerprint, default: ""}
  - name: overridden
    type: webhook
    mapping:
      labels_from: /labels
      labels:
        severity: /level
        team: {pointer: /owner/team, default: unowned}
      annotations_from: /annotations
)");
  LoadResult r = LoadConfig(file);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(ErrorStrings(r));
  const WebhookMapping& imported = r.config.FindSource("imported")->mapping;
  EXPECT_EQ(imported.labels_from, JsonPointer("/labels"));
  EXPECT_TRUE(imported.labels.empty());
  EXPECT_EQ(imported.annotations_from, JsonPointer("/annotations"));
  EXPECT_EQ(imported.fingerprint, MappedValue("/fingerprint", ""));
  const WebhookMapping& overridden = r.config.FindSource("overridden")->mapping;
  EXPECT_EQ(overridden.labels_from, JsonPointer("/labels"));
  EXPECT_EQ(overridden.labels,
            (std::map<std::string, MappedValue>{{"severity", "/level"},
                                                {"team", MappedValue("/owner/team", "unowned")}}));
  EXPECT_EQ(overridden.annotations_from, JsonPointer("/annotations"));
}

TEST(MainFileTest, ReportsMappingAndServerMistakes) {
  TempDir dir;
  std::string file = dir.Write("alertbridge.yml", R"(sources:
  - name: twice
    type: webhook
    mapping:
      labels: /labels
      labels_from: /other
      fingerprint: {default: x}
  - name: badform
    type: webhook
    mapping:
      labels: {a: {pointer: /a, fallback: x}, b: {pointer: b}}
server:
  management_listen: nowhere
  tls: {cert_file: missing.pem}
  limits: {json_depth: 2, alerts_per_request: 0, bogus: 1}
)");
  LoadResult r = LoadConfig(file);
  const std::string f = file + ":";
  EXPECT_THAT(
      ErrorStrings(r),
      ElementsAre(
          f + "6:7: labels_from: labels already names the object to import; choose one",
          f + "7:20: missing required key \"mapping.fingerprint.pointer\"",
          f + "11:33: unknown key \"mapping.labels.a.fallback\" (valid: pointer, default)",
          f + "11:60: mapping.labels.b.pointer: \"b\" is not a JSON pointer (RFC 6901: empty or "
              "starting with \"/\", \"~\" only as ~0 or ~1)",
          f + "13:22: server.management_listen: expected host:port, got \"nowhere\"",
          f + "14:8: missing required key \"server.tls.key_file\"",
          f + "14:20: server.tls.cert_file: no such file: " + dir.Path("missing.pem"),
          f + "15:24: server.limits.json_depth: must be at least 4, got 2",
          f + "15:47: server.limits.alerts_per_request: must be at least 1, got 0",
          f + "15:50: unknown key \"server.limits.bogus\" (valid: alerts_per_request, "
              "labels_per_alert, annotations_per_alert, label_name_bytes, label_value_bytes, "
              "annotation_bytes, json_depth, queued_bytes)"));
}

TEST(MainFileTest, RejectsUnknownAndDuplicateKeys) {
  TempDir dir;
  std::string file = dir.Write("alertbridge.yml", R"(listen: 127.0.0.1:9095
lisen: 127.0.0.1:9096
server:
  threads: 2
  threads: 3
listen: 127.0.0.1:9097
severitys: {SEV1: {ack_within: 5m}}
)");
  LoadResult r = LoadConfig(file);
  const std::string f = file + ":";
  const std::string valid =
      " (valid: listen, external_url, storage, rules, receivers, accounts, sources, server, log, "
      "api, severities, silences, retention, instance_id)";
  EXPECT_THAT(ErrorStrings(r),
              ElementsAre(f + "2:1: unknown key \"lisen\"" + valid,
                          f + "5:3: duplicate key \"server.threads\" (first at 4:3)",
                          f + "6:1: duplicate key \"listen\" (first at 1:1)",
                          f + "7:1: unknown key \"severitys\"" + valid));
  // The first of duplicated keys is the one kept.
  EXPECT_EQ(r.config.server.listen, "127.0.0.1:9095");
  EXPECT_EQ(r.config.server.threads, 2);
}

TEST(MainFileTest, ReportsYamlSyntaxErrorAtItsMark) {
  TempDir dir;
  std::string file = dir.Write("alertbridge.yml", "listen: 127.0.0.1:9095\nrules: [a\nlog: 1\n");
  LoadResult r = LoadConfig(file);
  ASSERT_EQ(r.errors.size(), 1u) << ::testing::PrintToString(ErrorStrings(r));
  EXPECT_EQ(r.errors[0].file, file);
  EXPECT_EQ(r.errors[0].line, 3);
  EXPECT_EQ(r.errors[0].col, 4);
  EXPECT_EQ(r.errors[0].message, "invalid YAML: end of sequence flow not found");
}

TEST(MainFileTest, ReportsNestingBombsInsteadOfOverflowingTheStack) {
  TempDir dir;
  std::string file =
      dir.Write("alertbridge.yml", "log: " + std::string(5000, '[') + std::string(5000, ']'));
  LoadResult r = LoadConfig(file);
  ASSERT_EQ(r.errors.size(), 1u) << ::testing::PrintToString(ErrorStrings(r));
  EXPECT_EQ(r.errors[0].line, 1);
  EXPECT_EQ(r.errors[0].message, "invalid YAML: nested more than 500 levels deep");
}

// Found by tests/fuzz/fuzz_config_yaml: yaml-cpp 0.7's LoadAll loops forever, allocating, on these
// (so `check` and `serve` hung on a mistyped file).
TEST(MainFileTest, ReportsInputTheYamlScannerCannotConsumeInsteadOfHanging) {
  TempDir dir;
  for (const char* text : {" , name: payments}]   # team\n", ","}) {
    std::string file = dir.Write("alertbridge.yml", text);
    LoadResult r = LoadConfig(file);
    ASSERT_EQ(r.errors.size(), 1u) << text << ::testing::PrintToString(ErrorStrings(r));
    EXPECT_EQ(r.errors[0].message, "invalid YAML: unexpected \",\"") << text;
  }
}

TEST(MainFileTest, RejectsASecondYamlDocument) {
  TempDir dir;
  std::string file = dir.Write("alertbridge.yml", "listen: 127.0.0.1:9095\n---\nlog: {}\n");
  EXPECT_THAT(ErrorStrings(LoadConfig(file)),
              ElementsAre(file + ":3:1: a file holds one YAML document; found a second one"));
}

TEST(MainFileTest, MissingConfigFileIsAnError) {
  TempDir dir;
  LoadResult r = LoadConfig(dir.Path("nope.yml"));
  EXPECT_THAT(ErrorStrings(r), ElementsAre(dir.Path("nope.yml") + ":0:0: config file does not "
                                                                  "exist"));
}

TEST(MainFileTest, ErrorsNeverShowSecretValues) {
  TempDir dir;
  std::string file = dir.Write("alertbridge.yml", R"(sources:
  - name: am2
    type: alertmanager
    auth: {bearer_token: [hunter2]}
  - name: am3
    type: alertmanager
    auth: {hmac_sha256: {secret: {value: hunter2}}}
  - name: am4
    type: alertmanager
    auth: {bearer_token: "env:hunter2 with spaces"}
)");
  LoadResult r = LoadConfig(file);
  const std::string f = file + ":";
  EXPECT_THAT(ErrorStrings(r),
              ElementsAre(f + "4:26: auth.bearer_token: expected a string (env:NAME, file:/path "
                              "or a value), got a list",
                          f + "7:34: auth.hmac_sha256.secret: expected a string (env:NAME, "
                              "file:/path or a value), got a map",
                          f + "10:26: auth.bearer_token: \"env:hunter2 with spaces\" is not a "
                              "valid environment variable reference"));
  // The last one shows a variable name, which is not secret; the others show nothing.
  EXPECT_THAT(r.errors[0].message, Not(HasSubstr("hunter2")));
  EXPECT_THAT(r.errors[1].message, Not(HasSubstr("hunter2")));
}

// CONTRACTS.md "Keys": the instance id the database keeps, overridden when a database moves.
TEST(MainFileTest, InstanceIdIsReadAndChecked) {
  TempDir dir;
  LoadResult none = LoadConfig(dir.Write("a.yml", "listen: 127.0.0.1:9095\n"));
  ASSERT_TRUE(none.ok()) << ::testing::PrintToString(ErrorStrings(none));
  EXPECT_EQ(none.config.instance_id, "") << "unset: the database's own";
  LoadResult set = LoadConfig(dir.Write("b.yml", "instance_id: prod-eu_1.a\n"));
  ASSERT_TRUE(set.ok()) << ::testing::PrintToString(ErrorStrings(set));
  EXPECT_EQ(set.config.instance_id, "prod-eu_1.a");
  const std::string bad = dir.Write("c.yml", "instance_id: prod eu\n");
  EXPECT_THAT(ErrorStrings(LoadConfig(bad)),
              ElementsAre(bad + ":1:14: instance_id: expected 1 to 64 letters, digits, '.', '_' "
                                "or '-', got \"prod eu\""));
  const std::string empty = dir.Write("d.yml", "instance_id: ''\n");
  EXPECT_EQ(ErrorStrings(LoadConfig(empty)).size(), 1u);
  const std::string long_id = dir.Write("e.yml", "instance_id: " + std::string(65, 'a') + "\n");
  EXPECT_EQ(ErrorStrings(LoadConfig(long_id)).size(), 1u);
}

}  // namespace
}  // namespace ab
