#include "notify/email/email_notifier.h"

#include <curl/curl.h>

#include <cstring>
#include <mutex>

#include "common/crypto.h"
#include "notify/email/message.h"
#include "notify/http_receiver.h"
#include "notify/receiver_types.h"

namespace ab {
namespace {

// As in the webhook notifier: a literal may itself be secret, only references are shown.
std::string DescribeRef(const Secret& s) {
  const std::string& ref = s.ref();
  if (ref.rfind("env:", 0) == 0 || ref.rfind("file:", 0) == 0) return ref;
  return "(inline value)";
}

// libcurl reads the message through this.
struct Upload {
  const std::string* data;
  size_t offset = 0;
};

size_t ReadChunk(char* buffer, size_t size, size_t count, void* user) {
  auto* up = static_cast<Upload*>(user);
  const size_t n = std::min(size * count, up->data->size() - up->offset);
  std::memcpy(buffer, up->data->data() + up->offset, n);
  up->offset += n;
  return n;
}

// The SMTP conversation as libcurl's debug callback shows it: which RCPT TO each reply answered
// (libcurl waits for each reply before the next command), and the server's last words, which
// libcurl's own error text ("Weird server reply") drops.
struct Conversation {
  std::string pending_rcpt;           // the address of the RCPT TO awaiting its reply
  std::vector<std::string> rejected;  // "<address>: <reply>"
  std::string last_reply;             // the last reply line the server sent
  std::string partial;                // a reply line split across callbacks
};

void OnReplyLine(Conversation* c, std::string line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  if (line.empty()) return;
  c->last_reply = line;
  // "250-" continues a multi-line reply; "250 " ends it.
  if (line.size() >= 4 && line[3] == '-') return;
  if (!c->pending_rcpt.empty()) {
    if (line[0] == '4' || line[0] == '5') c->rejected.push_back(c->pending_rcpt + ": " + line);
    c->pending_rcpt.clear();
  }
}

int OnDebug(CURL*, curl_infotype type, char* data, size_t size, void* user) {
  auto* c = static_cast<Conversation*>(user);
  const std::string_view text(data, size);
  if (type == CURLINFO_HEADER_OUT) {
    constexpr std::string_view kRcpt = "RCPT TO:<";
    if (text.rfind(kRcpt, 0) == 0) {
      const size_t close = text.find('>');
      c->pending_rcpt = std::string(text.substr(kRcpt.size(), close - kRcpt.size()));
    }
  } else if (type == CURLINFO_HEADER_IN) {
    c->partial.append(text);
    for (size_t nl = c->partial.find('\n'); nl != std::string::npos; nl = c->partial.find('\n')) {
      OnReplyLine(c, c->partial.substr(0, nl + 1));
      c->partial.erase(0, nl + 1);
    }
  }
  return 0;
}

struct CurlHandle {
  CURL* curl = curl_easy_init();
  curl_slist* rcpt = nullptr;
  ~CurlHandle() {
    curl_slist_free_all(rcpt);
    if (curl != nullptr) curl_easy_cleanup(curl);
  }
};

// smtp://host[:port][/ehlo-domain] or smtps://...; no credentials inside.
Result<EmailNotifier::Endpoint> ParseSmtpUrl(const std::string& url) {
  EmailNotifier::Endpoint ep;
  std::string_view rest;
  if (url.rfind("smtp://", 0) == 0) {
    rest = std::string_view(url).substr(7);
  } else if (url.rfind("smtps://", 0) == 0) {
    rest = std::string_view(url).substr(8);
    ep.implicit_tls = true;
  } else {
    return MakeError("url must start with smtp:// or smtps://");
  }
  const std::string_view authority = rest.substr(0, rest.find('/'));
  if (authority.find('@') != std::string_view::npos) {
    return MakeError("credentials in the url are not supported; use auth: {user, password}");
  }
  if (authority.empty() || authority.front() == ':') return MakeError("url has no host");
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= ' ') return MakeError("url contains spaces or controls");
  }
  ep.url = url;
  return ep;
}

}  // namespace

EmailNotifier::EmailNotifier(std::string receiver, Endpoint endpoint, EmailSettings settings,
                             Template subject, Duration timeout)
    : receiver_(std::move(receiver)),
      endpoint_(std::move(endpoint)),
      settings_(std::move(settings)),
      subject_(std::move(subject)),
      timeout_(timeout) {
  for (const std::string* s : {&endpoint_.user, &endpoint_.password}) {
    if (!s->empty()) secrets_.push_back(*s);
  }
  if (!endpoint_.user.empty()) {
    secrets_.push_back(Base64Encode(endpoint_.user));  // AUTH LOGIN sends it base64
    secrets_.push_back(Base64Encode(std::string("\0", 1) + endpoint_.user + std::string("\0", 1) +
                                    endpoint_.password));  // AUTH PLAIN
  }
}

SendResult ClassifySmtp(int curl_code, long smtp_code, const std::string& detail,
                        const std::string& what, const std::string& server_reply) {
  if (curl_code == CURLE_OK) return SendResult::Ok();
  std::string reason = what + ": ";
  reason += smtp_code > 0 ? "SMTP " + std::to_string(smtp_code) : "no SMTP reply";
  // The server's own words ("554 5.7.1 rejected by policy") say what to fix; libcurl's say only
  // that the reply was unexpected.
  if (smtp_code > 0 && !server_reply.empty()) reason += " \"" + server_reply + "\"";
  reason += " [" + detail + "]";
  if (smtp_code >= 500 && smtp_code <= 599) return SendResult::Permanent(reason);
  if (smtp_code >= 400 && smtp_code <= 499) return SendResult::Retry(reason);
  switch (curl_code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_LOGIN_DENIED:
      return SendResult::Permanent(reason);
    case CURLE_USE_SSL_FAILED:
      return SendResult::Permanent(reason +
                                   " (the server does not offer STARTTLS; use "
                                   "smtps:// or set starttls: false)");
    default:
      return SendResult::Retry(reason);  // connect, timeout, TLS handshake, dropped connection
  }
}

