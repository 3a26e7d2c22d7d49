// The only translation unit that instantiates Beast (TOOLCHAIN.md: ~13 s and 0.8 GB each), so
// it holds the transport and nothing else: routes see plain HttpRequest/HttpResponse.
#include "server/http_server.h"

// Before any Asio header: with g++ 12 and C++20, Boost 1.74's asio::awaitable uses std::exchange
// without including <utility> (TOOLCHAIN.md).
#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <condition_variable>
#include <exception>
#include <iterator>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <typeinfo>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ab {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Strand = asio::strand<asio::io_context::executor_type>;

// After an error response that closes the connection, keep reading (and discarding) for a moment
// before closing: closing a socket with unread request bytes makes the kernel send RST, and the
// client may then lose the 413/431/503 it has not read yet.
constexpr std::chrono::milliseconds kLingerTime{1000};
constexpr size_t kReadChunk = 4096;
constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";

std::string_view View(beast::string_view s) { return {s.data(), s.size()}; }

// A completion handler behind one type. Beast's composed operations are move-only, so this is a
// move-only std::function of its own.
class ErasedHandler {
 public:
  template <typename Handler>
  explicit ErasedHandler(Handler&& handler)
      : impl_(std::make_unique<Impl<std::decay_t<Handler>>>(std::forward<Handler>(handler))) {}
  void operator()(beast::error_code ec, size_t n) {
    auto impl = std::move(impl_);  // a handler runs once; it may start the next operation
    impl->Call(ec, n);
  }

 private:
  struct Base {
    virtual ~Base() = default;
    virtual void Call(beast::error_code ec, size_t n) = 0;
  };
  template <typename Handler>
  struct Impl : Base {
    explicit Impl(Handler&& h) : handler(std::move(h)) {}
    void Call(beast::error_code ec, size_t n) override { std::move(handler)(ec, n); }
    Handler handler;
  };
  std::unique_ptr<Base> impl_;
};

template <typename Buffer, typename Sequence>
std::vector<Buffer> BufferList(const Sequence& buffers) {
  std::vector<Buffer> out;
  for (auto it = asio::buffer_sequence_begin(buffers); it != asio::buffer_sequence_end(buffers);
       ++it) {
    out.push_back(Buffer(*it));
  }
  return out;
}

// What a session reads and writes: plain TCP, or TLS over it. Beast's HTTP operations are
// instantiated once, on this type, and the two streams' own operations once each, on
// ErasedHandler: TLS does not double the cost of this file (TOOLCHAIN.md). Every handler runs on
// the socket's executor, the session's strand.
class Transport {
 public:
  using executor_type = beast::tcp_stream::executor_type;

  explicit Transport(tcp::socket socket) { plain_.emplace(std::move(socket)); }
  Transport(tcp::socket socket, std::shared_ptr<asio::ssl::context> context)
      : context_(std::move(context)) {
    tls_.emplace(beast::tcp_stream(std::move(socket)), *context_);
  }

  executor_type get_executor() { return connection().get_executor(); }
  // Timeouts, shutdown and close work on the TCP stream below TLS.
  beast::tcp_stream& connection() { return tls_ ? tls_->next_layer() : *plain_; }
  bool tls() const { return tls_.has_value(); }

  template <typename Buffers, typename Handler>
  void async_read_some(const Buffers& buffers, Handler&& handler) {
    ReadSome(BufferList<asio::mutable_buffer>(buffers),
             ErasedHandler(std::forward<Handler>(handler)));
  }
  template <typename Buffers, typename Handler>
  void async_write_some(const Buffers& buffers, Handler&& handler) {
    WriteSome(BufferList<asio::const_buffer>(buffers),
              ErasedHandler(std::forward<Handler>(handler)));
  }
  void Handshake(ErasedHandler handler) {
    tls_->async_handshake(
        asio::ssl::stream_base::server,
        [handler = std::move(handler)](beast::error_code ec) mutable { handler(ec, 0); });
  }

