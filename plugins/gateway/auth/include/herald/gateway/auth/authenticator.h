// The pluggable authentication interface: credentials in, a verdict out through a callback that may
// run inline or later on another thread, so no implementation ever blocks a loop thread on I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "herald/reason_codes.h"

namespace herald::gateway::auth {

// What a client presented at connect time. `password` is the secret (a password or a token): it is
// never logged and never copied into a result's text; log fingerprint(credentials) instead.
struct Credentials {
  std::string username;
  std::string password;            // password or token (MQTT password field; the binary protocol's token)
  std::string client_id;           // MQTT client id / Herald device id
  std::string peer_ip;             // for per-IP login limits and the HTTP callback
  std::string listener;            // listener name from config
  std::string tls_client_subject;  // verified client certificate subject, empty when none
};

struct AuthResult {
  bool ok = false;
  std::string user_id;     // who the client is from now on (only when ok)
  std::string device_id;   // the device id the session uses (only when ok)
  int64_t expires_at = 0;  // Unix seconds after which the verdict no longer holds; 0 = no known end
  herald_reason reason = HERALD_REASON_NOT_AUTHORIZED;  // HERALD_REASON_OK when ok
  std::string text;  // for the client and the log; never contains the secret
  // The method recognised these credentials as its own and decided (e.g. a correctly signed but
  // expired JWT): a chain stops here instead of offering the token to the next method as a password.
  bool conclusive = false;
  // How long this verdict may be cached; nullopt = the cache's default TTL, 0 = never cache.
  std::optional<std::chrono::milliseconds> cache_for;

  static AuthResult allow(std::string user, std::string device, int64_t expires_at) {
    AuthResult r;
    r.ok = true;
    r.user_id = std::move(user);
    r.device_id = std::move(device);
    r.expires_at = expires_at;
    r.reason = HERALD_REASON_OK;
    return r;
  }
  static AuthResult deny(herald_reason reason, std::string text, bool conclusive = false) {
    AuthResult r;
    r.reason = reason;
    r.text = std::move(text);
    r.conclusive = conclusive;
    return r;
  }
};

using AuthCallback = std::function<void(AuthResult)>;

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // Calls `done` exactly once: inline before returning, or later from another thread (the caller hops
  // back to its loop). Safe to call concurrently from several loops. Never blocks on I/O.
  virtual void authenticate(const Credentials& credentials, AuthCallback done) = 0;
  // Short method name for metrics and logs ("jwt", "http", "chain").
  virtual std::string_view name() const = 0;
};

// A user id Herald accepts: 1-128 characters of [A-Za-z0-9_.@-]. Safe inside topic levels and paths.
bool is_valid_user_id(std::string_view id);

// The first 8 hex digits of SHA-256(password): enough to correlate log lines, useless to an attacker.
std::string fingerprint(const Credentials& credentials);

// Failures the client caused (wrong secret, expired token, refused by policy): these count against the
// peer's login limit. Outages (SERVER_UNAVAILABLE, DEPENDENCY_UNAVAILABLE, ...) do not.
bool is_client_failure(herald_reason reason);

}  // namespace herald::gateway::auth
