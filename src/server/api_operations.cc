// Incident operations over HTTP: silences (Alertmanager's v2 silence body), KPIs, review drafts,
// the SLA view of an incident, and the responders' web page with its assets. Routed from
// Api::Route after the one access check, like every other route.
#include <random>

#include "model/json.h"
#include "rules/matcher.h"
#include "server/api.h"
#include "server/api_helpers.h"
#include "server/blocking_pool.h"
#include "server/kpis.h"
#include "server/review.h"
#include "server/web_assets.h"

namespace ab {

using api_internal::ParseId;
using api_internal::Unavailable;

namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// A random (version 4) UUID, as Alertmanager gives its silences.
std::string NewSilenceId() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  uint64_t hi = random(), lo = random();
  hi = (hi & ~0xf000ull) | 0x4000ull;            // version 4
  lo = (lo & ~(0xcull << 60)) | (0x8ull << 60);  // variant 10
  char out[37];
  std::snprintf(out, sizeof out, "%08llx-%04llx-%04llx-%04llx-%012llx",
                static_cast<unsigned long long>(hi >> 32),
                static_cast<unsigned long long>((hi >> 16) & 0xffff),
                static_cast<unsigned long long>(hi & 0xffff),
                static_cast<unsigned long long>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffull));
  return out;
}

nlohmann::json SilenceJson(const Silence& s, TimePoint now) {
  nlohmann::json matchers = nlohmann::json::array();
  for (const Matcher& m : s.matchers) {
    const bool regex = m.op() == MatchOp::kRegexMatch || m.op() == MatchOp::kRegexNoMatch;
    const bool equal = m.op() == MatchOp::kEqual || m.op() == MatchOp::kRegexMatch;
    matchers.push_back(
        {{"name", m.name()}, {"value", m.value()}, {"isRegex", regex}, {"isEqual", equal}});
  }
  return {{"id", s.id},
          {"status", {{"state", ToString(s.StateAt(now))}}},
          {"updatedAt", FormatRfc3339(s.updated_at)},
          {"matchers", std::move(matchers)},
          {"startsAt", FormatRfc3339(s.starts_at)},
          {"endsAt", FormatRfc3339(s.ends_at)},
          {"createdBy", s.created_by},
          {"comment", s.comment},
          {"origin", s.origin == SilenceOrigin::kConfig ? "config" : "api"}};
}

