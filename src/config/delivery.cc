// How each receiver is paced: the common receiver keys (concurrency, rate_limit, circuit_breaker,
// retry) that override its type's defaults (ReceiverTypeSpec::delivery, from the vendors'
// documented limits).
#include <cctype>
#include <charconv>
#include <climits>

#include "config/receiver_type.h"

namespace ab::config_internal {
namespace {

// "N/D": N requests per duration D, where D is a Prometheus duration or a bare unit ("s" = 1s).
std::optional<double> ParseRate(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view count = text.substr(0, slash);
  std::string unit(text.substr(slash + 1));
  int64_t n = 0;
  auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), n);
  if (ec != std::errc() || end != count.data() + count.size() || n < 1) return std::nullopt;
  if (!unit.empty() && !std::isdigit(static_cast<unsigned char>(unit.front()))) unit = "1" + unit;
  Result<Duration> per = ParseDuration(unit);
  if (!per.ok() || per->count() <= 0) return std::nullopt;
  return static_cast<double>(n) * 1000.0 / static_cast<double>(per->count());
}

bool ReadRate(const Value& v, Diagnostics& diag, double* per_second) {
  std::optional<double> rate;
  if (v.node.IsScalar()) rate = ParseRate(v.node.Scalar());
  if (!rate) {
    diag.Add(v.mark,
             v.path + ": expected a rate like 1/s, 120/m or 10/5s, got " + Describe(v.node));
    return false;
  }
  *per_second = *rate;
  return true;
}

// rate_limit: none | "120/m" | {rate: 120/m, burst: 10}
void ParseRateLimit(const Value& v, Diagnostics& diag, std::optional<RateLimit>* out) {
  if (v.node.IsScalar() && v.node.Scalar() == "none") {
    out->reset();
    return;
  }
  RateLimit limit;
  if (v.node.IsScalar()) {
    if (ReadRate(v, diag, &limit.per_second)) *out = limit;
    return;
  }
  MapReader r(v, {"rate", "burst"}, diag);
  bool ok = r.Require("rate") && ReadRate(*r.Find("rate"), diag, &limit.per_second);
  if (r.Has("burst")) ok = r.Int("burst", 1, 10'000, &limit.burst) && ok;
  if (ok) *out = limit;
}

void ParseCircuitBreaker(const Value& v, Diagnostics& diag, CircuitBreakerPolicy* out) {
  MapReader r(v, {"failures", "cool_down", "max_cool_down"}, diag);
  r.Int("failures", 1, 1'000'000, &out->failures);
  const bool cool = r.PositiveDur("cool_down", &out->cool_down);
  const bool max = r.PositiveDur("max_cool_down", &out->max_cool_down);
  if (!max && cool && out->max_cool_down < out->cool_down) out->max_cool_down = out->cool_down;
  if (max && out->max_cool_down < out->cool_down) {
    diag.Add(r.Find("max_cool_down")->mark,
             "circuit_breaker: max_cool_down (" + FormatDuration(out->max_cool_down) +
                 ") is shorter than cool_down (" + FormatDuration(out->cool_down) + ")");
  }
}

}  // namespace

void ParseRetry(const Value& v, Diagnostics& diag, RetryPolicy* retry) {
  MapReader r(v, {"max_attempts", "initial_backoff", "max_backoff"}, diag);
  r.Int("max_attempts", 1, INT_MAX, &retry->max_attempts);
  bool initial = r.PositiveDur("initial_backoff", &retry->initial_backoff);
  bool max = r.PositiveDur("max_backoff", &retry->max_backoff);
  if ((initial || max) && retry->max_backoff < retry->initial_backoff) {
    const Value& at = *r.Find(max ? "max_backoff" : "initial_backoff");
    diag.Add(at.mark, "retry: max_backoff (" + FormatDuration(retry->max_backoff) +
                          ") is shorter than initial_backoff (" +
                          FormatDuration(retry->initial_backoff) + ")");
  }
}

void ReadDelivery(const MapReader& r, Diagnostics& diag, ReceiverConfig* rc) {
  if (const Value* v = r.Find("retry")) ParseRetry(*v, diag, &rc->retry);
  r.PositiveDur("timeout", &rc->timeout);
  r.Int("concurrency", 1, 64, &rc->delivery.concurrency);
  if (const Value* v = r.Find("rate_limit")) ParseRateLimit(*v, diag, &rc->delivery.rate_limit);
  if (const Value* v = r.Find("circuit_breaker")) {
    ParseCircuitBreaker(*v, diag, &rc->delivery.circuit_breaker);
  }
}

}  // namespace ab::config_internal
