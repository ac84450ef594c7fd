// Everything a connect goes through, assembled from AuthConfig: the per-address login limiter, the
// verdict cache, then the configured methods in order. The one object the gateway plugin holds.
#pragma once

#include <memory>

#include "herald/gateway/auth/auth_cache.h"
#include "herald/gateway/auth/auth_config.h"
#include "herald/gateway/auth/authenticator.h"
#include "herald/gateway/auth/chain_authenticator.h"
#include "herald/gateway/auth/clock.h"
#include "herald/gateway/auth/http_authenticator.h"
#include "herald/gateway/auth/login_limiter.h"
#include "herald/sdk.hpp"

namespace herald::gateway::auth {

// herald_auth_attempts_total{result}: allow, deny, unavailable, limited.
struct AuthStackMetrics {
  sdk::Metric allow, deny, unavailable, limited;
  static AuthStackMetrics create(const sdk::Host& host);
};

class AuthStack final : public Authenticator {
 public:
  // `host`: registers every auth metric (control thread); nullptr (tests): no metrics.
  explicit AuthStack(const AuthConfig& config, Clock& clock = system_clock(),
                     const sdk::Host* host = nullptr);
  ~AuthStack() override;

  void start();  // plugin start(): the HTTP worker thread
  void stop();   // plugin stop(): fails pending HTTP calls, joins

  // Limiter -> cache -> methods. `done` runs inline (limited, cached, JWT) or on the HTTP worker
  // thread; either way exactly once. Failed logins feed the limiter; allows feed the cache.
  void authenticate(const Credentials& credentials, AuthCallback done) override;
  std::string_view name() const override { return "gateway"; }

  AuthCache& cache() { return cache_; }
  LoginLimiter& limiter() { return limiter_; }
  HttpAuthenticator* http() { return http_.get(); }  // nullptr when not configured

 private:
  AuthCache cache_;
  LoginLimiter limiter_;
  std::shared_ptr<HttpAuthenticator> http_;
  std::unique_ptr<ChainAuthenticator> chain_;
  AuthStackMetrics metrics_;
};

}  // namespace herald::gateway::auth