 private:
  void ReadSome(std::vector<asio::mutable_buffer> buffers, ErasedHandler handler) {
    if (tls_) return tls_->async_read_some(buffers, std::move(handler));
    plain_->async_read_some(buffers, std::move(handler));
  }
  void WriteSome(std::vector<asio::const_buffer> buffers, ErasedHandler handler) {
    if (tls_) return tls_->async_write_some(buffers, std::move(handler));
    plain_->async_write_some(buffers, std::move(handler));
  }

  std::shared_ptr<asio::ssl::context> context_;  // before tls_: the stream refers to it
  std::optional<beast::tcp_stream> plain_;
  std::optional<asio::ssl::stream<beast::tcp_stream>> tls_;
};

// A TLS context from the configured files, TLS 1.2 at least.
Result<std::shared_ptr<asio::ssl::context>> LoadTls(const TlsConfig& files) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
  beast::error_code ec;
  context->use_certificate_chain_file(files.cert_file, ec);
  if (ec) return MakeError("cannot load TLS certificate " + files.cert_file + ": " + ec.message());
  context->use_private_key_file(files.key_file, asio::ssl::context::pem, ec);
  if (ec) return MakeError("cannot load TLS key " + files.key_file + ": " + ec.message());
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    return MakeError("TLS key " + files.key_file + " does not match certificate " +
                     files.cert_file);
  }
  return context;
}

class Session;

// One listening socket: the main listener, or the management one.
struct Acceptor {
  Acceptor(asio::io_context& ioc, Listener listener_kind)
      : acceptor(asio::make_strand(ioc)), retry(acceptor.get_executor()), kind(listener_kind) {}
  tcp::acceptor acceptor;
  asio::steady_timer retry;
  const Listener kind;
};

// A registered session, as the acceptor sees it (guarded by Core::mu).
struct SessionEntry {
  std::weak_ptr<Session> session;
  std::string remote;
  bool counted = false;  // against max_connections and its address
  bool idle = false;     // waiting between keep-alive requests: in Core::idle
  std::list<uint64_t>::iterator idle_position;
  bool evicting = false;  // chosen to close for a newcomer
};

// State shared by the acceptor, the sessions and the responders. Sessions and pending responders
// hold it by shared_ptr, so a responder that fires after the server is gone still finds a live
// io_context (it then drops the response instead of posting it).
struct Core : std::enable_shared_from_this<Core> {
  Core(ServerConfig o, HttpHandler h, HttpServerStats s)
      : ioc(std::max(1, o.threads)),
        options(std::move(o)),
        handler(std::move(h)),
        stats(std::move(s)) {}

  void Accept(Acceptor& acceptor);
  void OnAccept(Acceptor& acceptor, Strand strand, tcp::socket socket);
  // A session between keep-alive requests (or no longer): the idle list, longest idle first.
  void SetIdle(uint64_t id, bool idle);
  // The session chose to stay open after all (it got a request before it was closed).
  void CancelEviction(uint64_t id);
  void Unregister(uint64_t id);
  void BeginDrain();
  // Only once no io thread runs: closes every socket and runs the remaining completions so that
  // every session is released.
  void FinalClose();

  asio::io_context ioc;
  const ServerConfig options;
  const HttpHandler handler;
  const HttpServerStats stats;
  std::vector<std::unique_ptr<Acceptor>> acceptors;  // set before the threads start
  std::atomic<bool> draining_flag{false};  // lock-free copy of `draining` for the hot path

  std::mutex mu;  // guards the fields below
  std::condition_variable drained;
  bool draining = false;
  bool stopped = false;  // io threads are gone: nothing may be posted to ioc any more
  size_t active = 0;     // sessions counted against max_connections
  size_t evicting = 0;   // of those, chosen to close for newcomers
  uint64_t next_id = 1;  // 0 = not registered
  std::unordered_map<uint64_t, SessionEntry> sessions;
  std::unordered_map<std::string, size_t> per_client;  // counted sessions by peer address
  std::list<uint64_t> idle;                            // longest idle first
  std::shared_ptr<asio::ssl::context> tls;             // null: plain HTTP on the main listener
};

