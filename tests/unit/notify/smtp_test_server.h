// A real SMTP server for the email tests: tests/e2e/smtp_server.py (aiosmtpd) in a child
// process on a free 127.0.0.1 port, with the messages it accepted read back as JSON.
#pragma once

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ab::testing {

class SmtpTestServer {
 public:
  struct Options {
    bool tls = false;       // STARTTLS offered and required (self-signed cert for 127.0.0.1)
    std::string auth = {};  // "user:password": AUTH required
    std::vector<std::string> reject_rcpt = {};  // addresses RCPT TO answers 550 for
  };

  explicit SmtpTestServer(Options options) {
    char tmpl[] = "/tmp/ab-smtp-XXXXXX";
    dir_ = mkdtemp(tmpl);
    std::vector<std::string> args = {
        kPython,        std::string(ALERTBRIDGE_SOURCE_DIR) + "/tests/e2e/smtp_server.py",
        "--port-file",  dir_ + "/port",
        "--out",        dir_ + "/out.jsonl",
        "--reply-file", dir_ + "/reply"};
    if (options.tls) {
      const std::string cmd =
          "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
          "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " +
          dir_ + "/key.pem -out " + dir_ + "/cert.pem 2>/dev/null";
      EXPECT_EQ(std::system(cmd.c_str()), 0) << "openssl could not make a test certificate";
      args.insert(args.end(), {"--tls-cert", dir_ + "/cert.pem", "--tls-key", dir_ + "/key.pem"});
    }
    if (!options.auth.empty()) args.insert(args.end(), {"--auth", options.auth});
    for (const std::string& a : options.reject_rcpt) args.insert(args.end(), {"--reject-rcpt", a});
    std::vector<char*> argv;  // built before fork: the child may only exec
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    // Watch the folder before the child starts, so the port file's arrival cannot be missed.
    const int watch = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (watch >= 0) inotify_add_watch(watch, dir_.c_str(), IN_MOVED_TO | IN_CLOSE_WRITE);
    pid_ = fork();
    if (pid_ == 0) {
      execv(kPython, argv.data());
      _exit(127);
    }
    // Wait for the port file (the server writes it once it listens), woken by inotify; the
    // bounded poll also notices a child that died without writing it.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      std::ifstream in(dir_ + "/port");
      if (in >> port_) break;
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        ADD_FAILURE() << "the SMTP test server exited (is python3-aiosmtpd installed? run "
                         "scripts/bootstrap.sh)";
        break;
      }
      pollfd p{watch, POLLIN, 0};
      if (poll(&p, 1, 100) > 0) {
        char events[4096];
        while (read(watch, events, sizeof events) > 0) {
        }
      }
    }
    if (watch >= 0) close(watch);
    if (port_ > 0 || pid_ < 0) return;
    ADD_FAILURE() << "the SMTP test server did not start listening within 20 s";
  }

  ~SmtpTestServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  SmtpTestServer(const SmtpTestServer&) = delete;
  SmtpTestServer& operator=(const SmtpTestServer&) = delete;

  int port() const { return port_; }
  std::string Url(const std::string& scheme = "smtp") const {
    return scheme + "://127.0.0.1:" + std::to_string(port_);
  }
  std::string CaFile() const { return dir_ + "/cert.pem"; }
  // The answer to the next DATA commands ("451 4.3.0 Try again later"); empty = accept.
  void ReplyWith(const std::string& line) const { std::ofstream(dir_ + "/reply") << line << "\n"; }

  // The messages accepted so far, oldest first.
  std::vector<nlohmann::json> Messages() const {
    std::vector<nlohmann::json> out;
    std::ifstream in(dir_ + "/out.jsonl");
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) out.push_back(nlohmann::json::parse(line));
    }
    return out;
  }

 private:
  static constexpr const char* kPython = "/usr/bin/python3";  // Debian's, with aiosmtpd
  std::string dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace ab::testing
