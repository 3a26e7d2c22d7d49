// Access control of the API (CONTRACTS.md "Auth scope"): tokens and roles, source auth on ingest,
// cross-site refusals, and the actor a token puts on the timeline.
#include <gmock/gmock.h>

#include "api_fixture.h"
#include "common/crypto.h"

namespace ab::api_test {
namespace {

using ::testing::HasSubstr;

constexpr char kWriteToken[] = "write-token-0123456789abcdef";
constexpr char kReadToken[] = "read-token-0123456789abcdef";

class ApiAccessTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    setenv("AB_TEST_WRITE_TOKEN", kWriteToken, 1);
    setenv("AB_TEST_READ_TOKEN", kReadToken, 1);
  }
  void WithTokens() {
    config_.api.tokens = {
        ApiToken{"oncall-ui", Secret("env:AB_TEST_WRITE_TOKEN"), ApiRole::kWrite, {}},
        ApiToken{"grafana", Secret("env:AB_TEST_READ_TOKEN"), ApiRole::kRead, {}}};
  }
  // Declares incident 1 through the alertmanager route.
  void Declare() {
    HttpResponse r = Send(Post("/api/v1/alerts/alertmanager").Json(FiringCheckout()));
    ASSERT_EQ(r.status, 200) << r.body;
  }
  std::string LastActor(int64_t id) {
    auto d = store_->GetIncident(id);
    EXPECT_TRUE(d.ok() && d->has_value());
    return d.ok() && d->has_value() ? (**d).timeline.back().actor : "";
  }
};

TEST_F(ApiAccessTest, WithTokensEveryRouteButHealthNeedsOne) {
  WithTokens();
  Start();
  EXPECT_EQ(Send(Get("/-/healthy")).status, 200);
  EXPECT_EQ(Send(Get("/-/ready")).status, 200);
  for (const Request& r :
       {Get("/api/v1/incidents"), Get("/api/v1/incidents/1"), Get("/metrics"),
        Get("/api/v1/outbox"), Get("/no/such/route"), Post("/api/v1/incidents/1/ack").Json("{}"),
        Post("/api/v1/outbox/1/retry").Json(""), Post("/-/reload").Json("")}) {
    HttpResponse none = Send(r);
    EXPECT_EQ(none.status, 401) << r.method << " " << r.path;
    EXPECT_EQ(Header(none, "WWW-Authenticate"), R"(Bearer realm="alertbridge")");
    EXPECT_EQ(Body(none)["field"], "Authorization");
    HttpResponse wrong = Send(Request(r).Bearer("not-a-token-0123456789"));
    EXPECT_EQ(wrong.status, 401) << r.method << " " << r.path;
    EXPECT_THAT(Header(wrong, "WWW-Authenticate"), HasSubstr(R"(error="invalid_token")"));
    EXPECT_EQ(Send(Request(r).Header("Authorization", "Basic Zm9vOmJhcg==")).status, 401);
  }
  // A prefix of a real token is not that token.
  EXPECT_EQ(Send(Get("/api/v1/incidents").Bearer(std::string(kReadToken).substr(0, 10))).status,
            401);
}

