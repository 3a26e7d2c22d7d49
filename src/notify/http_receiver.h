// What every HTTP receiver type needs besides its vendor's format: resolving its secrets and URL
// at start-up with errors that name the reference but never the value, and turning a response
// into a SendResult whose reason carries the vendor's own short explanation, secrets redacted.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "config/config.h"
#include "notify/http_client.h"
#include "notify/notifier.h"

namespace ab {

// "env:NAME" / "file:/path" as written; "(inline value)" for a literal, which may itself be the
// secret (a webhook URL with its token in the path).
std::string DescribeSecretRef(const Secret& s);

// Resolves `secret` (the receiver's `key`), failing when it is missing, unreadable or empty.
Result<std::string> ResolveReceiverSecret(const ReceiverConfig& rc, const Secret& secret,
                                          std::string_view key);

// Resolves rc.url (written under `key`: url or base_url) and parses it.
struct ReceiverUrl {
  std::string url;  // resolved: a secret for webhook URLs, redacted from every reason
  HttpEndpoint endpoint;
};
Result<ReceiverUrl> ResolveReceiverUrl(const ReceiverConfig& rc, std::string_view key);
// What to redact when the URL itself is the secret (Slack, Teams): the URL and its path.
std::vector<std::string> UrlSecrets(const ReceiverUrl& url);

// `text` with every occurrence of each non-empty secret replaced by "[redacted]".
std::string RedactSecrets(std::string text, const std::vector<std::string>& secrets);

// ClassifyHttp, plus the transport error when there was no response and, for an error status,
// the vendor's explanation from the body (its "message"/"error"/"errors" when JSON, else the
// first line, at most 200 bytes); every secret redacted.
SendResult ClassifyResponse(const HttpResponse& res, TimePoint now, const std::string& what,
                            const std::vector<std::string>& secrets);

// Headers every vendor request carries.
HttpHeaders JsonHeaders();

}  // namespace ab
