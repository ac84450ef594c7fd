// Asks an external HTTP service whether credentials are good: POST JSON to a configured URL from one
// worker thread driving libcurl's multi interface (never a loop thread), behind a circuit breaker so
// an outage fails fast instead of stacking up connects.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "herald/gateway/auth/authenticator.h"
#include "herald/gateway/auth/circuit_breaker.h"
#include "herald/gateway/auth/clock.h"
#include "herald/sdk.hpp"

namespace herald::gateway::auth {

struct HttpAuthConfig {
  std::string url;                              // http:// or https://
  std::chrono::milliseconds timeout{2'000};     // whole request, connect included
  std::chrono::milliseconds cache_ttl{60'000};  // how long an allow may be cached (response ttl may lower it)
  std::vector<std::pair<std::string, std::string>> headers;  // extra request headers (e.g. Authorization)
  uint32_t max_in_flight = 256;                              // more concurrent requests answer SERVER_BUSY
  CircuitBreakerConfig breaker;
};

// herald_auth_http_requests_total{result} (allow, deny, error, busy, circuit_open) and
// herald_auth_http_duration_seconds.
struct HttpAuthMetrics {
  sdk::Metric allow, deny, error, busy, circuit_open, duration;
  static HttpAuthMetrics create(const sdk::Host& host);  // control thread
};

class HttpAuthenticator final : public Authenticator {
 public:
  HttpAuthenticator(HttpAuthConfig config, Clock& clock = system_clock(),
                    CircuitBreakerMetrics breaker_metrics = {}, HttpAuthMetrics metrics = {});
  ~HttpAuthenticator() override;  // stop()s
  HttpAuthenticator(const HttpAuthenticator&) = delete;
  HttpAuthenticator& operator=(const HttpAuthenticator&) = delete;

  // Starts the worker thread (the plugin's start()). Before start and after stop, calls answer
  // SERVER_UNAVAILABLE at once.
  void start();
  // Fails every queued and in-flight request with SERVER_UNAVAILABLE, then joins (the plugin's stop()).
  void stop();

  // Answers inline when the breaker is open (DEPENDENCY_UNAVAILABLE) or too many requests are in flight
  // (SERVER_BUSY); otherwise later, on the worker thread.
  void authenticate(const Credentials& credentials, AuthCallback done) override;
  std::string_view name() const override { return "http"; }

  CircuitBreaker& breaker() { return breaker_; }
  size_t in_flight() const { return in_flight_.load(); }

  // The request body for these credentials (exposed for tests and the README contract).
  static std::string request_body(const Credentials& credentials);

 private:
  struct Request;
  void run();
  void finish(Request& req, int curl_code);
  AuthResult interpret(const Request& req, long status, int curl_code) const;

  const HttpAuthConfig config_;
  Clock& clock_;
  CircuitBreaker breaker_;
  HttpAuthMetrics metrics_;

  std::mutex mu_;
  std::deque<std::unique_ptr<Request>> queue_;
  bool running_ = false, stopping_ = false;
  std::atomic<size_t> in_flight_{0};
  void* multi_ = nullptr;  // CURLM*, touched by the worker (and wakeup from any thread)
  std::thread worker_;
};

}  // namespace herald::gateway::auth
