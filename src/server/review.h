// The review draft of an incident (GET /api/v1/incidents/{id}/review; a receiver with
// `attach_review: true` gets it with the closed event): Markdown ready for a wiki — summary,
// impact, roles, detection-to-ack and ack-to-resolve times, SLA breaches and escalations, the
// timeline with its actors, the alerts involved, the runbook and whether it was updated, and a
// blank table of action items. Blameless by construction: it lists what happened and who held
// which role, and leaves the analysis to the people writing the review.
#pragma once

#include <string>
#include <string_view>

#include "engine/engine.h"
#include "rules/response_policy.h"
#include "store/store.h"

namespace ab {

std::string ReviewDraft(const IncidentDetail& detail, const ResponsePolicy& policy,
                        std::string_view external_url);

// The review draft sent with a closed event (`attach_review: true`), before that event is
// committed: the stored timeline and alerts of its incident, then this commit's events of it up to
// the closed one, with the incident as it is after them.
std::string ReviewAtClose(IncidentStore& store, const Changes& changes, const EventRecord& closed,
                          const ResponsePolicy& policy, std::string_view external_url);

// Untrusted text (labels, notes, titles) as Markdown that renders as that text: punctuation that
// Markdown or HTML would interpret is escaped, line breaks become spaces (tables stay intact).
std::string MarkdownText(std::string_view text);

}  // namespace ab
