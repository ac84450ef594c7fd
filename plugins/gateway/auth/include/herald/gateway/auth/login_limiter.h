// Failed-login limit per client address: a token bucket of `failures` per `per`; the failure that
// empties it bans the address for `ban_for`, during which attempts are refused before any credential
// check (an attacker cannot make us spend HMACs or HTTP calls). Thread-safe, bounded memory.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "herald/gateway/auth/clock.h"
#include "herald/reason_codes.h"
#include "herald/sdk.hpp"

namespace herald::gateway::auth {

struct LoginLimitConfig {
  uint32_t failures = 5;  // failed logins allowed per `per`; 0 disables the limiter
  std::chrono::milliseconds per{60'000};
  std::chrono::milliseconds ban_for{300'000};  // cool-down once exceeded
  size_t max_tracked = 100'000;                // addresses remembered; the least recently failing go first
  uint32_t ipv6_prefix = 64;                   // IPv6 clients are counted per /N (a host usually owns a /64)
};

// herald_auth_login_refused_total (attempts refused while banned), herald_auth_login_bans_total.
struct LoginLimitMetrics {
  sdk::Metric refused, bans;
  static LoginLimitMetrics create(const sdk::Host& host);  // control thread
};

class LoginLimiter {
 public:
  struct Decision {
    bool allowed = true;
    herald_reason reason = HERALD_REASON_OK;  // CONNECTION_RATE_EXCEEDED when refused
    std::chrono::milliseconds retry_after{0};
  };

  LoginLimiter(LoginLimitConfig config, Clock& clock = system_clock(), LoginLimitMetrics metrics = {});

  // Before verifying credentials: is this address in its cool-down?
  Decision check(std::string_view ip);
  // After a client failure (see is_client_failure). Returns true when this failure started a ban.
  bool record_failure(std::string_view ip);

  bool enabled() const { return config_.failures > 0; }
  size_t tracked() const { return static_cast<size_t>(std::max<int64_t>(0, tracked_.load())); }
  // The bucket key for an address: IPv4 as is, IPv6 masked to ipv6_prefix. Exposed for tests.
  std::string key_for(std::string_view ip) const;

 private:
  struct Entry {
    std::string key;
    double tokens;
    std::chrono::steady_clock::time_point updated, banned_until;
  };
  struct Shard {
    std::mutex mu;
    std::list<Entry> lru;  // front = most recent failure
    std::unordered_map<std::string, std::list<Entry>::iterator> index;
  };
  Shard& shard_for(const std::string& key) {
    return *shards_[std::hash<std::string>{}(key) % shards_.size()];
  }

  const LoginLimitConfig config_;
  Clock& clock_;
  LoginLimitMetrics metrics_;
  size_t per_shard_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<int64_t> tracked_{0};
};

}  // namespace herald::gateway::auth
