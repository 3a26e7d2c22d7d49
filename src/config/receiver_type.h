// What the config layer knows of a receiver type: its `type:` name, the keys it accepts besides the
// common ones, how to read them, the templates it renders and its delivery defaults. The types
// themselves live in src/notify/<type>/ (settings, parser, factory and notifier together) and are
// listed in one table there; the config layer sees them only through this interface, installed
// once at start (main, and test mains) like Envoy's factory registry. config/ never depends on
// notify/: `check` reports a type's errors with file:line:col because the type's parser reads the
// same YAML nodes, through the same Diagnostics, as every other key.
#pragma once

#include <array>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/yaml_reader.h"

namespace ab {

struct ReceiverTypeSpec {
  std::string_view name;
  // Keys this type accepts besides kCommonReceiverKeys.
  std::vector<std::string_view> keys;
  // Reads those keys from `r` into `rc` (url, settings), reporting problems to `diag`. Never
  // resolves secrets: `check` must not need them.
  void (*parse)(const config_internal::MapReader& r, config_internal::Diagnostics& diag,
                ReceiverConfig* rc) = nullptr;
  // The names its `templates:` may override (title, text, ...); none = it takes no templates.
  std::vector<std::string_view> templates = {};
  // Pacing before the user's own keys (VENDORS.md: the vendor's documented limits), and whether
  // the type is stateful (a dead entry holds its incident's later ones).
  DeliveryPolicy delivery = {};
};

// The installed receiver types, in the order error messages list them. Empty until installed.
const std::vector<const ReceiverTypeSpec*>& InstalledReceiverTypes();
const ReceiverTypeSpec* FindReceiverType(std::string_view name);
// Replaces the installed table (notify's, from main; a test's own). Not thread-safe: call it
// before loading any config.
void InstallReceiverTypes(std::vector<const ReceiverTypeSpec*> types);

}  // namespace ab

namespace ab::config_internal {

// Keys every receiver accepts, whatever its type.
inline constexpr std::string_view kCommonReceiverKeys[] = {
    "name",        "type",       "events",          "retry",     "timeout",
    "concurrency", "rate_limit", "circuit_breaker", "templates", "attach_review"};

// Shared readers for the type parsers.
// `url`: required; an http(s) URL, env:NAME or file:/path. The value is never echoed: webhook
// URLs often carry their own token.
void ReadReceiverUrl(const MapReader& r, Diagnostics& diag, ReceiverConfig* rc);
// `base_url`: optional; like `url`, and `default_url` when absent (vendor APIs with one public
// host that can be pointed elsewhere: a regional host, a proxy, a test server).
void ReadReceiverBaseUrl(const MapReader& r, Diagnostics& diag, std::string_view default_url,
                         ReceiverConfig* rc);
// A map from SEV1..SEV5 to a vendor's level, starting from `defaults` (VENDORS.md) so that one
// line can change one level. `allowed` empty = any non-empty string.
void ReadSeverityMap(const Value& v, Diagnostics& diag,
                     std::initializer_list<std::string_view> allowed,
                     std::array<std::string, 5>* levels);
// Calls `read(severity, value)` for each `SEVn: value` entry of the map under `key` (for levels
// that are not one string: ServiceNow's urgency and impact; Jira's "" = no priority).
void ReadSeverityEntries(const MapReader& r, std::string_view key, Diagnostics& diag,
                         const std::function<void(Severity, const Value&)>& read);
// `headers`: extra HTTP headers (valid names; not the ones alertbridge sets itself). Values are
// secrets (env:NAME, file:/path or a literal): an Authorization header is one.
void ReadReceiverHeaders(const MapReader& r, Diagnostics& diag, std::map<std::string, Secret>* out);

// Delivery settings (delivery.cc): the common keys that override the type's defaults (retry,
// timeout, concurrency, rate_limit, circuit_breaker).
void ReadDelivery(const MapReader& r, Diagnostics& diag, ReceiverConfig* rc);
// `templates:`: a map of the type's template names to Mustache text, each checked against the
// view receivers render (config/receiver_templates.h), errors at the tag's file:line:col.
void ReadReceiverTemplates(const Value& v, const ReceiverTypeSpec& type, Diagnostics& diag,
                           ReceiverConfig* rc);

}  // namespace ab::config_internal
