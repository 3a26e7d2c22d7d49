#include "json_checks.h"

#include <algorithm>

namespace ab::testing {

size_t Utf8Chars(const std::string& s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool JsonChecks::Object(const std::string& body, nlohmann::json* out) {
  *out = nlohmann::json::parse(body, nullptr, false);
  if (out->is_discarded() || !out->is_object()) {
    Fail("body is not a JSON object");
    return false;
  }
  return true;
}

bool JsonChecks::String(const nlohmann::json& obj, const std::string& path, const char* key,
                        bool required, size_t max_chars) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    if (required) Fail(path + key + " is required");
    return !required;
  }
  if (!it->is_string()) {
    Fail(path + key + " must be a string");
    return false;
  }
  const std::string& s = it->get_ref<const std::string&>();
  if (required && s.empty()) {
    Fail(path + key + " must not be empty");
    return false;
  }
  if (max_chars != 0 && Utf8Chars(s) > max_chars) {
    Fail(path + key + " is longer than " + std::to_string(max_chars) + " characters");
    return false;
  }
  return true;
}

bool JsonChecks::Enum(const nlohmann::json& obj, const std::string& path, const char* key,
                      bool required, std::initializer_list<const char*> options) {
  if (!String(obj, path, key, required)) return false;
  auto it = obj.find(key);
  if (it == obj.end()) return true;
  for (const char* o : options) {
    if (*it == o) return true;
  }
  Fail(path + key + " has an invalid value " + it->dump());
  return false;
}

bool JsonChecks::Type(const nlohmann::json& obj, const std::string& path, const char* key,
                      bool required, nlohmann::json::value_t type) {
  auto it = obj.find(key);
  if (it == obj.end()) {
    if (required) Fail(path + key + " is required");
    return !required;
  }
  if (it->type() != type) {
    Fail(path + key + " has the wrong type");
    return false;
  }
  return true;
}

void JsonChecks::OnlyKeys(const nlohmann::json& obj, const std::string& path,
                          std::initializer_list<const char*> keys) {
  for (const auto& [k, v] : obj.items()) {
    bool known = false;
    for (const char* key : keys) known = known || k == key;
    if (!known) Fail(path + k + " is not a known field");
  }
}

std::string JsonChecks::Joined() const {
  std::string out;
  for (const std::string& e : errors_) out += (out.empty() ? "" : "; ") + e;
  return out;
}

}  // namespace ab::testing
