// The receiver types the config knows, by their `type:` name. Each type lists the keys it accepts
// besides the common ones and reads them; adding a type = one file in receivers/ + one table row
// in receiver_types.cc (and its notifier in src/notify/<type>/).
#pragma once

#include <array>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/yaml_reader.h"

namespace ab::config_internal {

// Keys every receiver accepts, whatever its type.
inline constexpr std::string_view kCommonReceiverKeys[] = {
    "name",       "type",       "events",          "retry",
    "timeout",    "concurrency", "rate_limit",     "circuit_breaker", "templates"};

struct ReceiverType {
  std::string_view name;
  // Keys this type accepts besides kCommonReceiverKeys.
  std::vector<std::string_view> keys;
  // Reads those keys from `r` into `rc` (url, secret, headers, settings), reporting problems to
  // `diag`. Never resolves secrets: `check` must not need them.
  void (*parse)(const MapReader& r, Diagnostics& diag, ReceiverConfig* rc);
  // The names its `templates:` may override (title, text, ...); none = it takes no templates.
  std::vector<std::string_view> templates = {};
};

// In the order they are listed in error messages.
const std::vector<ReceiverType>& ReceiverTypes();
const ReceiverType* FindReceiverType(std::string_view name);

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
// `headers`: extra HTTP headers (valid names; not the ones alertbridge sets itself).
void ReadReceiverHeaders(const MapReader& r, Diagnostics& diag, ReceiverConfig* rc);

// Delivery settings (delivery.cc): the type's defaults, and the common keys that override them
// (retry, timeout, concurrency, rate_limit, circuit_breaker).
DeliveryPolicy DeliveryDefaultsFor(std::string_view type);
void ReadDelivery(const MapReader& r, Diagnostics& diag, ReceiverConfig* rc);
// `templates:`: a map of the type's template names to Mustache text, each checked against the
// view receivers render (config/receiver_templates.h), errors at the tag's file:line:col.
void ReadReceiverTemplates(const Value& v, const ReceiverType& type, Diagnostics& diag,
                           ReceiverConfig* rc);

// The type parsers, one per file in receivers/.
void ParseConsoleReceiver(const MapReader& r, Diagnostics& diag, ReceiverConfig* rc);
void ParseWebhookReceiver(const MapReader& r, Diagnostics& diag, ReceiverConfig* rc);
void ParseEmailReceiver(const MapReader& r, Diagnostics& diag, ReceiverConfig* rc);
void ParseSlackReceiver(const MapReader& r, Diagnostics& diag, ReceiverConfig* rc);
void ParseTeamsReceiver(const MapReader& r, Diagnostics& diag, ReceiverConfig* rc);
void ParsePagerDutyReceiver(const MapReader& r, Diagnostics& diag, ReceiverConfig* rc);
void ParseOpsgenieReceiver(const MapReader& r, Diagnostics& diag, ReceiverConfig* rc);
void ParseJiraReceiver(const MapReader& r, Diagnostics& diag, ReceiverConfig* rc);
void ParseGitHubReceiver(const MapReader& r, Diagnostics& diag, ReceiverConfig* rc);
void ParseServiceNowReceiver(const MapReader& r, Diagnostics& diag, ReceiverConfig* rc);

}  // namespace ab::config_internal
