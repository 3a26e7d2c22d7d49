// The `templates:` of a receiver: named Mustache templates (title, text, body, ...) that override
// the type's default wording. Checked at load time against the names each type renders and the
// view below; rendered by notify/text/template.h with every value escaped for the target markup.
#pragma once

#include "common/mustache.h"

namespace ab {

// What receiver templates can name (notify/text builds exactly this view from the event):
//   event.{id, type, occurred_at, verb, is_<type>}  the event; verb is its type in words
//   event.{actor, details.*, headline, how}  who did it (a person's name), what exactly (note
//                                text, resolution, field/from/to), the event as one sentence,
//                                and for `resolved` how it resolved
//   incident.*                   every field of the envelope's incident object
//   labels.<name>, annotations.<name>, group.<name>
//   accounts (list of {name}), account_names ("a, b"), account_count
//   title, summary, severity, runbook, key, link, owner.{team, commander}
const MustacheNames& ReceiverTemplateNames();

}  // namespace ab