TEST_F(ApiAccessTest, ReadTokensReadAndWriteTokensAct) {
  WithTokens();
  Start();
  Declare();
  for (const char* token : {kReadToken, kWriteToken}) {
    EXPECT_EQ(Send(Get("/api/v1/incidents").Bearer(token)).status, 200);
    EXPECT_EQ(Send(Get("/api/v1/incidents/1").Bearer(token)).status, 200);
    EXPECT_EQ(Send(Get("/api/v1/outbox").Bearer(token)).status, 200);
    HttpResponse metrics = Send(Get("/metrics").Bearer(token));
    EXPECT_EQ(metrics.status, 200);
    EXPECT_THAT(metrics.body, HasSubstr("alertbridge_"));
  }
  // The scheme's case does not matter (RFC 9110); extra spaces neither.
  EXPECT_EQ(
      Send(Get("/api/v1/incidents").Header("Authorization", std::string("bearer  ") + kReadToken))
          .status,
      200);
  for (const Request& r :
       {Post("/api/v1/incidents/1/ack").Json("{}"), Post("/api/v1/outbox/1/retry").Json(""),
        Post("/api/v1/outbox/1/discard").Json(""), Post("/-/reload").Json(""),
        Post("/api/v1/silences").Json("{}")}) {
    HttpResponse weak = Send(Request(r).Bearer(kReadToken));
    EXPECT_EQ(weak.status, 403) << r.path;
    EXPECT_THAT(Header(weak, "WWW-Authenticate"), HasSubstr(R"(error="insufficient_scope")"));
    EXPECT_THAT(Body(weak)["error"].get<std::string>(), HasSubstr("grafana has role read"));
  }
  HttpResponse ack = Send(Post("/api/v1/incidents/1/ack").Bearer(kWriteToken).Json(""));
  ASSERT_EQ(ack.status, 200) << ack.body;
  EXPECT_EQ(LastActor(1), "user:oncall-ui");
  HttpResponse note = Send(Post("/api/v1/incidents/1/note")
                               .Bearer(kWriteToken)
                               .Json(R"({"text": "rolling back", "actor": "alice"})"));
  ASSERT_EQ(note.status, 200) << note.body;
  EXPECT_EQ(LastActor(1), "user:oncall-ui (on behalf of alice)");
  // A dead entry does not exist here, but the write token got past access control to say so.
  EXPECT_EQ(Send(Post("/api/v1/outbox/999/retry").Bearer(kWriteToken).Json("")).status, 404);
}

TEST_F(ApiAccessTest, WithoutTokensTheBodyNamesTheActor) {
  Start();
  Declare();
  EXPECT_EQ(Send(Get("/api/v1/incidents")).status, 200);
  ASSERT_EQ(Send(Post("/api/v1/incidents/1/ack").Json("")).status, 200);
  EXPECT_EQ(LastActor(1), "user:api");
  ASSERT_EQ(Send(Post("/api/v1/incidents/1/note").Json(R"({"text":"x","actor":"bob"})")).status,
            200);
  EXPECT_EQ(LastActor(1), "user:bob");
}