// Alertmanager's postableSilence, checked as Alertmanager checks it (silence.go validateSilence):
// at least one matcher, valid names and regexes, not every matcher matching the empty string,
// the end after the start and not in the past, createdBy and comment given.
std::variant<Silence, HttpResponse> ParseSilence(const std::string& text, TimePoint now) {
  auto bad = [](std::string message, std::string field) {
    return HttpResponse::Error(400, message, field);
  };
  nlohmann::json body = nlohmann::json::parse(text, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return bad("the body must be a JSON object", "");
  Silence s;
  s.origin = SilenceOrigin::kApi;
  for (const auto& [key, value] : body.items()) {
    static const std::vector<std::string> kKeys = {"id",     "matchers",  "startsAt",
                                                   "endsAt", "createdBy", "comment"};
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
      return bad("unknown field \"" + key + "\" in a silence", key);
    }
    if (key != "matchers" && !value.is_string()) return bad(key + " must be a string", key);
  }
  if (body.contains("id")) s.id = body["id"].get<std::string>();
  const nlohmann::json& matchers = body.contains("matchers") ? body["matchers"] : nlohmann::json();
  if (!matchers.is_array() || matchers.empty()) {
    return bad("matchers: a silence needs at least one matcher", "matchers");
  }
  bool selective = false;
  for (size_t i = 0; i < matchers.size(); ++i) {
    const nlohmann::json& m = matchers[i];
    const std::string field = "matchers[" + std::to_string(i) + "]";
    if (!m.is_object() || !m.contains("name") || !m["name"].is_string() || !m.contains("value") ||
        !m["value"].is_string()) {
      return bad(field + ": needs name and value (strings)", field);
    }
    for (const auto& [k, v] : m.items()) {
      if (k == "isRegex" || k == "isEqual") {
        if (!v.is_boolean()) return bad(field + "." + k + " must be true or false", field);
      } else if (k != "name" && k != "value") {
        return bad(field + ": unknown field \"" + k + "\"", field);
      }
    }
    const bool regex = m.value("isRegex", false);
    const bool equal = m.value("isEqual", true);
    const MatchOp op = regex ? (equal ? MatchOp::kRegexMatch : MatchOp::kRegexNoMatch)
                             : (equal ? MatchOp::kEqual : MatchOp::kNotEqual);
    Result<Matcher> matcher =
        Matcher::Create(m["name"].get<std::string>(), op, m["value"].get<std::string>());
    if (!matcher.ok()) return bad(field + ": " + matcher.error().message, field);
    selective = selective || !matcher->Matches("");
    s.matchers.push_back(std::move(*matcher));
  }
  if (!selective) {
    return bad(
        "matchers: every matcher matches the empty string, so the silence would mute every "
        "alert",
        "matchers");
  }
  for (const char* key : {"startsAt", "endsAt"}) {
    if (!body.contains(key)) return bad(std::string(key) + " is missing", key);
    Result<TimePoint> t = ParseRfc3339(body[key].get<std::string>());
    if (!t.ok()) return bad(std::string(key) + ": " + t.error().message, key);
    (std::string_view(key) == "startsAt" ? s.starts_at : s.ends_at) = *t;
  }
  if (s.ends_at <= s.starts_at) return bad("endsAt must be after startsAt", "endsAt");
  if (s.ends_at <= now) return bad("endsAt is in the past", "endsAt");
  if (s.starts_at < now) s.starts_at = now;  // as Alertmanager does
  s.created_by = body.value("createdBy", "");
  s.comment = body.value("comment", "");
  if (s.created_by.empty()) return bad("createdBy is missing", "createdBy");
  if (s.comment.empty()) return bad("comment is missing", "comment");
  s.updated_at = now;
  return s;
}

HttpResponse Text(int status, std::string content_type, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

}  // namespace

nlohmann::json Api::SlaJson(const Incident& inc) const {
  nlohmann::json out = {{"paused", inc.muted}, {"breached", inc.deadlines_fired}};
  const SeverityPolicy* policy = deps_.config->severities.For(inc.priority);
  if (policy == nullptr) return out;
  for (const Deadline& d : PendingDeadlines(inc, *policy)) {
    const char* name = d.kind == DeadlineKind::kAck          ? "ack_due_at"
                       : d.kind == DeadlineKind::kEscalation ? "next_escalation_at"
                       : d.kind == DeadlineKind::kResolve    ? "resolve_due_at"
                                                             : "next_update_at";
    if (!out.contains(name)) out[name] = FormatRfc3339(d.at);
  }
  return out;
}