SendResult EmailNotifier::Send(const OutboxEntry& entry, const SendContext& ctx) {
  const std::string what = "receiver \"" + receiver_ + "\"";
  std::optional<std::string> thread_to;
  for (const ExternalRef& ref : ctx.refs) {
    if (ref.type == "message-id") {
      thread_to = ref.id;
      break;
    }
  }
  Result<EmailMessage> mail = BuildEmail(settings_, subject_, entry, ctx.now, thread_to);
  if (!mail.ok()) return SendResult::Permanent(what + ": " + mail.error().message);

  CurlHandle h;
  if (h.curl == nullptr) return SendResult::Retry(what + ": cannot create a libcurl handle");
  char errbuf[CURL_ERROR_SIZE] = {0};
  Upload upload{&mail->data};
  CURL* c = h.curl;
  curl_easy_setopt(c, CURLOPT_URL, endpoint_.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // sender threads: no SIGALRM for DNS timeouts
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout_.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  if (!endpoint_.implicit_tls) {
    curl_easy_setopt(c, CURLOPT_USE_SSL,
                     static_cast<long>(settings_.starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE));
  }
  if (!settings_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, settings_.ca_file.c_str());
  if (!endpoint_.user.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, endpoint_.user.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, endpoint_.password.c_str());
  }
  const std::string from = "<" + settings_.from.address + ">";
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  for (const Mailbox& to : settings_.to) {
    h.rcpt = curl_slist_append(h.rcpt, ("<" + to.address + ">").c_str());
  }
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, h.rcpt);
  // One refused address must not keep the mail from the others; the refusals are noted.
#if LIBCURL_VERSION_NUM >= 0x080200
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT_ALLOWFAILS, 1L);
#else
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT_ALLLOWFAILS, 1L);  // its name before curl 8.2.0
#endif
  Conversation conversation;
  curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, OnDebug);
  curl_easy_setopt(c, CURLOPT_DEBUGDATA, &conversation);
  curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);  // feeds OnDebug; nothing is printed
  curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadChunk);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(mail->data.size()));

  const CURLcode rc = curl_easy_perform(c);
  long smtp_code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &smtp_code);
  const std::string detail = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
  const std::string reply = MailHeaderText(conversation.last_reply, 300);
  SendResult result = ClassifySmtp(rc, smtp_code, detail, what, reply);
  if (result.kind == SendResult::Kind::kOk && !conversation.rejected.empty()) {
    std::string refused;
    for (const std::string& r : conversation.rejected) refused += (refused.empty() ? "" : "; ") + r;
    result.degraded.push_back({"recipients", what + ": refused by the server: " + refused});
  }
  // libcurl's and the server's words may carry the login (an AUTH failure echoing the user).
  result.reason = RedactSecrets(std::move(result.reason), secrets_);
  for (DegradedStep& d : result.degraded) d.reason = RedactSecrets(std::move(d.reason), secrets_);
  if (result.kind == SendResult::Kind::kOk && !thread_to) {
    result.ref = ExternalRef{receiver_, "message-id", mail->message_id, ""};
  }
  return result;
}

Result<std::unique_ptr<Notifier>> MakeEmailNotifier(const ReceiverConfig& config) {
  static std::once_flag curl_init;
  std::call_once(curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  const std::string who = "receiver \"" + config.name + "\"";
  const EmailSettings* settings = config.Settings<EmailSettings>();
  if (settings == nullptr) return MakeError(who + ": type email needs its settings", "type");
  if (config.url.empty()) return MakeError(who + ": url is required for type email", "url");
  auto url = config.url.Resolve();
  if (!url.ok()) {
    return MakeError(
        who + ": cannot resolve url " + DescribeRef(config.url) + ": " + url.error().message,
        "url");
  }
  auto endpoint = ParseSmtpUrl(*url);
  if (!endpoint.ok()) {
    return MakeError(who + ": url " + DescribeRef(config.url) + ": " + endpoint.error().message,
                     "url");
  }
  if (settings->auth) {
    if (!endpoint->implicit_tls && !settings->starttls) {
      return MakeError(who +
                           ": auth would send the password in clear; use smtps:// or "
                           "starttls: true",
                       "auth");
    }
    for (auto [secret, out, name] :
         {std::tuple{&settings->auth->user, &endpoint->user, "user"},
          std::tuple{&settings->auth->password, &endpoint->password, "password"}}) {
      auto value = secret->Resolve();
      if (!value.ok()) {
        return MakeError(who + ": cannot resolve auth." + name + " " + DescribeRef(*secret) + ": " +
                             value.error().message,
                         "auth");
      }
      *out = std::move(*value);
    }
  }
  auto subject = ReceiverTemplate(config, "subject", kDefaultEmailSubject);
  if (!subject.ok()) return subject.error();
  return std::unique_ptr<Notifier>(
      std::make_unique<EmailNotifier>(config.name, std::move(endpoint).value(), *settings,
                                      std::move(subject).value(), config.timeout));
}

const ReceiverType& EmailReceiverType() {
  // SMTP relays take a few connections at once; one mail per event (stateless).
  static const ReceiverType kType{{"email",
                                   {"url", "starttls", "auth", "ca_file", "from", "to"},
                                   ParseEmailSettings,
                                   {"subject"},
                                   {2, std::nullopt, {}, false}},
                                  MakeEmailNotifier};
  return kType;
}

}  // namespace ab