TEST_F(ApiAccessTest, StateChangingRequestsMustBeJson) {
  WithTokens();
  Start();
  Declare();
  // An empty body too: a cross-site <form> or "simple" fetch sends one without a preflight.
  for (const char* type :
       {"", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"}) {
    Request r = Post("/api/v1/incidents/1/ack").Bearer(kWriteToken);
    if (*type != '\0') r.Header("Content-Type", type);
    HttpResponse answer = Send(r);
    EXPECT_EQ(answer.status, 415) << type;
    EXPECT_EQ(Body(answer)["field"], "Content-Type");
  }
  EXPECT_EQ(Send(Post("/api/v1/outbox/1/retry").Bearer(kWriteToken)).status, 415);
  EXPECT_EQ(Send(Post("/api/v1/alerts/alertmanager").Header("Content-Type", "text/plain")).status,
            415);
  // Reads need no content type.
  EXPECT_EQ(Send(Get("/api/v1/incidents").Bearer(kReadToken)).status, 200);
  // A POST to a route that takes none changes nothing: 405 with Allow, not 415.
  HttpResponse not_allowed = Send(Post("/api/v1/incidents").Bearer(kWriteToken));
  EXPECT_EQ(not_allowed.status, 405);
  EXPECT_EQ(Header(not_allowed, "Allow"), "GET, HEAD");
}

TEST_F(ApiAccessTest, BrowsersMayOnlyPostFromOurOwnOrigin) {
  config_.server.listen = "127.0.0.1:9095";
  config_.external_url = "https://alertbridge.example.com";
  Start();
  Declare();
  auto ack = [&](std::vector<std::pair<std::string, std::string>> headers) {
    Request r = Post("/api/v1/incidents/1/ack").Json("");
    for (auto& [k, v] : headers) r.Header(k, v);
    return Send(r).status;
  };
  EXPECT_EQ(ack({{"Origin", "https://evil.example"}, {"Host", "127.0.0.1:9095"}}), 403);
  EXPECT_EQ(ack({{"Origin", "null"}}), 403);
  EXPECT_EQ(ack({{"Origin", "http://localhost:8080"}, {"Host", "localhost:9095"}}), 403);
  EXPECT_EQ(ack({{"Sec-Fetch-Site", "cross-site"}}), 403);
  EXPECT_EQ(ack({{"Sec-Fetch-Site", "same-site"}}), 403);
  // DNS rebinding: the page's own name in Origin and Host, the request lands here.
  EXPECT_EQ(ack({{"Origin", "http://rebound.example:9095"}, {"Host", "rebound.example:9095"}}),
            403);
  // Our origin: external_url (default port left out, as browsers do) or the listen address.
  EXPECT_EQ(ack({{"Origin", "https://alertbridge.example.com"},
                 {"Host", "alertbridge.example.com"},
                 {"Sec-Fetch-Site", "same-origin"}}),
            200);
  EXPECT_EQ(ack({{"Origin", "http://127.0.0.1:9095"}, {"Host", "127.0.0.1:9095"}}), 200);
  EXPECT_EQ(ack({{"Origin", "http://LOCALHOST:9095"}, {"Host", "localhost:9095"}}), 200);
  // Our origin but someone else's Host: refused.
  EXPECT_EQ(ack({{"Origin", "http://127.0.0.1:9095"}, {"Host", "evil.example"}}), 403);
  // Not a browser (no Origin, no Sec-Fetch-*): curl, scripts, Alertmanager.
  EXPECT_EQ(ack({{"Host", "whatever.internal:9095"}}), 200);
  // Ingest from a browser page elsewhere is refused as well.
  EXPECT_EQ(Send(Post("/api/v1/alerts/alertmanager")
                     .Json(FiringCheckout())
                     .Header("Origin", "https://evil.example"))
                .status,
            403);
}

TEST_F(ApiAccessTest, ListeningEverywhereAcceptsAnyAddressOfOurs) {
  config_.server.listen = "0.0.0.0:9095";
  config_.api.insecure_listen = true;
  Start();
  Declare();
  auto ack = [&](const std::string& origin, const std::string& host) {
    return Send(Post("/api/v1/incidents/1/ack")
                    .Json("")
                    .Header("Origin", origin)
                    .Header("Host", host))
        .status;
  };
  EXPECT_EQ(ack("http://10.1.2.3:9095", "10.1.2.3:9095"), 200);
  EXPECT_EQ(ack("http://10.1.2.3:8080", "10.1.2.3:9095"), 403);
  EXPECT_EQ(ack("http://intranet.example:9095", "intranet.example:9095"), 403);
}

TEST_F(ApiAccessTest, IngestKeepsItsSourceAuthWhateverTheApiTokens) {
  WithTokens();
  setenv("AB_TEST_AM_USER", "alertmanager", 1);
  setenv("AB_TEST_AM_PASSWORD", "s3cret:with:colons", 1);
  config_.sources[0].auth.basic =
      SourceAuth::Basic{Secret("env:AB_TEST_AM_USER"), Secret("env:AB_TEST_AM_PASSWORD")};
  SourceConfig hooked;
  hooked.name = "grafana";
  hooked.type = "webhook";
  hooked.mapping.labels = {{"service", "/service"}};
  hooked.auth.hmac_sha256 = SourceAuth::Hmac{Secret("hmac-key"), "X-Signature"};
  config_.sources.push_back(hooked);
  Start();
  auto am = [&](const std::string& authorization) {
    Request r = Post("/api/v1/alerts/alertmanager").Json(FiringCheckout());
    if (!authorization.empty()) r.Header("Authorization", authorization);
    return Send(r);
  };
  // An API token is not the source's credential.
  HttpResponse api_token = am(std::string("Bearer ") + kWriteToken);
  EXPECT_EQ(api_token.status, 401);
  EXPECT_THAT(Header(api_token, "WWW-Authenticate"), HasSubstr("Basic realm="));
  EXPECT_EQ(am("").status, 401);
  EXPECT_EQ(am("Basic " + Base64Encode("alertmanager:wrong")).status, 401);
  EXPECT_EQ(am("Basic " + Base64Encode("alertmanager")).status, 401);
  EXPECT_EQ(am("Basic not-base64!").status, 401);
  EXPECT_EQ(am("Basic " + Base64Encode("alertmanager:s3cret:with:colons")).status, 200);
  EXPECT_EQ(am("basic " + Base64Encode("alertmanager:s3cret:with:colons")).status, 200);
  // API v2 (Prometheus) uses the alertmanager source's auth too.
  EXPECT_EQ(Send(Post("/api/v2/alerts").Json(R"([{"labels":{"service":"checkout"}}])")).status,
            401);

  const std::string body = R"({"service":"checkout"})";
  const std::string sig = HexEncode(HmacSha256("hmac-key", body));
  std::string upper = sig;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto hook = [&](const std::string& signature) {
    return Send(Post("/api/v1/alerts/webhook/grafana").Json(body).Header("X-Signature", signature))
        .status;
  };
  EXPECT_EQ(hook(sig), 200);
  EXPECT_EQ(hook(upper), 200);
  EXPECT_EQ(hook("sha256=" + sig), 200);
  EXPECT_EQ(hook(sig.substr(0, 63)), 401);
  EXPECT_EQ(hook(""), 401);
}

TEST_F(ApiAccessTest, TokensMustResolveBeLongAndDiffer) {
  WithTokens();
  config_.api.tokens[0].token = Secret("env:AB_TEST_UNSET_TOKEN");
  unsetenv("AB_TEST_UNSET_TOKEN");
  auto unset = Create();
  ASSERT_FALSE(unset.ok());
  EXPECT_THAT(unset.error().message, HasSubstr("api token oncall-ui: env:AB_TEST_UNSET_TOKEN"));

  setenv("AB_TEST_SHORT_TOKEN", "short", 1);
  config_.api.tokens[0].token = Secret("env:AB_TEST_SHORT_TOKEN");
  auto short_token = Create();
  ASSERT_FALSE(short_token.ok());
  EXPECT_THAT(short_token.error().message, HasSubstr("shorter than 16 characters"));
  EXPECT_THAT(short_token.error().message, ::testing::Not(HasSubstr("short,")));

  config_.api.tokens[0].token = Secret("env:AB_TEST_READ_TOKEN");
  auto same = Create();
  ASSERT_FALSE(same.ok());
  EXPECT_THAT(same.error().message, HasSubstr("have the same value"));
}

TEST_F(ApiAccessTest, EveryAnswerCarriesTheRequestId) {
  Start();
  HttpResponse fresh = Send(Get("/-/healthy"));
  const std::string id = Header(fresh, "X-Request-Id");
  EXPECT_EQ(id.size(), 16u);
  EXPECT_NE(Header(Send(Get("/-/healthy")), "X-Request-Id"), id);
  EXPECT_EQ(
      Header(Send(Get("/-/healthy").Header("x-request-id", "3f2c-41aa:proxy.7")), "X-Request-Id"),
      "3f2c-41aa:proxy.7");
  // Not sane (spaces, quotes, too long): replaced, never echoed.
  for (const std::string& bad :
       {std::string("a b"), std::string("x\"y"), std::string(200, 'a'), std::string("")}) {
    const std::string echoed =
        Header(Send(Get("/-/healthy").Header("X-Request-Id", bad)), "X-Request-Id");
    EXPECT_NE(echoed, bad);
    EXPECT_EQ(echoed.size(), 16u);
  }
  // Refusals too (415: no JSON content type).
  EXPECT_FALSE(Header(Send(Post("/api/v1/incidents/1/ack")), "X-Request-Id").empty());
}

}  // namespace
}  // namespace ab::api_test
