// The loaded configuration: alertbridge.yml + rules/*.yml + receivers/*.yml (+ accounts.yml),
// validated strictly.
// Every problem is collected as a ConfigError with file:line:col; loading never stops at the first.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/time.h"
#include "model/incident.h"
#include "rules/response_policy.h"
#include "rules/rule.h"
#include "rules/silence.h"

namespace ab {

struct ConfigError {
  std::string file;
  int line = 0;  // 1-based; 0 when the error is about the whole file
  int col = 0;
  std::string message;
  std::string ToString() const;  // "file:line:col: message"
};

// A secret written as `env:NAME` or `file:/path` (a literal is accepted too, for URLs that are not
// secret). Resolve() reads it; the reference, never the value, appears in errors and logs.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string ref) : ref_(std::move(ref)) {}
  bool empty() const { return ref_.empty(); }
  const std::string& ref() const { return ref_; }
  Result<std::string> Resolve() const;

 private:
  std::string ref_;
};

// How a source's senders prove who they are; at most one of the three.
struct SourceAuth {
  std::optional<Secret> bearer_token;
  struct Basic {  // HTTP Basic (Alertmanager's and Prometheus' basic_auth)
    Secret user;
    Secret password;
  };
  std::optional<Basic> basic;
  struct Hmac {
    Secret secret;
    std::string header = "X-Signature";
  };
  std::optional<Hmac> hmac_sha256;
};

// An RFC 6901 pointer, split into its unescaped tokens once, when the configuration is loaded,
// so that requests only walk the tokens. Implicit from text so mappings can be written as text;
// valid() says whether the text was a pointer ("" is the whole document).
class JsonPointer {
 public:
  JsonPointer() = default;
  JsonPointer(std::string_view text);  // NOLINT(google-explicit-constructor)
  JsonPointer(const char* text) : JsonPointer(std::string_view(text)) {}         // NOLINT
  JsonPointer(const std::string& text) : JsonPointer(std::string_view(text)) {}  // NOLINT

  const std::string& text() const { return text_; }
  const std::vector<std::string>& tokens() const { return tokens_; }
  bool valid() const { return valid_; }
  bool operator==(const JsonPointer& other) const { return text_ == other.text_; }

 private:
  std::string text_;
  std::vector<std::string> tokens_;
  bool valid_ = true;
};

// One mapped value of a generic webhook: where it is, and what it is when the sender left it out.
struct MappedValue {
  MappedValue() = default;
  MappedValue(JsonPointer p) : pointer(std::move(p)) {}  // NOLINT(google-explicit-constructor)
  MappedValue(const char* p) : pointer(p) {}             // NOLINT(google-explicit-constructor)
  MappedValue(JsonPointer p, std::string fallback_value)
      : pointer(std::move(p)), fallback(std::move(fallback_value)) {}

  JsonPointer pointer;
  // YAML `default:`, used when the pointer does not resolve or resolves to null. Without it a
  // missing label (or fingerprint) refuses the request with 422 naming the pointer: a label that
  // is silently absent would give the alert another identity. "" = no label.
  std::optional<std::string> fallback;
  bool operator==(const MappedValue&) const = default;
};

// How a generic webhook source maps its payload onto alerts (DESIGN.md §4, CONTRACTS.md "Generic
// webhook"). Pointers are relative to each element of the `alerts` array, or to the body.
struct WebhookMapping {
  std::optional<JsonPointer> alerts;  // the alerts array; none = the body is one alert
  struct StatusMap {
    JsonPointer pointer;
    std::vector<std::string> firing{"firing"};
    std::vector<std::string> resolved{"resolved"};
  };
  std::optional<StatusMap> status;  // none = every alert is firing
  // An object whose members all become labels (`labels: /labels` or `labels_from: /labels`); the
  // `labels` map then adds to or overrides them.
  std::optional<JsonPointer> labels_from;
  std::map<std::string, MappedValue> labels;  // label name -> value
  std::optional<JsonPointer> annotations_from;
  // Annotations do not make the identity: a missing one is simply absent.
  std::map<std::string, MappedValue> annotations;
  // The sender's identity of the alert. Used instead of the label fingerprint when mapped: 16 hex
  // digits are taken as a Prometheus label fingerprint (Grafana and Alertmanager send that, so
  // the same alert through Alertmanager is the same alert); other text is hashed with the source
  // name. `default: ""` falls back to the label fingerprint when the sender leaves it out.
  std::optional<MappedValue> fingerprint;
  std::optional<JsonPointer> starts_at;  // RFC 3339
  std::optional<JsonPointer> ends_at;    // RFC 3339
};

struct SourceConfig {
  std::string name;
  std::string type;  // "alertmanager" | "webhook"
  SourceAuth auth;
  WebhookMapping mapping;  // type webhook only
  Duration stale_after{9 * 3'600'000};
  SourceLocation location;
};

