// A server-side OpenSSL context built from a listener's tls settings: TLS 1.2+, certificate chain and
// key, optional client-certificate verification against a CA bundle.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <optional>
#include <string>

#include "net/net_config.h"

namespace herald::gateway {

class TlsContext {
 public:
  // Builds the context; on failure `error` says which file or check failed (OpenSSL's words).
  static std::shared_ptr<TlsContext> create(const TlsConfig& config, std::string& error);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;
  SSL_CTX* native() const { return ctx_; }
  bool verifies_clients() const { return verify_clients_; }

 private:
  TlsContext(SSL_CTX* ctx, bool verify) : ctx_(ctx), verify_clients_(verify) {}
  SSL_CTX* ctx_;
  bool verify_clients_;
};

// The last OpenSSL error queue entries as text (and clears the queue).
std::string openssl_errors();

// RFC 2253 text of the verified peer certificate's subject, or empty when there is none or it failed
// verification.
std::string verified_peer_subject(SSL* ssl);

}  // namespace herald::gateway