// Marks the io threads, so that Stop() called from a handler does not join its own thread.
thread_local const Core* t_io_core = nullptr;

// One TCP connection. Every member is touched only on `strand_`.
class Session : public std::enable_shared_from_this<Session> {
  // Every completion handler has this one type: each distinct handler type instantiates Beast's
  // composed operations again, and that is most of this file's compile time.
  auto Bind(void (Session::*member)(beast::error_code, size_t)) {
    return beast::bind_front_handler(member, shared_from_this());
  }

 public:
  Session(std::shared_ptr<Core> core, Strand strand, Transport stream, std::string remote,
          Listener listener)
      : core_(std::move(core)),
        strand_(std::move(strand)),
        stream_(std::move(stream)),
        remote_(std::move(remote)),
        listener_(listener) {}

  ~Session() { core_->Unregister(id_); }

  const Strand& strand() const { return strand_; }
  void set_id(uint64_t id) { id_ = id; }

  // The connection's first request: the header timeout runs from the accept, and covers the TLS
  // handshake.
  void Start() {
    if (!stream_.tls()) return ReadHeader();
    phase_ = Phase::kHeader;
    stream_.connection().expires_after(core_->options.header_timeout);
    stream_.Handshake(ErasedHandler(Bind(&Session::OnHandshake)));
  }

  // The connection table (or this address's share of it) is full: 503 and close, never queue.
  // Over TLS the answer cannot be written before a handshake: the connection just closes.
  void Reject(std::string why) {
    if (stream_.tls()) return Close();
    phase_ = Phase::kHandling;
    keep_alive_ = false;
    HttpResponse response = HttpResponse::Error(503, why + "; retry shortly");
    response.headers.emplace_back("Retry-After", "1");
    WriteResponse(std::move(response), /*linger=*/true);
  }

  // Chosen to make room for a newcomer: closes if it is still between requests.
  void Evict() {
    if (phase_ == Phase::kIdle) return Close();
    core_->CancelEviction(id_);
  }

  // Stop(): a connection with no request in flight closes now; one whose handler has been called
  // finishes its response and closes after it (OnWrite sees draining_flag).
  void Drain() {
    if (phase_ == Phase::kHandling || phase_ == Phase::kWriting) return;
    Close();
  }

  // From any thread, exactly once per request (ResponseSlot guarantees it).
  void Deliver(HttpResponse response) {
    if (strand_.running_in_this_thread()) {
      WriteResponse(std::move(response), /*linger=*/false);
      return;
    }
    std::lock_guard lock(core_->mu);
    if (core_->stopped) return;  // the server is gone; nobody is left to write it
    asio::post(strand_, [self = shared_from_this(), response = std::move(response)]() mutable {
      self->WriteResponse(std::move(response), /*linger=*/false);
    });
  }

  // Only from Core::FinalClose, when no io thread runs.
  void ForceClose() { Close(); }

 private:
  enum class Phase { kIdle, kHeader, kBody, kHandling, kWriting, kClosing };

  // Between keep-alive requests: the idle timeout runs until the first byte of the next request,
  // then the header timeout starts.
  void WaitForRequest() {
    phase_ = Phase::kIdle;
    core_->SetIdle(id_, true);
    stream_.connection().expires_after(core_->options.idle_timeout);
    stream_.async_read_some(buffer_.prepare(kReadChunk), Bind(&Session::OnFirstBytes));
  }

  void OnFirstBytes(beast::error_code ec, size_t n) {
    core_->SetIdle(id_, false);
    if (ec) return Close();  // idle timeout, eviction, or peer gone
    buffer_.commit(n);
    ReadHeader();
  }

