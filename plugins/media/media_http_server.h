// The media HTTP API on its own listener (Poco HTTPServer): uploads in parts, resume state, complete,
// and downloads with Range / ETag. Every request carries "Authorization: Bearer <token>" (the gateway's
// tokens, through herald.auth.v1). See README.md for the API.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <herald/sdk.hpp>

#include "access_policy.h"
#include "media_library.h"
#include "media_metrics.h"
#include "token_verifier.h"

namespace Poco {
class ThreadPool;
namespace Net {
class HTTPServer;
}
}  // namespace Poco

namespace herald::media {

struct HttpConfig {
  std::string listen = "127.0.0.1:8090";
  uint32_t threads = 16;
  std::chrono::milliseconds timeout = std::chrono::seconds(30);  // socket idle timeout
  std::size_t max_ranges = 16;
  uint64_t max_json_body = 64 * 1024;
  std::string tls_cert, tls_key;  // PEM files; both set: HTTPS (TLS 1.2+)
  bool tls() const { return !tls_cert.empty(); }
};

struct MediaContext {
  sdk::Host host;
  MediaLibrary& library;
  AccessPolicy& access;
  TokenVerifier& tokens;
  const MediaMetrics& metrics;
};

class MediaHttpServer {
 public:
  MediaHttpServer(HttpConfig config, MediaContext context);
  ~MediaHttpServer();
  // Binds and serves; returns the bound "host:port". Throws MediaError when the address is unusable.
  std::string start();
  void stop();  // stops accepting, waits for the workers

 private:
  HttpConfig config_;
  std::shared_ptr<MediaContext> context_;
  std::unique_ptr<Poco::ThreadPool> pool_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  bool ssl_initialized_ = false;
};

}  // namespace herald::media
