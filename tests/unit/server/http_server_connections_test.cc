// Issue 13 item 6: one client cannot take every connection. A cap per client address (a
// connection still sending its header counts), and the longest-idle keep-alive connections close
// first when the table is nearly full, so that a newcomer (an Alertmanager with alerts) gets in.
#include <gtest/gtest.h>

#include "http_test_client.h"
#include "server/http_server.h"

namespace ab::http_test {
namespace {

// A connection in header phase: connected, part of a request line sent, never finished.
Socket Slowloris(uint16_t port, const char* from = nullptr) {
  Socket s = Connect(port, from);
  if (s.valid()) SendAll(s, "POST /slow HTTP/1.1\r\nContent-Le");
  return s;
}

// A keep-alive connection that has done one request and now waits for the next.
Socket IdleKeepAlive(uint16_t port, const char* from = nullptr) {
  Socket s = Connect(port, from);
  auto r = RoundTrip(s, Get("/warm"));
  EXPECT_TRUE(r && r->status == 200);
  return s;
}

TEST_F(HttpServerTest, CapsConnectionsPerClientAddressHeaderPhaseIncluded) {
  options_.max_connections = 100;
  options_.max_connections_per_client = 3;
  StartServer();
  std::vector<Socket> held;
  for (int i = 0; i < 3; ++i) held.push_back(Slowloris(port_));
  ASSERT_TRUE(connections_.WaitFor(3));

  Socket fourth = Connect(port_);
  auto refused = RoundTrip(fourth, Get("/x"));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->header("retry-after"), "1");
  EXPECT_NE(refused->body.find("too many connections from 127.0.0.1 (limit 3)"), std::string::npos)
      << refused->body;
  EXPECT_EQ(rejected_.total(), 1);

  // Another address is another client.
  Socket other = Connect(port_, "127.0.0.2");
  ASSERT_TRUE(other.valid());
  auto ok = RoundTrip(other, Get("/alertmanager"));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(nlohmann::json::parse(ok->body)["remote"], "127.0.0.2");