  void OnHandshake(beast::error_code ec, size_t) {
    if (ec) return Close();  // not TLS, a certificate the client refused, or too slow
    ReadHeader();
  }

  void ReadHeader() {
    phase_ = Phase::kHeader;
    parser_.emplace();
    const size_t header_limit = std::min<size_t>(core_->options.max_header_bytes, UINT32_MAX);
    parser_->header_limit(static_cast<uint32_t>(header_limit));
    // Beast checks Content-Length against this as soon as the header is complete, before any
    // body byte is read, and counts decoded chunks against it for chunked bodies.
    parser_->body_limit(static_cast<uint64_t>(core_->options.max_body_bytes));
    stream_.connection().expires_after(core_->options.header_timeout);
    http::async_read_header(stream_, buffer_, *parser_, Bind(&Session::OnHeader));
  }

  void OnHeader(beast::error_code ec, size_t) {
    if (ec) return OnReadError(ec);
    if (parser_->is_done()) return CallHandler();
    phase_ = Phase::kBody;
    stream_.connection().expires_after(core_->options.body_timeout);
    const auto& msg = parser_->get();
    const auto expect = msg[http::field::expect];
    if (msg.version() == 11 && beast::iequals(expect, "100-continue")) {
      asio::async_write(stream_, asio::buffer(kContinue, sizeof(kContinue) - 1),
                        Bind(&Session::OnContinueSent));
      return;
    }
    ReadBody();
  }

  void OnContinueSent(beast::error_code ec, size_t) {
    if (ec) return Close();
    ReadBody();
  }

  void ReadBody() { http::async_read(stream_, buffer_, *parser_, Bind(&Session::OnBody)); }

