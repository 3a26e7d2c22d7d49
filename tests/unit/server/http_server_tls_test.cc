// Issue 15 item 6: optional TLS on the listener; the certificate files are read again by
// ReloadTls(), new connections get the new certificate.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "http_test_client.h"
#include "server/http_server.h"
#include "tls_test_util.h"

namespace ab::http_test {
namespace {

class HttpServerTlsTest : public HttpServerTest {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ab-tls-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    cert_ = (dir_ / "cert.pem").string();
    key_ = (dir_ / "key.pem").string();
    ASSERT_TRUE(WriteSelfSignedCertificate("first.test", cert_, key_));
    options_.tls = TlsConfig{cert_, key_};
  }
  void TearDown() override {
    server_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::filesystem::path dir_;
  std::string cert_, key_;
};

TEST_F(HttpServerTlsTest, ServesHttpsAndReloadsTheCertificate) {
  StartServer();
  TlsExchange first = TlsRoundTrip(port_, Get("/over-tls"));
  ASSERT_TRUE(first.handshake);
  EXPECT_EQ(first.server_cn, "first.test");
  ASSERT_TRUE(first.response);
  EXPECT_EQ(first.response->status, 200);
  auto echo = nlohmann::json::parse(first.response->body);
  EXPECT_EQ(echo["path"], "/over-tls");
  EXPECT_EQ(echo["tls"], true);

  ASSERT_TRUE(WriteSelfSignedCertificate("second.test", cert_, key_));
  Status reloaded = server_->ReloadTls();
  ASSERT_TRUE(reloaded.ok()) << reloaded.error().message;
  TlsExchange second = TlsRoundTrip(port_, Get("/again"));
  ASSERT_TRUE(second.handshake);
  EXPECT_EQ(second.server_cn, "second.test");
  ASSERT_TRUE(second.response);
  EXPECT_EQ(second.response->status, 200);
}

TEST_F(HttpServerTlsTest, ABrokenReloadKeepsTheCertificateInUse) {
  StartServer();
  { std::ofstream(key_) << "not a key\n"; }
  Status reloaded = server_->ReloadTls();
  ASSERT_FALSE(reloaded.ok());
  EXPECT_NE(reloaded.error().message.find(key_), std::string::npos) << reloaded.error().message;
  TlsExchange after = TlsRoundTrip(port_, Get("/still"));
  ASSERT_TRUE(after.handshake);
  EXPECT_EQ(after.server_cn, "first.test");
  ASSERT_TRUE(after.response);
  EXPECT_EQ(after.response->status, 200);
}

TEST_F(HttpServerTlsTest, PlainHttpOnTheTlsListenerIsClosed) {
  StartServer();
  Socket s = Connect(port_);
  ASSERT_TRUE(SendAll(s, Get("/plain")));
  EXPECT_TRUE(WaitForClose(s, Clock::now() + kDeadline));
  EXPECT_EQ(handled_, 0);
}

TEST_F(HttpServerTlsTest, ASlowHandshakeIsCutByTheHeaderTimeout) {
  options_.header_timeout = Duration(200);
  StartServer();
  Socket s = Connect(port_);  // connects, never says hello
  EXPECT_TRUE(WaitForClose(s, Clock::now() + kDeadline));
  ASSERT_TRUE(connections_.WaitFor(0));
}

TEST_F(HttpServerTlsTest, StartFailsOnAMissingCertificate) {
  options_.tls = TlsConfig{(dir_ / "missing.pem").string(), key_};
  HttpServer server(options_, [](HttpRequest&&, Responder r) { r(HttpResponse::Json(200, "{}")); });
  auto port = server.Start();
  ASSERT_FALSE(port.ok());
  EXPECT_NE(port.error().message.find("missing.pem"), std::string::npos) << port.error().message;
}

TEST_F(HttpServerTest, ReloadTlsWithoutTlsConfiguredIsAnError) {
  StartServer();
  EXPECT_FALSE(server_->ReloadTls().ok());
}

}  // namespace
}  // namespace ab::http_test
