// Standard Webhooks signing (https://www.standardwebhooks.com): the receiver checks
// `webhook-signature` = "v1," + base64(HMAC-SHA256(key, id + "." + timestamp + "." + body)).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace ab {

// The HMAC key for a configured secret: "whsec_<base64>" means the decoded bytes (the form
// Standard Webhooks libraries generate); anything else is used as raw bytes.
Result<std::string> StandardWebhookKey(std::string_view secret);

// "v1,<base64 signature>" for one attempt.
std::string StandardWebhookSignature(std::string_view key, std::string_view id,
                                     int64_t unix_seconds, std::string_view body);

}  // namespace ab