  void OnBody(beast::error_code ec, size_t) {
    if (ec) return OnReadError(ec);
    CallHandler();
  }

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return WriteError(
          413, "request body exceeds " + std::to_string(core_->options.max_body_bytes) + " bytes");
    }
    if (ec == http::error::header_limit) {
      return WriteError(431, "request header exceeds " +
                                 std::to_string(core_->options.max_header_bytes) + " bytes");
    }
    // A clean close, a reset, a timeout (slow client) or Stop(): nothing useful to say.
    if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
        ec.category() != http::make_error_code(http::error::bad_target).category()) {
      return Close();
    }
    WriteError(400, "malformed HTTP request: " + ec.message());
  }

  void WriteError(int status, std::string message) {
    phase_ = Phase::kHandling;
    keep_alive_ = false;
    head_ = false;
    WriteResponse(HttpResponse::Error(status, message), /*linger=*/true);
  }

  void CallHandler() {
    auto& msg = parser_->get();
    HttpRequest request;
    request.method = View(msg.method_string());
    request.target = View(msg.target());
    const size_t question = request.target.find('?');
    request.path = PercentDecode(std::string_view(request.target).substr(0, question), false);
    if (question != std::string::npos) request.query = request.target.substr(question + 1);
    request.headers.reserve(std::distance(msg.begin(), msg.end()));
    for (const auto& field : msg) {
      request.headers.emplace_back(View(field.name_string()), View(field.value()));
    }
    request.body = std::move(msg.body());
    request.remote = remote_;
    request.listener = listener_;
    request.tls = stream_.tls();
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();
    head_ = msg.method() == http::verb::head;

    phase_ = Phase::kHandling;
    // The handler may take a database commit to answer; no timeout while it works.
    stream_.connection().expires_never();
    auto slot = std::make_shared<ResponseSlot>(shared_from_this());
    try {
      core_->handler(std::move(request),
                     [slot](HttpResponse response) { slot->Answer(std::move(response)); });
    } catch (const std::exception& e) {
      // The message may quote request data (a JSON parse error does); log where, not what.
      LogHandlerFailure(typeid(e).name());
      slot->AnswerIfPending(HttpResponse::Error(500, "internal error"));
    } catch (...) {
      LogHandlerFailure("unknown exception");
      slot->AnswerIfPending(HttpResponse::Error(500, "internal error"));
    }
  }

  void LogHandlerFailure(const char* what) {
    const std::string_view target = View(parser_->get().target());
    http_log::HandlerThrew(what, View(parser_->get().method_string()),
                           target.substr(0, target.find('?')));  // the query may carry a token
  }

  void WriteResponse(HttpResponse response, bool linger) {
    if (phase_ != Phase::kHandling) return;  // closed under us (final close at Stop)
    phase_ = Phase::kWriting;
    write_keep_alive_ = keep_alive_ && !core_->draining_flag.load();
    write_linger_ = linger;
    response_ = {};
    response_.version(version_);
    const int status = response.status >= 100 && response.status <= 599 ? response.status : 500;
    response_.result(static_cast<unsigned>(status));
    if (!response.content_type.empty()) {
      response_.set(http::field::content_type, response.content_type);
    }
    for (auto& [name, value] : response.headers) response_.insert(name, value);
    response_.keep_alive(write_keep_alive_);
    if (head_) {
      response_.content_length(response.body.size());  // what a GET would have sent
    } else {
      response_.body() = std::move(response.body);
      response_.prepare_payload();
    }
    // A client that stops reading must not pin the connection: the body timeout covers writes.
    stream_.connection().expires_after(core_->options.body_timeout);
    http::async_write(stream_, response_, Bind(&Session::OnWrite));
  }

  void OnWrite(beast::error_code ec, size_t) {
    response_ = {};
    if (ec) return Close();
    if (write_linger_) return Linger();
    if (!write_keep_alive_ || core_->draining_flag.load()) {
      beast::error_code ignored;
      stream_.connection().socket().shutdown(tcp::socket::shutdown_send, ignored);
      return Close();
    }
    parser_.reset();
    // A pipelined request may already sit in the buffer: it gets the header timeout, not idle.
    if (buffer_.size() > 0) return ReadHeader();
    WaitForRequest();
  }

  void Linger() {
    phase_ = Phase::kClosing;
    beast::error_code ignored;
    stream_.connection().socket().shutdown(tcp::socket::shutdown_send, ignored);
    buffer_.clear();
    stream_.connection().expires_after(kLingerTime);
    DiscardInput();
  }

  void DiscardInput() {
    stream_.async_read_some(buffer_.prepare(kReadChunk), Bind(&Session::OnDiscarded));
  }

  void OnDiscarded(beast::error_code ec, size_t) {
    if (ec) return Close();  // peer closed, or linger time over
    DiscardInput();
  }

  void Close() {
    phase_ = Phase::kClosing;
    stream_.connection().close();  // cancels the pending operation and its timer
  }

  // Holds the session while its response is pending and makes "exactly once" hold: a second
  // call is dropped, and a responder dropped without being called answers 500 so the client is
  // not left hanging.
  class ResponseSlot {
   public:
    explicit ResponseSlot(std::shared_ptr<Session> session) : session_(std::move(session)) {}
    ~ResponseSlot() {
      if (session_) session_->Deliver(HttpResponse::Error(500, "the request got no response"));
    }
    ResponseSlot(const ResponseSlot&) = delete;
    ResponseSlot& operator=(const ResponseSlot&) = delete;

    void Answer(HttpResponse response) {
      if (!AnswerIfPending(std::move(response))) {
        http_log::ResponderCalledTwice();
      }
    }
    bool AnswerIfPending(HttpResponse response) {
      std::shared_ptr<Session> session;
      {
        std::lock_guard lock(mu_);
        session = std::move(session_);
      }
      if (!session) return false;
      session->Deliver(std::move(response));
      return true;
    }

   private:
    std::mutex mu_;
    std::shared_ptr<Session> session_;
  };

  std::shared_ptr<Core> core_;  // first member: destroyed last, the socket needs its io_context
  Strand strand_;
  Transport stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;  // alive while async_write runs
  Phase phase_ = Phase::kHeader;
  bool keep_alive_ = false;
  bool write_keep_alive_ = false;  // of the response being written
  bool write_linger_ = false;
  bool head_ = false;
  unsigned version_ = 11;
  std::string remote_;
  const Listener listener_;
  uint64_t id_ = 0;
};

