// Standard Webhooks (https://www.standardwebhooks.com): every delivery carries `webhook-id` (the
// consumer's idempotency key, the same on every attempt) and `webhook-timestamp`; a signed one
// also `webhook-signature` = "v1," + base64(HMAC-SHA256(key, id + "." + timestamp + "." + body)).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ab {

// The HMAC key for a configured secret as the reference libraries read it: base64, after an
// optional `whsec_` prefix. `raw` (secret_format: raw) takes the secret's bytes as they are.
Result<std::string> StandardWebhookKey(std::string_view secret, bool raw = false);

// "v1,<base64 signature>" for one attempt.
std::string StandardWebhookSignature(std::string_view key, std::string_view id,
                                     int64_t unix_seconds, std::string_view body);

// The spec forbids `.` in the id (it separates the signed parts): event ids stored before ids
// became "<key>_<seq>" ("<key>.<seq>") are sent with the dot replaced, the same on every attempt.
std::string StandardWebhookId(std::string_view event_id);

}  // namespace ab