struct RetryPolicy {
  int max_attempts = 12;
  Duration initial_backoff{1000};
  Duration max_backoff{300'000};
};

// A token bucket: sends start at most `per_second` on average, with bursts of up to `burst`.
struct RateLimit {
  double per_second = 1;
  int burst = 1;
};

// After `failures` consecutive failed attempts (connection errors, timeouts, 5xx; not answers
// that say when to come back) a receiver gets no requests for `cool_down`, then one probe; each
// failed probe doubles the cool-down up to `max_cool_down`. Entries wait, pending: nothing is lost.
struct CircuitBreakerPolicy {
  int failures = 5;
  Duration cool_down{30'000};
  Duration max_cool_down{300'000};
};

// How the outbox worker paces one receiver. Defaults depend on the type (the vendor's limits,
// ReceiverTypeSpec::delivery); every field but `stateful` can be set per receiver.
struct DeliveryPolicy {
  int concurrency = 4;                  // sends in flight at once (different incidents)
  std::optional<RateLimit> rate_limit;  // none = unlimited
  CircuitBreakerPolicy circuit_breaker;
  // Stateful receivers (tickets, pages) must see an incident's events in order with none
  // missing: a dead entry holds back the incident's later ones until it is retried or
  // discarded. Stateless ones (chat, email, webhooks) carry on. Set by the type, not the user.
  bool stateful = false;
};

// Settings only one receiver type has (Jira's project, PagerDuty's routing key, ...). Each type
// derives its own struct in src/notify/<type>/; its notifier reads it back with
// ReceiverConfig::Settings<T>().
struct ReceiverSettings {
  virtual ~ReceiverSettings() = default;
  // The credential the vendor counts requests against (PagerDuty: the routing key), as its
  // reference (env:NAME, file:/path or the value as written); "" = the receiver's URL.
  virtual std::string RateLimitedBy() const { return ""; }
};

struct ReceiverConfig {
  std::string name;
  std::string type;  // a name from InstalledReceiverTypes() (config/receiver_type.h)
  Secret url;        // endpoint or base URL, for the types that have one
  // `templates:` by name (title, text, body, ...), each already checked; absent = the type's
  // default wording.
  std::map<std::string, std::string> templates;
  std::shared_ptr<const ReceiverSettings> settings;  // null for types without extra settings
  std::vector<EventType> events;  // empty in YAML = the default set (CONTRACTS.md)
  // `attach_review: true`: the closed event carries the incident's review draft (Markdown) as
  // the envelope's "review".
  bool attach_review = false;
  RetryPolicy retry;
  Duration timeout{10'000};
  DeliveryPolicy delivery;
  SourceLocation location;

  bool Wants(EventType t) const;
  // What the vendor rate-limits, as "type destination" with the destination's reference (never
  // resolved): receivers naming the same one share one rate limit. "" = nothing shared (console).
  std::string RateLimitKey() const;
  // The type-specific settings, or null when they are not a T (or the type has none).
  template <typename T>
  const T* Settings() const {
    return dynamic_cast<const T*>(settings.get());
  }
};

// What one request may make the server do (issue 13): decoding stays linear in the body and
// memory bounded by it, whatever its shape. Each limit refused answers 413 naming the limit. The
// defaults are far above what Alertmanager or Prometheus send (Prometheus: 64 alerts per request;
// Alertmanager: one group per request, alerts of tens of labels).
struct InputLimits {
  size_t alerts_per_request = 20'000;
  size_t labels_per_alert = 256;
  size_t annotations_per_alert = 256;
  size_t label_name_bytes = 1024;  // label and annotation names
  size_t label_value_bytes = 16 * 1024;
  size_t annotation_bytes = 64 * 1024;      // an annotation's value
  size_t json_depth = 64;                   // nesting of arrays and objects
  size_t queued_bytes = 256 * 1024 * 1024;  // decoded alerts waiting for the engine; beyond: 503
};

// TLS on the main listener. The files are read at start and again by HttpServer::ReloadTls().
struct TlsConfig {
  std::string cert_file;  // PEM certificate chain
  std::string key_file;   // PEM private key
};

struct ServerConfig {
  std::string listen = "127.0.0.1:9095";
  // A second listener for /metrics and the management routes (host:port); "" = none. The API
  // decides which routes it serves (HttpRequest::listener).
  std::string management_listen;
  std::optional<TlsConfig> tls;
  size_t max_connections = 1024;
  // One peer address may hold at most this many connections, whatever their phase, so that one
  // client cannot take the table. Behind a proxy every client shares its address: raise it.
  size_t max_connections_per_client = 256;
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 8 * 1024 * 1024;
  Duration header_timeout{10'000};
  Duration body_timeout{30'000};
  Duration idle_timeout{120'000};
  int threads = 2;
  InputLimits limits;
};

// `api:` of alertbridge.yml: who may use the API (CONTRACTS.md "Auth scope"). With tokens, every
// route but the health checks and ingest (which use their source's auth) needs one: `read` for
// GET and /metrics, `write` for everything that changes state.
enum class ApiRole { kRead, kWrite };
struct ApiToken {
  std::string name;  // who acts, on the timeline
  Secret token;
  ApiRole role = ApiRole::kRead;
  SourceLocation location;
};
struct ApiAccessConfig {
  std::vector<ApiToken> tokens;
  // Without tokens the API is open to whoever reaches the port, so serving on anything but
  // loopback is refused unless this says it is meant (a firewall or proxy guards it).
  bool insecure_listen = false;
};

// alertbridge.yml `retention:` (README "Retention"). Each period is a duration or `keep` (none).
struct RetentionConfig {
  std::optional<Duration> delivered_outbox = Duration(7LL * 24 * 3'600'000);
  std::optional<Duration> resolved_alerts = Duration(30LL * 24 * 3'600'000);
  std::optional<Duration> closed_incidents;  // incidents and timelines are kept by default
  Duration interval{60'000};
  bool operator==(const RetentionConfig&) const = default;
};

struct Config {
  std::string config_file;  // empty when running on embedded defaults
  ServerConfig server;
  std::string external_url;  // empty when not configured: serve uses DefaultExternalUrl(listen)
  std::string sqlite_path = "data/alertbridge.db";
  RetentionConfig retention;
  // Overrides the instance id the database keeps (CONTRACTS.md "Keys"), e.g. after moving to a
  // new database; "" = the database's own.
  std::string instance_id;
  std::vector<std::string> rule_paths{"rules/"};
  std::vector<std::string> receiver_paths{"receivers/"};
  std::string accounts_path;          // accounts.yml, when configured
  std::vector<SourceConfig> sources;  // always contains the default `alertmanager` source
  std::vector<Rule> rules;
  std::vector<ReceiverConfig> receivers;
  std::shared_ptr<const AccountTable> accounts;  // null without accounts.yml
  ApiAccessConfig api;
  ResponsePolicy severities;                     // `severities:` (SLA and escalation)
  std::vector<Silence> silences;                 // `silences:` (planned maintenance windows)
  std::string log_format = "logfmt";             // logfmt | json
  std::string log_level = "info";

  const SourceConfig* FindSource(std::string_view name) const;
  const ReceiverConfig* FindReceiver(std::string_view name) const;
};

// Whether `listen` (host:port) binds only loopback: 127.0.0.0/8, ::1 or localhost.
bool IsLoopbackListen(std::string_view listen);
// Why serving this config would expose an open API: a non-loopback listen address without API
// tokens or insecure_listen. "" when there is no such problem.
std::string ExposureProblem(const Config& config);
// The rules, accounts and receivers' event filters the engine decides with (serve and test alike).
// `configured_receivers_only` (serve): a receiver the config does not name gets no events (one
// removed at a reload); rule tests name receivers they do not configure, and those get the default
// events.
std::shared_ptr<const RuleSet> RuleSetOf(const Config& config,
                                         bool configured_receivers_only = false);

struct LoadResult {
  Config config;
  std::vector<ConfigError> errors;
  // What `check` could not verify (e.g. receivers named by rules checked without their
  // receivers); `check --strict` fails on them.
  std::vector<ConfigError> warnings;
  size_t rule_test_files = 0;  // CheckPaths: rule test files checked
  size_t rule_tests = 0;       // and the tests in them
  bool ok() const { return errors.empty(); }
};

// A rule test file (`alertbridge test`) checked for `check`: its errors (file:line:col) and how
// many tests it holds.
struct RuleTestCheck {
  std::vector<ConfigError> errors;
  size_t tests = 0;
};
// Reads and checks one rule test file. The rule test reader sits above config (src/ruletest), so
// `check` hands it in.
using RuleTestChecker = std::function<RuleTestCheck(const std::string& file)>;

// The base of incident links when `external_url` is not set: http://<listen address>, with the
// machine's host name in place of a wildcard address (0.0.0.0, [::], none), as Alertmanager
// derives its own. Serve applies it after --listen, so links follow the port actually served.
std::string DefaultExternalUrl(const std::string& listen);

// Loads `config_file` (empty: embedded defaults, with rule and receiver folders relative to the
// working directory), then every rule and receiver file it names. Relative paths inside a config
// file resolve against that file's folder.
LoadResult LoadConfig(const std::string& config_file);

// For `alertbridge check [paths]`: each path is an alertbridge.yml, a rules file, a receivers file,
// an accounts file, a rule test file, or a folder of them (kind decided by the top-level keys:
// tests:, rules:, receivers:, key_label:/tiers:, else alertbridge.yml). A rule test file is
// checked on its own (its rules are not the config's) by `check_tests`; without one it is an error
// that names `alertbridge test`.
struct CheckOptions {
  // When the paths hold rules but neither receivers nor an alertbridge.yml: the config whose
  // receivers the rules' receiver names are checked against — what serve would load ("" = the
  // embedded defaults, i.e. ./receivers/). Unset, or when it has no receivers, those names are
  // warnings, not errors: `alertbridge check rules/` in CI must not fail for what it cannot see.
  std::optional<std::string> default_config;
};
LoadResult CheckPaths(const std::vector<std::string>& paths,
                      const RuleTestChecker& check_tests = nullptr,
                      const CheckOptions& options = {});

}  // namespace ab