void Core::Accept(Acceptor& a) {
  Strand strand = asio::make_strand(ioc);
  a.acceptor.async_accept(strand, [this, &a, strand](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !a.acceptor.is_open()) return;
    if (!ec) {
      OnAccept(a, strand, std::move(socket));
      return Accept(a);
    }
    // Out of file descriptors (or a similar resource): the pending connection stays in the
    // backlog, so accepting again at once would spin. Back off briefly.
    http_log::AcceptFailed(ec.message());
    a.retry.expires_after(std::chrono::milliseconds(100));
    a.retry.async_wait([this, &a](beast::error_code wait_ec) {
      if (!wait_ec && a.acceptor.is_open()) Accept(a);
    });
  });
}

void Core::OnAccept(Acceptor& a, Strand strand, tcp::socket socket) {
  beast::error_code ec;
  // Without it keep-alive clients stall ~40 ms per request on Nagle + delayed ACK (TOOLCHAIN.md).
  socket.set_option(tcp::no_delay(true), ec);
  const auto peer = socket.remote_endpoint(ec);
  std::string remote = ec ? std::string() : peer.address().to_string();

  std::shared_ptr<asio::ssl::context> context;
  if (a.kind == Listener::kMain) {
    std::lock_guard lock(mu);
    context = tls;
  }
  Transport transport =
      context ? Transport(std::move(socket), std::move(context)) : Transport(std::move(socket));
  auto session =
      std::make_shared<Session>(shared_from_this(), strand, std::move(transport), remote, a.kind);

  std::string rejected;
  std::shared_ptr<Session> victim;
  {
    std::lock_guard lock(mu);
    if (draining) return;  // Stop() won the race: the session closes as it goes out of scope
    const size_t max = options.max_connections;
    size_t& from_peer = per_client[remote];
    if (from_peer >= options.max_connections_per_client) {
      rejected = "too many connections from " + remote + " (limit " +
                 std::to_string(options.max_connections_per_client) + ")";
    } else {
      // Nearly full: the longest-idle keep-alive connection makes room. Its client reconnects
      // when it has something to send; a newcomer may be an Alertmanager with alerts.
      const size_t high_water = max - max / 8;
      if (active - evicting >= high_water && !idle.empty()) {
        const uint64_t id = idle.front();
        idle.pop_front();
        SessionEntry& entry = sessions[id];
        entry.idle = false;
        entry.evicting = true;
        ++evicting;
        victim = entry.session.lock();
      }
      if (active - evicting >= max) {
        rejected = "too many open connections (limit " + std::to_string(max) + ")";
      }
    }
    if (rejected.empty()) {
      ++active;
      ++from_peer;
    } else if (from_peer == 0) {
      per_client.erase(remote);
    }
    const uint64_t id = next_id++;
    session->set_id(id);
    sessions.emplace(id, SessionEntry{session, remote, rejected.empty(), false, {}, false});
  }
  if (victim) {
    const Strand victim_strand = victim->strand();
    asio::post(victim_strand, [victim = std::move(victim)] { victim->Evict(); });
  }
  if (!rejected.empty()) {
    if (stats.on_rejected_connection) stats.on_rejected_connection();
    asio::dispatch(strand, [session, why = std::move(rejected)]() mutable {
      session->Reject(std::move(why));
    });
    return;
  }
  if (stats.on_connections) stats.on_connections(+1);
  asio::dispatch(strand, [session] { session->Start(); });
}

