// The event envelope of an outbox entry (CONTRACTS.md "Events out"), read back for notifiers that
// speak a vendor's format rather than forwarding the envelope: typed accessors for what they need
// and the Mustache view that receiver templates render over.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "model/labels.h"

namespace ab {

class EventView {
 public:
  // Fails (naming the problem) when the payload is not JSON or has no "incident" object; such an
  // entry can never be delivered, so notifiers treat this as a permanent failure.
  static Result<EventView> Parse(std::string_view payload);

  const nlohmann::json& envelope() const { return envelope_; }
  const nlohmann::json& incident() const { return incident_; }

  std::string event_id() const { return String(envelope_, "id"); }
  std::string event_type() const { return String(envelope_, "type"); }
  std::string occurred_at() const { return String(envelope_, "occurred_at"); }
  // Who did it: "user:<name>" for a person, "rule:<name>" or "system" otherwise ("" in envelopes
  // written before events carried it).
  std::string actor() const { return String(envelope_, "actor"); }
  // What exactly: a note's text, a resolution, the field that changed with `from` and `to`, how
  // an incident resolved. An empty object when the envelope has none.
  const nlohmann::json& details() const;
  // A string member of details() ("" when absent).
  std::string Detail(std::string_view key) const;

  // A string field of the incident ("" when absent or not a string); numbers are printed.
  std::string Field(std::string_view key) const { return String(incident_, key); }
  std::string key() const { return Field("key"); }
  std::string title() const { return Field("title"); }
  // The incident's final priority (SEV1..SEV5), falling back to its base severity.
  std::string severity() const;
  std::string team() const;
  std::string commander() const;
  std::string communications() const;  // the communications lead
  // Where a person looks at the incident: `web_url` when the envelope has one, else `url`.
  std::string link() const;

  // The incident's group labels; `labels` and `annotations` when the envelope carries the common
  // labels and annotations of its alerts (labels fall back to the group labels).
  LabelSet group() const { return Labels("group"); }
  LabelSet labels() const;
  LabelSet annotations() const { return Labels("annotations"); }
  // Affected account names (accounts.yml), entries given as strings or as {"name": ...}.
  std::vector<std::string> accounts() const;

 private:
  static std::string String(const nlohmann::json& obj, std::string_view key);
  LabelSet Labels(std::string_view key) const;

  nlohmann::json envelope_;
  nlohmann::json incident_;
};

}  // namespace ab
