// OpenSSL server context set-up. Buffers are released when idle (SSL_MODE_RELEASE_BUFFERS): at 10k+
// mostly idle connections the 2x16 KiB per-connection record buffers would dominate memory.
#include "net/tls_context.h"

#include <openssl/err.h>
#include <openssl/x509.h>

namespace herald::gateway {

std::string openssl_errors() {
  std::string out;
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

std::shared_ptr<TlsContext> TlsContext::create(const TlsConfig& config, std::string& error) {
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) {
    error = "SSL_CTX_new: " + openssl_errors();
    return nullptr;
  }
  auto fail = [&](const std::string& what) {
    error = what + ": " + openssl_errors();
    SSL_CTX_free(ctx);
    return nullptr;
  };
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // IGNORE_UNEXPECTED_EOF: mobile clients often drop the socket without close_notify; that is a
  // peer close, not a network error (TLS 1.2+ records are authenticated, truncation is visible to the
  // protocol handler anyway).
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION |
                               SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_use_certificate_chain_file(ctx, config.cert.c_str()) != 1)
    return fail("tls.cert \"" + config.cert + "\"");
  if (SSL_CTX_use_PrivateKey_file(ctx, config.key.c_str(), SSL_FILETYPE_PEM) != 1)
    return fail("tls.key \"" + config.key + "\"");
  if (SSL_CTX_check_private_key(ctx) != 1) return fail("tls.key does not match tls.cert");
  bool verify = false;
  if (!config.client_ca.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, config.client_ca.c_str(), nullptr) != 1)
      return fail("tls.client_ca \"" + config.client_ca + "\"");
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(config.client_ca.c_str());
    if (names) SSL_CTX_set_client_CA_list(ctx, names);
    int mode = SSL_VERIFY_PEER;
    if (config.require_client_cert) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    SSL_CTX_set_verify(ctx, mode, nullptr);
    // Session resumption with client certificates needs a context id.
    static const unsigned char kSid[] = "herald-gateway";
    SSL_CTX_set_session_id_context(ctx, kSid, sizeof(kSid) - 1);
    verify = true;
  }
  return std::shared_ptr<TlsContext>(new TlsContext(ctx, verify));
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

std::string verified_peer_subject(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (!cert) return {};
  std::string out;
  if (SSL_get_verify_result(ssl) == X509_V_OK) {
    BIO* bio = BIO_new(BIO_s_mem());
    X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    if (n > 0) out.assign(data, static_cast<size_t>(n));
    BIO_free(bio);
  }
  X509_free(cert);
  return out;
}

}  // namespace herald::gateway
