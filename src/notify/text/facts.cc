#include "notify/text/facts.h"

#include <cctype>

namespace ab {

bool IsLinkableUrl(std::string_view s) {
  const bool http = s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0;
  if (!http || s.size() <= 8) return false;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) < 0x20) {
      return false;
    }
  }
  return true;
}

std::vector<IncidentFact> IncidentFacts(const EventView& event) {
  std::vector<IncidentFact> out;
  std::string severity = event.severity();
  const std::string base = event.Field("base_severity");
  if (!base.empty() && base != severity) severity += " (base " + base + ")";
  if (!severity.empty()) out.push_back({"Severity", severity});
  if (std::string state = event.Field("state"); !state.empty()) out.push_back({"State", state});
  std::string owner = event.team();
  if (const std::string commander = event.commander(); !commander.empty()) {
    owner += owner.empty() ? commander : " / " + commander;
  }
  if (!owner.empty()) out.push_back({"Owner", owner});
  if (std::string comms = event.communications(); !comms.empty()) {
    out.push_back({"Communications", std::move(comms)});
  }
  if (std::string runbook = event.Field("runbook"); !runbook.empty()) {
    const bool url = IsLinkableUrl(runbook);
    out.push_back({"Runbook", std::move(runbook), url});
  }
  std::string accounts;
  for (const std::string& a : event.accounts()) accounts += (accounts.empty() ? "" : ", ") + a;
  if (!accounts.empty()) out.push_back({"Affected accounts", accounts});
  std::string firing = event.Field("alerts_firing");
  if (!firing.empty()) {
    const std::string total = event.Field("alerts_total");
    if (!total.empty()) firing += " of " + total;
    out.push_back({"Alerts firing", firing});
  }
  return out;
}

}  // namespace ab
