// Expected incidents and events of a rule test, and the records of what really happened, both as
// lists of fields in one canonical text form:
//   numbers 42, names declared / SEV1, strings "JSON-quoted", labels {service: "checkout"},
//   lists ["a", "b"]; nested fields are named owner.team, details.to.
// A record matches an expectation when every field the expectation names has the same text.
#pragma once

#include <string>
#include <vector>

#include "config/yaml_reader.h"
#include "model/incident.h"
#include "ruletest/test_file.h"

namespace ab {

// Strict readers of one `incidents:` / `events:` list item; false (reported) when unusable.
bool ReadExpectedIncident(const config_internal::Value& v, config_internal::Diagnostics& diag,
                          Record* out);
bool ReadExpectedEvent(const config_internal::Value& v, config_internal::Diagnostics& diag,
                       Record* out);

// Every field of what happened, in the order they are printed.
Record IncidentRecord(const Incident& inc);
// `notify`: the receivers the event goes to (EventRecord::notify), compared as a sorted list.
Record EventRecordOf(const Event& event, const Incident& snapshot,
                     std::vector<std::string> notify = {});

// Whether `got` holds exactly one distinct record for each of `expected` (and nothing else).
// *unmatched receives the indexes of expectations no record was left for.
bool MatchRecords(const std::vector<Record>& expected, const std::vector<Record>& got,
                  std::vector<size_t>* unmatched);

// {name: value, ...} with nested fields grouped ({owner: {team: "x"}}). Empty strings and lists
// are left out when `skip_empty` (records of what happened carry every field).
std::string FormatRecord(const Record& record, bool skip_empty);

// Canonical forms, shared with the runner's messages.
std::string QuoteText(std::string_view s);
std::string FormatLabelMap(const LabelSet& labels);

}  // namespace ab
