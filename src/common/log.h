// Structured log lines: one event per line on stderr, as logfmt or JSON, each parseable by a
// standard parser (values quoted and escaped, invalid UTF-8 replaced). Stdout is left to the
// console receiver's event lines.
//
//   Log(LogLevel::kInfo, "state restored", {{"alerts", n}, {"incidents", m}});
//   -> ts=2026-11-22T22:44:03.655Z level=info msg="state restored" alerts=3 incidents=1
//   -> {"ts":"2026-11-22T22:44:03.655Z","level":"info","msg":"state restored","alerts":3,...}
//
// Never pass a secret as a field: log the reference (env:NAME), not the value.
#pragma once

#include <concepts>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace ab {

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError };
enum class LogFormat { kLogfmt, kJson };

// "trace", "debug", "info", "warn", "error"; and back (nullopt for anything else).
std::string_view ToString(LogLevel level);
std::optional<LogLevel> ParseLogLevel(std::string_view text);
std::optional<LogFormat> ParseLogFormat(std::string_view text);  // "logfmt", "json"

// One key=value of a log line. Numbers and booleans stay numbers and booleans in JSON.
class LogField {
 public:
  LogField(std::string_view key, std::string_view value) : key_(key), text_(value) {}
  LogField(std::string_view key, const std::string& value) : key_(key), text_(value) {}
  LogField(std::string_view key, const char* value) : key_(key), text_(value) {}
  LogField(std::string_view key, bool value)
      : key_(key), text_(value ? "true" : "false"), kind_(Kind::kBool) {}
  template <std::integral T>
  LogField(std::string_view key, T value)
      : key_(key), text_(std::to_string(value)), kind_(Kind::kNumber) {}
  LogField(std::string_view key, double value);

  std::string_view key() const { return key_; }
  const std::string& text() const { return text_; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_number() const { return kind_ == Kind::kNumber; }

 private:
  enum class Kind { kString, kNumber, kBool };
  std::string_view key_;
  std::string text_;
  Kind kind_ = Kind::kString;
};

using LogFields = std::initializer_list<LogField>;

// Process-wide settings (default: logfmt, info). Call before the threads that log start.
void ConfigureLog(LogFormat format, LogLevel level);
bool LogEnabled(LogLevel level);
// Tests: receive each formatted line (without its newline) instead of stderr; null restores it.
void SetLogSink(std::function<void(std::string_view line)> sink);

// Writes one line if `level` is enabled. Thread-safe; lines never interleave.
void Log(LogLevel level, std::string_view msg, LogFields fields = {});

// The line Log would write (no newline), for a given time stamp: the formatting alone.
std::string FormatLogLine(LogFormat format, std::string_view ts, LogLevel level,
                          std::string_view msg, LogFields fields);

}  // namespace ab