  // A freed slot is the address's again.
  held.front().Close();
  ASSERT_TRUE(connections_.WaitFor(3));  // two slowloris + the other client
  Socket again = Connect(port_);
  auto served = RoundTrip(again, Get("/again"));
  ASSERT_TRUE(served);
  EXPECT_EQ(served->status, 200);
}

TEST_F(HttpServerTest, ClosesTheLongestIdleKeepAliveConnectionForANewcomer) {
  options_.max_connections = 8;
  StartServer();
  // The table fills with requests in flight; they finish one after another and wait, idle.
  std::vector<Socket> idle;
  for (int i = 0; i < 8; ++i) {
    idle.push_back(Connect(port_));
    ASSERT_TRUE(SendAll(idle.back(), "GET /warm HTTP/1.1\r\n"));
  }
  ASSERT_TRUE(connections_.WaitFor(8));
  for (Socket& s : idle) {
    std::string buffer;
    ASSERT_TRUE(SendAll(s, "Host: t\r\n\r\n"));
    auto done = ReadResponse(s, buffer);
    ASSERT_TRUE(done && done->status == 200);
  }
  // All but the first are used once more: the first is the longest idle, by a clear margin.
  for (size_t i = 1; i < idle.size(); ++i) ASSERT_TRUE(RoundTrip(idle[i], Get("/again")));

  Socket newcomer = Connect(port_, "127.0.0.2");
  auto r = RoundTrip(newcomer, Get("/alerts"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << "not 503: an idle connection made room";
  EXPECT_EQ(rejected_.total(), 0);
  EXPECT_TRUE(WaitForClose(idle.front(), Clock::now() + kDeadline))
      << "the longest-idle connection is the one closed";
  // The most recently used one is still served.
  auto still = RoundTrip(idle.back(), Get("/still"));
  ASSERT_TRUE(still);
  EXPECT_EQ(still->status, 200);
}

TEST_F(HttpServerTest, KeepsHeadroomByClosingIdleConnectionsBeforeTheTableIsFull) {
  options_.max_connections = 16;  // high water at 14
  StartServer();
  std::vector<Socket> idle;
  for (int i = 0; i < 14; ++i) idle.push_back(IdleKeepAlive(port_));
  ASSERT_TRUE(connections_.WaitFor(14));
  for (size_t i = 1; i < idle.size(); ++i) ASSERT_TRUE(RoundTrip(idle[i], Get("/again")));
  Socket newcomer = IdleKeepAlive(port_, "127.0.0.2");
  EXPECT_TRUE(WaitForClose(idle.front(), Clock::now() + kDeadline));
  ASSERT_TRUE(connections_.WaitFor(14)) << "one in, the longest idle out";
}

TEST_F(HttpServerTest, AConnectionInHeaderPhaseIsNotClosedForANewcomer) {
  options_.max_connections = 4;
  StartServer();
  std::vector<Socket> busy;
  for (int i = 0; i < 4; ++i) busy.push_back(Slowloris(port_));
  ASSERT_TRUE(connections_.WaitFor(4));
  Socket newcomer = Connect(port_, "127.0.0.2");
  auto r = RoundTrip(newcomer, Get("/x"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503) << "nothing idle to close: the table is full";
  // Each slowloris connection is still open and can finish its request.
  ASSERT_TRUE(SendAll(busy[0], "ngth: 0\r\nHost: t\r\n\r\n"));
  std::string buffer;
  auto finished = ReadResponse(busy[0], buffer);
  ASSERT_TRUE(finished);
  EXPECT_EQ(finished->status, 200);
}

// The measured lock-out: a thousand idle keep-alive connections from one address made every new
// connection get 503. With the defaults (1,024 connections, 256 per address) the flood is capped,
// and Alertmanager from its own address is served.
TEST_F(HttpServerTest, AThousandIdleConnectionsFromOneAddressDoNotLockOthersOut) {
  StartServer();
  std::vector<Socket> flood;
  int refused = 0;
  for (int i = 0; i < 1024; ++i) {
    Socket s = Connect(port_);
    std::string buffer;
    ASSERT_TRUE(SendAll(s, Get("/flood")));
    auto r = ReadResponse(s, buffer);
    ASSERT_TRUE(r);
    if (r->status == 503) ++refused;
    flood.push_back(std::move(s));
  }
  EXPECT_EQ(refused, 1024 - 256);
  for (int i = 0; i < 5; ++i) {
    Socket am = Connect(port_, "127.0.0.3");
    auto r = RoundTrip(am, Get("/api/v2/alerts"));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
}

// Behind a proxy every client shares one address, so the cap is raised; then the idle ones give
// way.
TEST_F(HttpServerTest, ATableFullOfIdleConnectionsFromOneAddressStillTakesANewcomer) {
  options_.max_connections = 1024;
  options_.max_connections_per_client = 2048;
  StartServer();
  std::vector<Socket> flood;
  // Past the high-water mark (7/8 of the table) each new one closes the longest idle.
  for (int i = 0; i < 1024; ++i) flood.push_back(IdleKeepAlive(port_));
  EXPECT_LE(connections_.value(), 1024 - 1024 / 8 + 1);
  for (int i = 0; i < 5; ++i) {
    Socket am = Connect(port_, "127.0.0.3");
    auto r = RoundTrip(am, Get("/api/v2/alerts"));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  EXPECT_EQ(rejected_.total(), 0);
}

TEST_F(HttpServerTest, ManagementListenerTagsItsRequests) {
  options_.management_listen = "127.0.0.1:0";
  StartServer();
  ASSERT_NE(server_->management_port(), 0);
  ASSERT_NE(server_->management_port(), port_);
  Socket main = Connect(port_);
  auto a = RoundTrip(main, Get("/metrics"));
  ASSERT_TRUE(a);
  EXPECT_EQ(nlohmann::json::parse(a->body)["listener"], "main");
  Socket management = Connect(server_->management_port());
  auto b = RoundTrip(management, Get("/metrics"));
  ASSERT_TRUE(b);
  EXPECT_EQ(nlohmann::json::parse(b->body)["listener"], "management");
}

TEST(HttpServerStartTest, ReportsAManagementListenError) {
  ServerConfig options;
  options.listen = "127.0.0.1:0";
  options.management_listen = "127.0.0.1:99999";
  HttpServer server(options, [](HttpRequest&&, Responder r) { r(HttpResponse::Json(200, "{}")); });
  auto port = server.Start();
  ASSERT_FALSE(port.ok());
  EXPECT_NE(port.error().message.find("99999"), std::string::npos) << port.error().message;
}

}  // namespace
}  // namespace ab::http_test