bool Api::RouteOperations(HttpRequest& req,
                          const std::function<void(std::string_view, HttpResponse)>& done) {
  const std::string& path = req.path;
  const bool get = req.method == "GET" || req.method == "HEAD";
  auto not_allowed = [&](std::string_view route, std::string allow) {
    HttpResponse r = HttpResponse::Error(405, "method " + req.method + " not allowed on " + path);
    r.headers.emplace_back("Allow", std::move(allow));
    done(route, std::move(r));
    return true;
  };
  // Silence changes read the store before they queue their change: not on an HTTP thread either
  // (they answer later, from the pipeline).
  auto off_http_thread = [&](std::string_view route, std::function<void()> work) {
    if (deps_.blocking == nullptr) return work();
    if (!deps_.blocking->Post(std::move(work))) {
      done(route, Unavailable("too many API requests in progress"));
    }
  };

  if (path == "/" || StartsWith(path, "/ui/")) {
    constexpr std::string_view route = "/ui";
    if (!get) return not_allowed(route, "GET, HEAD");
    const WebAsset* asset = FindWebAsset(path == "/" ? "/ui/index.html" : path);
    if (asset == nullptr) {
      done(route, HttpResponse::Error(404, "no such page " + path));
      return true;
    }
    HttpResponse r = Text(200, std::string(asset->content_type), std::string(asset->body));
    // The page runs only its own script and style, talks only to us, and is never framed.
    r.headers.emplace_back("Content-Security-Policy",
                           "default-src 'none'; script-src 'self'; style-src 'self'; "
                           "connect-src 'self'; img-src 'self'; frame-ancestors 'none'; "
                           "base-uri 'none'; form-action 'none'");
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    r.headers.emplace_back("Referrer-Policy", "no-referrer");
    r.headers.emplace_back("Cache-Control", "no-cache");
    done(route, std::move(r));
    return true;
  }

  if (path == "/api/v1/stats") {
    if (!get) return not_allowed(path, "GET, HEAD");
    auto shared = std::make_shared<HttpRequest>(req);
    OffHttpThread(path, done, [this, shared] { return Stats(*shared); });
    return true;
  }

  constexpr std::string_view kIncident = "/api/v1/incidents/";
  if (StartsWith(path, kIncident) && path.ends_with("/review")) {
    constexpr std::string_view route = "/api/v1/incidents/{id}/review";
    if (!get) return not_allowed(route, "GET, HEAD");
    std::string id = path.substr(kIncident.size());
    id.resize(id.size() - (sizeof("/review") - 1));
    OffHttpThread(route, done, [this, id] { return Review(id); });
    return true;
  }

  if (path == "/api/v1/silences") {
    if (get) {
      OffHttpThread(path, done, [this] { return ListSilences(); });
    } else if (req.method == "POST") {
      auto shared = std::make_shared<HttpRequest>(req);
      off_http_thread(path, [this, shared, done] {
        PostSilence(*shared, [done](HttpResponse r) { done("/api/v1/silences", std::move(r)); });
      });
    } else {
      not_allowed(path, "GET, HEAD, POST");
    }
    return true;
  }
  constexpr std::string_view kSilence = "/api/v1/silences/";
  if (StartsWith(path, kSilence)) {
    constexpr std::string_view route = "/api/v1/silences/{id}";
    const std::string id = path.substr(kSilence.size());
    if (get) {
      OffHttpThread(route, done, [this, id] { return GetSilence(id); });
    } else if (req.method == "DELETE") {
      off_http_thread(route, [this, id, done, route] {
        DeleteSilence(id, [done, route](HttpResponse r) { done(route, std::move(r)); });
      });
    } else {
      not_allowed(route, "GET, HEAD, DELETE");
    }
    return true;
  }
  return false;
}

HttpResponse Api::Stats(const HttpRequest& req) {
  const TimePoint now = deps_.clock->now();
  TimePoint to = now;
  if (std::string t = req.Query("to"); !t.empty()) {
    auto parsed = ParseRfc3339(t);
    if (!parsed.ok()) return HttpResponse::Error(400, parsed.error().message, "to");
    to = *parsed;
  }
  TimePoint from = to - Duration(30LL * 86'400'000);  // the last 30 days
  if (std::string f = req.Query("from"); !f.empty()) {
    auto parsed = ParseRfc3339(f);
    if (!parsed.ok()) return HttpResponse::Error(400, parsed.error().message, "from");
    from = *parsed;
  }
  if (!(from < to)) return HttpResponse::Error(400, "from must be before to", "from");
  KpiGrouping by = KpiGrouping::kSeverity;
  const std::string by_text = req.Query("by");
  if (by_text == "team") {
    by = KpiGrouping::kTeam;
  } else if (by_text == "rule") {
    by = KpiGrouping::kRule;
  } else if (!by_text.empty() && by_text != "severity") {
    return HttpResponse::Error(400, "by must be severity, team or rule, got \"" + by_text + "\"",
                               "by");
  }
  auto history = deps_.store->IncidentHistory(from, to);
  if (!history.ok()) return Unavailable(history.error().message);
  nlohmann::json body = ComputeKpis(*history, deps_.config->severities, by);
  body["from"] = FormatRfc3339(from);
  body["to"] = FormatRfc3339(to);
  return HttpResponse::Json(200, body.dump());
}

HttpResponse Api::Review(std::string_view id_text) {
  auto id = ParseId(id_text);
  if (!id) return HttpResponse::Error(400, "incident id must be a positive integer", "id");
  auto detail = deps_.store->GetIncident(*id);
  if (!detail.ok()) return Unavailable(detail.error().message);
  if (!detail->has_value()) {
    return HttpResponse::Error(404, "no incident " + std::string(id_text), "id");
  }
  return Text(200, "text/markdown; charset=utf-8",
              ReviewDraft(**detail, deps_.config->severities, deps_.config->external_url));
}