void Core::SetIdle(uint64_t id, bool now_idle) {
  std::lock_guard lock(mu);
  auto it = sessions.find(id);
  if (it == sessions.end() || it->second.idle == now_idle) return;
  SessionEntry& entry = it->second;
  if (now_idle) {
    if (entry.evicting) return;  // about to close anyway
    entry.idle_position = idle.insert(idle.end(), id);
  } else {
    idle.erase(entry.idle_position);
  }
  entry.idle = now_idle;
}

void Core::CancelEviction(uint64_t id) {
  std::lock_guard lock(mu);
  auto it = sessions.find(id);
  if (it == sessions.end() || !it->second.evicting) return;
  it->second.evicting = false;
  --evicting;
}

void Core::Unregister(uint64_t id) {
  bool counted = false;
  {
    std::lock_guard lock(mu);
    auto it = sessions.find(id);
    if (it == sessions.end()) return;
    SessionEntry& entry = it->second;
    if (entry.idle) idle.erase(entry.idle_position);
    if (entry.evicting) --evicting;
    if (entry.counted) {
      counted = true;
      auto peer = per_client.find(entry.remote);
      if (peer != per_client.end() && --peer->second == 0) per_client.erase(peer);
      --active;
      if (active == 0) drained.notify_all();
    }
    sessions.erase(it);
  }
  if (counted && stats.on_connections) stats.on_connections(-1);
}

void Core::BeginDrain() {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(mu);
    if (draining) return;
    draining = true;
    draining_flag = true;
    live.reserve(sessions.size());
    for (const auto& [id, entry] : sessions) {
      if (auto session = entry.session.lock()) live.push_back(std::move(session));
    }
  }
  for (auto& a : acceptors) {
    asio::post(a->acceptor.get_executor(), [a = a.get()] {
      beast::error_code ignored;
      a->acceptor.close(ignored);
      a->retry.cancel();
    });
  }
  for (auto& session : live) {
    const Strand strand = session->strand();
    asio::post(strand, [session = std::move(session)] { session->Drain(); });
  }
}

void Core::FinalClose() {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(mu);
    stopped = true;
    for (const auto& [id, entry] : sessions) {
      if (auto session = entry.session.lock()) live.push_back(std::move(session));
    }
  }
  for (auto& a : acceptors) {
    beast::error_code ignored;
    a->acceptor.close(ignored);
    a->retry.cancel();
  }
  for (auto& session : live) session->ForceClose();
  live.clear();
  // Every socket is closed, so each pending operation completes with an error and nothing
  // re-arms: run() returns once the queue is empty, and the sessions it held are released.
  ioc.restart();
  ioc.run();
}

Result<tcp::endpoint> ResolveListen(const std::string& listen, asio::io_context& ioc) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return MakeError("listen address must be host:port, got \"" + listen + "\"", "listen");
  }
  std::string host = listen.substr(0, colon);
  const std::string port_text = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const bool digits =
      !port_text.empty() && port_text.size() <= 5 &&
      std::all_of(port_text.begin(), port_text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || std::stoul(port_text) > 65535) {
    return MakeError("listen port must be 0-65535, got \"" + port_text + "\"", "listen");
  }
  const auto port = static_cast<uint16_t>(std::stoul(port_text));
  if (host.empty()) return tcp::endpoint(asio::ip::address_v4::any(), port);  // ":9095"
  beast::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (!ec) return tcp::endpoint(address, port);
  tcp::resolver resolver(ioc);
  const auto results = resolver.resolve(host, port_text, ec);
  if (ec || results.empty()) {
    return MakeError("cannot resolve listen host \"" + host + "\": " + ec.message(), "listen");
  }
  return results.begin()->endpoint();
}

}  // namespace

struct HttpServer::Impl {
  std::shared_ptr<Core> core;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  std::mutex join_mu;  // serialises the blocking part of Stop(); io threads never take it
  bool started = false;
  bool joined = false;
  uint16_t management_port = 0;
};

