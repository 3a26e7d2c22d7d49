// Reading the captured Alertmanager payloads (tests/fixtures/alertmanager-0.25/).
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace ab::testing {

inline std::string ReadAlertmanagerFixture(const std::string& name) {
  std::string path = std::string(ALERTBRIDGE_FIXTURES) + "/alertmanager-0.25/" + name;
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open fixture " << path;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The fixture with the value at `pointer` replaced (or removed when `value` is discarded), for
// building one invalid payload per test from a real one.
inline std::string MutatedFixture(const std::string& name, const std::string& pointer,
                                  const nlohmann::json& value) {
  nlohmann::json doc = nlohmann::json::parse(ReadAlertmanagerFixture(name));
  nlohmann::json::json_pointer ptr(pointer);
  if (value.is_discarded()) {
    doc.at(ptr.parent_pointer()).erase(ptr.back());
  } else {
    doc[ptr] = value;
  }
  return doc.dump();
}

inline nlohmann::json Removed() { return nlohmann::json(nlohmann::json::value_t::discarded); }

}  // namespace ab::testing
