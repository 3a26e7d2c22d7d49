#include "common/log.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>

#include "common/text.h"
#include "common/time.h"

namespace ab {
namespace {

struct LogState {
  std::mutex mu;  // one line at a time, and guards sink
  std::function<void(std::string_view)> sink;
};

LogState& State() {
  static LogState state;
  return state;
}

std::atomic<LogFormat> g_format{LogFormat::kLogfmt};
std::atomic<LogLevel> g_level{LogLevel::kInfo};

// logfmt as go-logfmt writes it: a value is quoted when it is empty or holds a space, '=', '"',
// a control character or invalid UTF-8; inside quotes \ and " are escaped, control characters
// are \n, \r, \t or \u00XX, and invalid UTF-8 becomes U+FFFD.
void AppendLogfmtValue(std::string& out, std::string_view v) {
  bool quote = v.empty();
  for (size_t i = 0; i < v.size() && !quote; ++i) {
    const unsigned char c = static_cast<unsigned char>(v[i]);
    if (c <= ' ' || c == '=' || c == '"' || c == '\\' || c == 0x7f) quote = true;
    if (c >= 0x80) {
      const size_t n = Utf8SequenceLength(v, i);
      if (n == 0) quote = true;
      i += n == 0 ? 0 : n - 1;
    }
  }
  if (!quote) {
    out.append(v);
    return;
  }
  out.push_back('"');
  for (size_t i = 0; i < v.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(v[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      default:
        break;
    }
    if (c < ' ' || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (size_t n = Utf8SequenceLength(v, i); n > 0) {
      out.append(v.substr(i, n));
      i += n - 1;
    } else {
      out += "\xef\xbf\xbd";  // U+FFFD
    }
  }
  out.push_back('"');
}

// Keys are ours, but a key that would break the line is made safe rather than trusted.
void AppendLogfmtKey(std::string& out, std::string_view key) {
  if (key.empty()) {
    out += "_";
    return;
  }
  for (char c : key) {
    const unsigned char u = static_cast<unsigned char>(c);
    out.push_back(u <= ' ' || c == '=' || c == '"' || u >= 0x7f ? '_' : c);
  }
}

std::string NowRfc3339() {
  return FormatRfc3339(std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now()));
}

}  // namespace

LogField::LogField(std::string_view key, double value) : key_(key), kind_(Kind::kNumber) {
  if (!std::isfinite(value)) {
    text_ = std::isnan(value) ? "NaN" : (value > 0 ? "+Inf" : "-Inf");
    kind_ = Kind::kString;  // JSON has no such numbers
    return;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", value);
  // Shortest form that reads back the same.
  for (int precision = 1; precision <= 17; ++precision) {
    char shorter[32];
    std::snprintf(shorter, sizeof shorter, "%.*g", precision, value);
    if (std::strtod(shorter, nullptr) == value) {
      text_ = shorter;
      return;
    }
  }
  text_ = buf;
}

std::string_view ToString(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return "trace";
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

std::optional<LogLevel> ParseLogLevel(std::string_view text) {
  for (LogLevel l :
       {LogLevel::kTrace, LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    if (ToString(l) == text) return l;
  }
  return std::nullopt;
}

std::optional<LogFormat> ParseLogFormat(std::string_view text) {
  if (text == "logfmt") return LogFormat::kLogfmt;
  if (text == "json") return LogFormat::kJson;
  return std::nullopt;
}

void ConfigureLog(LogFormat format, LogLevel level) {
  g_format = format;
  g_level = level;
}

bool LogEnabled(LogLevel level) { return level >= g_level.load(std::memory_order_relaxed); }

void SetLogSink(std::function<void(std::string_view line)> sink) {
  std::lock_guard lock(State().mu);
  State().sink = std::move(sink);
}

std::string FormatLogLine(LogFormat format, std::string_view ts, LogLevel level,
                          std::string_view msg, LogFields fields) {
  if (format == LogFormat::kJson) {
    nlohmann::ordered_json line;
    line["ts"] = ts;
    line["level"] = ToString(level);
    line["msg"] = msg;
    for (const LogField& f : fields) {
      const std::string key(f.key());
      if (line.contains(key)) continue;  // ts, level and msg are the line's own
      if (f.is_string()) {
        line[key] = f.text();
      } else {
        line[key] = nlohmann::json::parse(f.text());  // a number or a boolean, as formatted
      }
    }
    return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  std::string out;
  out.reserve(64 + msg.size() + fields.size() * 24);
  out += "ts=";
  out += ts;
  out += " level=";
  out += ToString(level);
  out += " msg=";
  AppendLogfmtValue(out, msg);
  for (const LogField& f : fields) {
    out.push_back(' ');
    AppendLogfmtKey(out, f.key());
    out.push_back('=');
    AppendLogfmtValue(out, f.text());
  }
  return out;
}

void Log(LogLevel level, std::string_view msg, LogFields fields) {
  if (!LogEnabled(level)) return;
  std::string line = FormatLogLine(g_format.load(), NowRfc3339(), level, msg, fields);
  LogState& state = State();
  std::lock_guard lock(state.mu);
  if (state.sink) {
    state.sink(line);
    return;
  }
  line.push_back('\n');
  // One write per line, unbuffered: a crash right after loses nothing already logged.
  for (size_t done = 0; done < line.size();) {
    const ssize_t n = ::write(STDERR_FILENO, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
}

}  // namespace ab
