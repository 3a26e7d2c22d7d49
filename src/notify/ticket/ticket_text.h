// What tickets say: the title, the description written once at creation, and one comment per
// event, in the vendor's markup with every untrusted value escaped and the vendor's limits kept.
// A receiver's `templates: {title, body}` replace the built-in title and description.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "config/config.h"
#include "notify/text/escape.h"
#include "notify/text/template.h"
#include "notify/text/truncate.h"
#include "notify/ticket/incident_event.h"

namespace ab {

// A ticket another one refers to (the one a `new` ticket follows).
struct TicketLink {
  std::string display;
  std::string url;
};

class TicketWording {
 public:
  struct Limits {
    size_t title;                          // characters of the title / summary / short description
    size_t body;                           // of the description
    size_t comment;                        // of one comment or work note
    LengthUnit unit = LengthUnit::kChars;  // how the vendor counts (Jira: UTF-16 code units)
  };

  // Compiles the receiver's templates (already checked by the config loader; an error here names
  // the receiver and the template).
  static Result<TicketWording> Make(const ReceiverConfig& config, TextFormat format, Limits limits);

  TextFormat format() const { return format_; }
  // The incident title on one line (the key when there is none), or the `title` template.
  std::string Title(const IncidentEvent& ev) const;
  // Summary, priority, owner, runbook, accounts, links (or the `body` template), then what the
  // ticket follows.
  std::string Body(const IncidentEvent& ev, const std::optional<TicketLink>& follows) const;
  // `headline`, the incident's current facts and the event marker, which survives any cut.
  std::string Comment(const IncidentEvent& ev, std::string_view headline) const;

 private:
  TextFormat format_ = TextFormat::kPlain;
  Limits limits_{};
  std::optional<Template> title_;
  std::optional<Template> body_;
};

// What a comment says about `ev` when nothing special happened to the ticket (EventHeadline of
// notify/text/event_words.h: people's words, how it resolved).
std::string EventHeadline(const IncidentEvent& ev);

// Whether `text` (a comment body, or ServiceNow's work notes journal) holds the marker of the
// event `event_id`, put there by TicketWording::Comment().
bool HasEventMarker(std::string_view text, std::string_view event_id);
// The same for a list of comments as Jira and GitHub return them: objects with a string "body".
bool CommentsHaveEventMarker(const nlohmann::json& comments, std::string_view event_id);

}  // namespace ab
