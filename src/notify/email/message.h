// The mail for one event: RFC 5322 headers, multipart/alternative with a text and an HTML part
// (base64, UTF-8), Message-ID from the event id, and threading to the incident's first message.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "model/outbox.h"
#include "notify/email/email_settings.h"
#include "notify/notifier.h"
#include "notify/text/template.h"

namespace ab {

struct EmailMessage {
  std::string message_id;  // "<event-id@domain>"
  std::string data;        // the whole message, CRLF line ends, ready for DATA
};

// The subject when the receiver's `templates:` has none.
// The same for every message of an incident (Gmail threads by subject as well as References):
// what changed goes into the body.
inline constexpr std::string_view kDefaultEmailSubject = "[{{key}}] {{title}}";

// `subject`: the receiver's subject template (plain text). `thread_to`: the Message-ID of the
// incident's first mail to this receiver, if one was sent. Fails only when the entry's payload is
// not an event envelope.
Result<EmailMessage> BuildEmail(const EmailSettings& settings, const Template& subject,
                                const OutboxEntry& entry, TimePoint now,
                                const std::optional<std::string>& thread_to);

// "Mon, 23 Nov 2026 12:00:00 +0000" (RFC 5322 date-time, UTC).
std::string FormatMailDate(TimePoint t);

// A header value safe to write: control characters (CR, LF, ...) become spaces; cut to `max`
// bytes on a UTF-8 boundary; RFC 2047 encoded-words (UTF-8, base64) when not plain ASCII.
std::string MailHeaderText(std::string_view text, size_t max = 200);

}  // namespace ab
