// Assembles limiter, cache and methods into the gateway's one authenticator (see auth_stack.h).
#include "herald/gateway/auth/auth_stack.h"

#include "herald/gateway/auth/jwt_authenticator.h"

namespace herald::gateway::auth {

AuthStackMetrics AuthStackMetrics::create(const sdk::Host& host) {
  AuthStackMetrics m;
  constexpr std::string_view help = "Client authentications, by result.";
  m.allow = host.counter("herald_auth_attempts_total", help, {{"result", "allow"}});
  m.deny = host.counter("herald_auth_attempts_total", help, {{"result", "deny"}});
  m.unavailable = host.counter("herald_auth_attempts_total", help, {{"result", "unavailable"}});
  m.limited = host.counter("herald_auth_attempts_total", help, {{"result", "limited"}});
  return m;
}

AuthStack::AuthStack(const AuthConfig& config, Clock& clock, const sdk::Host* host)
    : cache_(config.cache, clock, host ? AuthCacheMetrics::create(*host) : AuthCacheMetrics{}),
      limiter_(config.login_limit, clock, host ? LoginLimitMetrics::create(*host) : LoginLimitMetrics{}),
      metrics_(host ? AuthStackMetrics::create(*host) : AuthStackMetrics{}) {
  std::vector<std::shared_ptr<Authenticator>> methods;
  for (AuthMethod m : config.methods) {
    if (m == AuthMethod::kJwt) {
      methods.push_back(std::make_shared<JwtAuthenticator>(config.jwt, clock));
    } else if (!http_) {
      http_ = std::make_shared<HttpAuthenticator>(
          config.http, clock,
          host ? CircuitBreakerMetrics::create(*host, "auth_http") : CircuitBreakerMetrics{},
          host ? HttpAuthMetrics::create(*host) : HttpAuthMetrics{});
      methods.push_back(http_);
    }
  }
  chain_ = std::make_unique<ChainAuthenticator>(std::move(methods));
}

AuthStack::~AuthStack() {
  stop();
}

void AuthStack::start() {
  if (http_) http_->start();
}

void AuthStack::stop() {
  if (http_) http_->stop();
}

void AuthStack::authenticate(const Credentials& credentials, AuthCallback done) {
  const LoginLimiter::Decision limit = limiter_.check(credentials.peer_ip);
  if (!limit.allowed) {
    metrics_.limited.add();
    const auto secs = std::chrono::ceil<std::chrono::seconds>(limit.retry_after).count();
    done(AuthResult::deny(
        limit.reason, "too many failed logins from this address; retry in " + std::to_string(secs) + "s"));
    return;
  }
  const AuthCache::Key key = cache_.enabled() ? AuthCache::key_for(credentials) : AuthCache::Key{};
  if (auto hit = cache_.get(key)) {
    metrics_.allow.add();
    done(std::move(*hit));
    return;
  }
  chain_->authenticate(credentials,
                       [this, key, ip = credentials.peer_ip, done = std::move(done)](AuthResult r) {
                         if (r.ok) {
                           metrics_.allow.add();
                           cache_.put(key, r);
                         } else if (is_outage(r.reason)) {
                           metrics_.unavailable.add();
                         } else {
                           metrics_.deny.add();
                           if (is_client_failure(r.reason)) limiter_.record_failure(ip);
                         }
                         done(std::move(r));
                       });
}

}  // namespace herald::gateway::auth