HttpServer::HttpServer(ServerConfig options, HttpHandler handler, HttpServerStats stats)
    : impl_(std::make_unique<Impl>()) {
  impl_->core = std::make_shared<Core>(std::move(options), std::move(handler), std::move(stats));
}

HttpServer::~HttpServer() { Stop(Duration(0)); }

namespace {

Result<uint16_t> Listen(Acceptor& a, const std::string& listen, asio::io_context& ioc) {
  auto endpoint = ResolveListen(listen, ioc);
  if (!endpoint.ok()) return endpoint.error();
  beast::error_code ec;
  auto fail = [&](const char* step) {
    return MakeError(std::string("cannot ") + step + " " + listen + ": " + ec.message(), "listen");
  };
  a.acceptor.open(endpoint->protocol(), ec);
  if (ec) return fail("open a socket for");
  a.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  a.acceptor.bind(*endpoint, ec);
  if (ec) return fail("bind");
  a.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen on");
  const uint16_t port = a.acceptor.local_endpoint(ec).port();
  if (ec) return fail("read the bound port of");
  return port;
}

}  // namespace

Result<uint16_t> HttpServer::Start() {
  std::lock_guard lock(impl_->join_mu);
  Core& core = *impl_->core;
  if (impl_->started || impl_->joined) {
    return MakeError("the HTTP server was already started or stopped");
  }
  if (core.options.tls) {
    auto context = LoadTls(*core.options.tls);
    if (!context.ok()) return context.error();
    core.tls = std::move(*context);
  }
  core.acceptors.push_back(std::make_unique<Acceptor>(core.ioc, Listener::kMain));
  auto port = Listen(*core.acceptors.back(), core.options.listen, core.ioc);
  if (!port.ok()) return port.error();
  if (!core.options.management_listen.empty()) {
    core.acceptors.push_back(std::make_unique<Acceptor>(core.ioc, Listener::kManagement));
    auto management = Listen(*core.acceptors.back(), core.options.management_listen, core.ioc);
    if (!management.ok()) return management.error();
    impl_->management_port = *management;
  }

  for (auto& a : core.acceptors) core.Accept(*a);
  impl_->work.emplace(core.ioc.get_executor());
  const int n = std::max(1, core.options.threads);
  for (int i = 0; i < n; ++i) {
    impl_->threads.emplace_back([&core] {
      t_io_core = &core;
      for (;;) {
        try {
          core.ioc.run();
          return;
        } catch (const std::exception& e) {
          http_log::IoThreadFailed(e.what());
        }
      }
    });
  }
  impl_->started = true;
  return *port;
}

uint16_t HttpServer::management_port() const { return impl_->management_port; }

Status HttpServer::ReloadTls() {
  Core& core = *impl_->core;
  if (!core.options.tls) return MakeError("TLS is not configured (server.tls)");
  auto context = LoadTls(*core.options.tls);
  if (!context.ok()) return context.error();
  std::lock_guard lock(core.mu);
  core.tls = std::move(*context);
  return Status::Ok();
}

void HttpServer::Stop(Duration grace) {
  Core& core = *impl_->core;
  core.BeginDrain();
  // An io thread cannot wait for the drain (with one thread it would wait for itself) nor join
  // itself: it only starts the drain; the next Stop() from elsewhere, or the destructor, joins.
  if (t_io_core == &core) return;
  std::lock_guard lock(impl_->join_mu);
  if (impl_->joined) return;
  impl_->joined = true;
  if (impl_->started) {
    std::unique_lock core_lock(core.mu);
    core.drained.wait_for(core_lock, grace, [&core] { return core.active == 0; });
  }
  impl_->work.reset();
  core.ioc.stop();
  for (auto& thread : impl_->threads) thread.join();
  impl_->threads.clear();
  core.FinalClose();
}

}  // namespace ab
