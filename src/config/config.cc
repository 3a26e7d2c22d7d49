// The small behaviours of the config value types: error text, secret resolution, look-ups.
#include "config/config.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace ab {

std::string ConfigError::ToString() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " + message;
}

Result<std::string> Secret::Resolve() const {
  if (ref_.rfind("env:", 0) == 0) {
    std::string name = ref_.substr(4);
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return MakeError("environment variable " + name + " is not set");
    if (*value == '\0') return MakeError("environment variable " + name + " is empty");
    return std::string(value);
  }
  if (ref_.rfind("file:", 0) == 0) {
    std::string path = ref_.substr(5);
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return MakeError("cannot read secret file " + path + ": " + std::strerror(errno));
    }
    std::ostringstream contents;
    contents << in.rdbuf();
    if (in.bad()) return MakeError("cannot read secret file " + path);
    std::string value = contents.str();
    // Editors and `echo` add a final newline that is never part of the secret.
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    if (value.empty()) return MakeError("secret file " + path + " is empty");
    return value;
  }
  return ref_;
}

JsonPointer::JsonPointer(std::string_view text) : text_(text) {
  if (text.empty()) return;  // the whole document
  if (text.front() != '/') {
    valid_ = false;
    return;
  }
  // "/a~1b/~0c" -> {"a/b", "~c"}: ~1 is unescaped before ~0 (RFC 6901 section 4).
  std::string token;
  for (size_t i = 1; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '/') {
      tokens_.push_back(std::move(token));
      token.clear();
      continue;
    }
    if (text[i] != '~') {
      token.push_back(text[i]);
      continue;
    }
    if (i + 1 < text.size() && (text[i + 1] == '0' || text[i + 1] == '1')) {
      token.push_back(text[i + 1] == '0' ? '~' : '/');
      ++i;
      continue;
    }
    valid_ = false;
    tokens_.clear();
    return;
  }
}

bool ReceiverConfig::Wants(EventType t) const {
  if (events.empty()) return InDefaultEvents(t);
  for (EventType e : events) {
    if (e == t) return true;
  }
  return false;
}

std::string ReceiverConfig::RateLimitKey() const {
  std::string by = settings ? settings->RateLimitedBy() : "";
  if (by.empty()) by = url.ref();
  return by.empty() ? "" : type + " " + by;
}

std::shared_ptr<const RuleSet> RuleSetOf(const Config& config) {
  ReceiverRoutes routes;
  for (const ReceiverConfig& r : config.receivers) routes.Set(r.name, r.events);
  return std::make_shared<const RuleSet>(config.rules, config.accounts, std::move(routes));
}

const SourceConfig* Config::FindSource(std::string_view name) const {
  for (const SourceConfig& s : sources) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const ReceiverConfig* Config::FindReceiver(std::string_view name) const {
  for (const ReceiverConfig& r : receivers) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

}  // namespace ab
