// Small request-schema checks for the vendor models: each records what is wrong, in the words a
// vendor's 400 would use, so a model can answer with all problems at once.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ab::testing {

class JsonChecks {
 public:
  const std::vector<std::string>& errors() const { return errors_; }
  bool ok() const { return errors_.empty(); }
  void Fail(std::string message) { errors_.push_back(std::move(message)); }

  // Parses `body` as a JSON object.
  bool Object(const std::string& body, nlohmann::json* out);
  // obj[key] is a string (non-empty when `required`), at most `max_chars` code points.
  bool String(const nlohmann::json& obj, const std::string& path, const char* key, bool required,
              size_t max_chars = 0);
  // obj[key], when present, is one of `options`.
  bool Enum(const nlohmann::json& obj, const std::string& path, const char* key, bool required,
            std::initializer_list<const char*> options);
  // obj[key], when present, is of the given JSON type.
  bool Type(const nlohmann::json& obj, const std::string& path, const char* key, bool required,
            nlohmann::json::value_t type);
  // Only these keys.
  void OnlyKeys(const nlohmann::json& obj, const std::string& path,
                std::initializer_list<const char*> keys);

  std::string Joined() const;

 private:
  std::vector<std::string> errors_;
};

size_t Utf8Chars(const std::string& s);

}  // namespace ab::testing
