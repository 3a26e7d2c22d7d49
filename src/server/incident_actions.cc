// POST /api/v1/incidents/{id}/{ack,resolve,close,reopen,note,assign,severity}: a person's action,
// run by the committer thread like an alert batch, answered after its commit (CONTRACTS.md
// "Incidents": idempotent, 409 {"error", "state"} when the state forbids it).
#include <algorithm>
#include <variant>

#include "ingest/decode.h"
#include "model/json.h"
#include "server/api.h"

namespace ab {

namespace {

std::optional<int64_t> ParsePositive(std::string_view s) {
  int64_t v = 0;
  if (s.empty() || s.size() > 18) return std::nullopt;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v > 0 ? std::optional<int64_t>(v) : std::nullopt;
}

// Body fields each action accepts ("actor" everywhere).
std::vector<std::string_view> FieldsOf(ActionType t) {
  switch (t) {
    case ActionType::kClose:
      return {"actor", "resolution"};
    case ActionType::kNote:
      return {"actor", "text"};
    case ActionType::kAssign:
      return {"actor", "team", "commander"};
    case ActionType::kSeverity:
      return {"actor", "priority"};
    default:
      return {"actor"};
  }
}

// An action body holds a few short strings; the size is checked before any parse, so that its
// DOM stays small whatever the body's shape.
constexpr size_t kMaxActionBodyBytes = 64 * 1024;

// The action from its JSON body, or the 400/413/415 answer.
std::variant<Action, HttpResponse> ParseAction(const HttpRequest& req, ActionType type,
                                               int64_t id) {
  Action action;
  action.incident_id = id;
  action.type = type;
  if (req.body.empty()) return action;
  if (!IsJsonContentType(req.Header("Content-Type"))) {
    return HttpResponse::Error(415, "Content-Type must be application/json", "Content-Type");
  }
  if (req.body.size() > kMaxActionBodyBytes) {
    return HttpResponse::Error(
        413, "an action body may hold at most " + std::to_string(kMaxActionBodyBytes) + " bytes");
  }
  nlohmann::json body;
  try {
    body = nlohmann::json::parse(req.body);
  } catch (const nlohmann::json::exception& e) {
    return HttpResponse::Error(400, ingest::MalformedJson(e.what()).message);
  }
  if (!body.is_object()) {
    return HttpResponse::Error(
        400, std::string("the body must be a JSON object, got ") + body.type_name());
  }
  const std::vector<std::string_view> fields = FieldsOf(type);
  for (const auto& [key, value] : body.items()) {
    if (std::find(fields.begin(), fields.end(), key) == fields.end()) {
      return HttpResponse::Error(
          400, "unknown field \"" + key + "\" for " + std::string(ToString(type)), key);
    }
    if (!value.is_string()) return HttpResponse::Error(400, key + " must be a string", key);
    const std::string& text = value.get_ref<const std::string&>();
    if (key == "actor") {
      if (text.empty()) return HttpResponse::Error(400, "actor must not be empty", key);
      action.actor = "user:" + text;
    } else if (key == "resolution" || key == "text") {
      action.text = text;
    } else if (key == "team") {
      action.team = text;
    } else if (key == "commander") {
      action.commander = text;
    } else if (key == "priority") {
      action.priority = ParseSeverity(text);
      if (!action.priority) {
        return HttpResponse::Error(400, "priority must be SEV1..SEV5, got \"" + text + "\"", key);
      }
    }
  }
  return action;
}

}  // namespace

void Api::Act(HttpRequest&& req, std::string_view id_text, std::string_view verb,
              const std::function<void(HttpResponse)>& done) {
  std::optional<int64_t> id = ParsePositive(id_text);
  if (!id) return done(HttpResponse::Error(400, "incident id must be a positive integer", "id"));
  std::optional<ActionType> type = ParseActionType(verb);
  if (!type) {
    return done(HttpResponse::Error(404,
                                    "unknown action \"" + std::string(verb) +
                                        "\" (ack, resolve, close, reopen, note, assign, severity)",
                                    "action"));
  }
  auto parsed = ParseAction(req, *type, *id);
  if (auto* error = std::get_if<HttpResponse>(&parsed)) return done(std::move(*error));
  std::string external_url = deps_.config->external_url;
  bool queued = deps_.pipeline->SubmitAction(
      std::move(std::get<Action>(parsed)),
      [done, external_url](const Status& st, const ActionOutcome& out) {
        if (!st.ok()) {
          HttpResponse r =
              HttpResponse::Error(503, "action not stored, retry: " + st.error().message);
          r.headers.emplace_back("Retry-After", "1");
          return done(std::move(r));
        }
        switch (out.code) {
          case ActionOutcome::Code::kNotFound:
            return done(HttpResponse::Error(404, out.error, "id"));
          case ActionOutcome::Code::kInvalid:
            return done(HttpResponse::Error(400, out.error, out.field));
          case ActionOutcome::Code::kConflict:
            return done(HttpResponse::Json(
                409, nlohmann::json{{"error", out.error}, {"state", ToString(out.incident.state)}}
                         .dump()));
          case ActionOutcome::Code::kOk:
            break;
        }
        done(HttpResponse::Json(
            200, nlohmann::json{{"changed", out.changed},
                                {"incident", IncidentJson(out.incident, external_url)}}
                     .dump()));
      });
  if (!queued) {
    HttpResponse r = HttpResponse::Error(503, "queue full");
    r.headers.emplace_back("Retry-After", "1");
    done(std::move(r));
  }
}

}  // namespace ab