HttpResponse Api::ListSilences() {
  auto stored = deps_.store->ListSilences();
  if (!stored.ok()) return Unavailable(stored.error().message);
  const TimePoint now = deps_.clock->now();
  nlohmann::json list = nlohmann::json::array();
  for (const Silence& s : deps_.config->silences) list.push_back(SilenceJson(s, now));
  for (const Silence& s : *stored) list.push_back(SilenceJson(s, now));
  return HttpResponse::Json(200, list.dump());
}

// The silence `id`, from the config or the store; *config says which. Null when there is none.
Result<std::optional<Silence>> Api::FindSilence(const std::string& id, bool* config) {
  *config = false;
  for (const Silence& s : deps_.config->silences) {
    if (s.id == id) {
      *config = true;
      return std::optional<Silence>(s);
    }
  }
  auto stored = deps_.store->ListSilences();
  if (!stored.ok()) return stored.error();
  for (Silence& s : *stored) {
    if (s.id == id) return std::optional<Silence>(std::move(s));
  }
  return std::optional<Silence>();
}

HttpResponse Api::GetSilence(const std::string& id) {
  bool config = false;
  auto found = FindSilence(id, &config);
  if (!found.ok()) return Unavailable(found.error().message);
  if (!found->has_value()) return HttpResponse::Error(404, "no silence " + id, "id");
  return HttpResponse::Json(200, SilenceJson(**found, deps_.clock->now()).dump());
}

void Api::PutSilence(Silence silence, std::function<void(HttpResponse)> done, int status,
                     nlohmann::json answer) {
  bool queued = deps_.pipeline->SubmitCommand(
      [silence](Engine& engine, TimePoint now, Changes& into) {
        engine.PutSilence(silence, now, into);
      },
      [done, status, answer](const Status& st) {
        if (!st.ok()) return done(Unavailable("silence not stored, retry: " + st.error().message));
        done(HttpResponse::Json(status, answer.dump()));
      });
  if (!queued) done(Unavailable("queue full"));
}

void Api::PostSilence(const HttpRequest& req, std::function<void(HttpResponse)> done) {
  auto parsed = ParseSilence(req.body, deps_.clock->now());
  if (auto* error = std::get_if<HttpResponse>(&parsed)) return done(std::move(*error));
  Silence silence = std::move(std::get<Silence>(parsed));
  if (silence.id.empty()) {
    silence.id = NewSilenceId();
  } else {
    // An update of an existing silence (Alertmanager: POST with its id).
    bool config = false;
    auto found = FindSilence(silence.id, &config);
    if (!found.ok()) return done(Unavailable(found.error().message));
    if (!found->has_value())
      return done(HttpResponse::Error(404, "no silence " + silence.id, "id"));
    if (config) {
      return done(HttpResponse::Error(
          409, "silence " + silence.id + " is kept in alertbridge.yml; change it there", "id"));
    }
  }
  const std::string id = silence.id;
  PutSilence(std::move(silence), std::move(done), 200, {{"silenceID", id}});
}

void Api::DeleteSilence(const std::string& id, std::function<void(HttpResponse)> done) {
  bool config = false;
  auto found = FindSilence(id, &config);
  if (!found.ok()) return done(Unavailable(found.error().message));
  if (!found->has_value()) return done(HttpResponse::Error(404, "no silence " + id, "id"));
  if (config) {
    return done(HttpResponse::Error(
        409, "silence " + id + " is kept in alertbridge.yml; remove it there", "id"));
  }
  Silence silence = std::move(**found);
  const TimePoint now = deps_.clock->now();
  if (silence.ends_at <= now) {
    return done(HttpResponse::Json(200, nlohmann::json{{"changed", false}}.dump()));
  }
  // Expired, as Alertmanager does: it ends now and stays listed.
  silence.ends_at = now;
  if (silence.starts_at > now) silence.starts_at = now;
  silence.updated_at = now;
  PutSilence(std::move(silence), std::move(done), 200, {{"changed", true}});
}

}  // namespace ab
