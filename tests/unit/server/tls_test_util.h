// TLS for the transport tests: a self-signed certificate made on the spot, and a blocking
// OpenSSL client that reports which certificate the server presented.
#pragma once

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "http_test_client.h"

namespace ab::http_test {

// Writes a fresh self-signed certificate with common name `cn`, and its key, as PEM files.
inline bool WriteSelfSignedCertificate(const std::string& cn, const std::string& cert_path,
                                       const std::string& key_path) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  if (!key || !cert) return false;
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return false;
  FILE* c = std::fopen(cert_path.c_str(), "w");
  FILE* k = std::fopen(key_path.c_str(), "w");
  bool ok = c != nullptr && k != nullptr && PEM_write_X509(c, cert.get()) == 1 &&
            PEM_write_PrivateKey(k, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  if (c != nullptr) std::fclose(c);
  if (k != nullptr) std::fclose(k);
  return ok;
}

struct TlsExchange {
  bool handshake = false;
  std::string server_cn;  // common name of the certificate the server presented
  std::optional<RawResponse> response;
};

// One request over TLS (the certificate is not verified: the test looks at which one it got).
inline TlsExchange TlsRoundTrip(uint16_t port, const std::string& request) {
  TlsExchange out;
  Socket s = Connect(port);
  if (!s.valid()) return out;
  timeval timeout{5, 0};  // a server that never answers fails the test instead of hanging it
  ::setsockopt(s.fd(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()),
                                                        SSL_CTX_free);
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
  SSL_set_fd(ssl.get(), s.fd());
  if (SSL_connect(ssl.get()) != 1) return out;
  out.handshake = true;
  std::unique_ptr<X509, decltype(&X509_free)> peer(SSL_get1_peer_certificate(ssl.get()), X509_free);
  char cn[256] = {};
  if (peer) X509_NAME_get_text_by_NID(X509_get_subject_name(peer.get()), NID_commonName, cn, 256);
  out.server_cn = cn;
  if (SSL_write(ssl.get(), request.data(), static_cast<int>(request.size())) <= 0) return out;
  std::string buffer;
  char chunk[4096];
  for (;;) {
    const size_t end = buffer.find("\r\n\r\n");
    if (end != std::string::npos) {
      const size_t at = buffer.find("Content-Length: ");
      if (at != std::string::npos && at < end) {
        const size_t length = std::stoul(buffer.substr(at + 16));
        if (buffer.size() >= end + 4 + length) break;
      }
    }
    const int n = SSL_read(ssl.get(), chunk, sizeof(chunk));
    if (n <= 0) return out;
    buffer.append(chunk, static_cast<size_t>(n));
  }
  // Parsed by the plain client's reader, from the decrypted bytes.
  RawResponse response;
  const size_t end = buffer.find("\r\n\r\n");
  response.status = std::stoi(buffer.substr(9, 3));
  response.body = buffer.substr(end + 4);
  out.response = response;
  return out;
}

}  // namespace ab::http_test
