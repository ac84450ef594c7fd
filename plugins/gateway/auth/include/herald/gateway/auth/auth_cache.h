// A bounded, thread-safe cache of positive auth verdicts keyed by a SHA-256 of the credentials, so a
// reconnecting client skips the verifier or the HTTP round trip (seed 000: cached auth makes connecting
// fast and outlives short auth-service outages). Entries never outlive the credential's own expiry.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "herald/gateway/auth/authenticator.h"
#include "herald/gateway/auth/clock.h"
#include "herald/sdk.hpp"

namespace herald::gateway::auth {

struct AuthCacheConfig {
  std::chrono::milliseconds ttl{300'000};  // upper bound for every verdict; 0 disables the cache
  size_t max_entries = 100'000;
};

// herald_auth_cache_hits_total, herald_auth_cache_misses_total, herald_auth_cache_entries.
struct AuthCacheMetrics {
  sdk::Metric hits, misses, entries;
  static AuthCacheMetrics create(const sdk::Host& host);  // control thread
};

class AuthCache {
 public:
  // SHA-256 over username, password, client id, listener and TLS subject (length-prefixed, so fields
  // cannot run into each other). The peer address is left out on purpose: a mobile client that
  // reconnects from a new address is exactly the case the cache is for.
  using Key = std::array<unsigned char, 32>;
  static Key key_for(const Credentials& credentials);

  AuthCache(AuthCacheConfig config, Clock& clock = system_clock(), AuthCacheMetrics metrics = {});

  // A live verdict, or nullopt (counted as a miss). Cheap: one shard lock, no allocation on a miss.
  std::optional<AuthResult> get(const Key& key);
  // Stores an ok verdict for min(config ttl, result.cache_for, until result.expires_at). Denials and
  // outages are never cached: a wrong password must not stick, and an outage must not outlive itself.
  void put(const Key& key, const AuthResult& result);
  void erase(const Key& key);
  void clear();

  bool enabled() const { return config_.ttl.count() > 0 && config_.max_entries > 0; }
  size_t size() const;
  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }

 private:
  struct KeyHash {
    size_t operator()(const Key& k) const noexcept {
      size_t h;
      static_assert(sizeof h <= sizeof(Key));
      std::memcpy(&h, k.data(), sizeof h);  // already uniformly distributed
      return h;
    }
  };
  struct Entry {
    Key key;
    std::string user_id, device_id;
    int64_t expires_at;
    std::chrono::steady_clock::time_point deadline;
  };
  struct Shard {
    std::mutex mu;
    std::list<Entry> lru;  // front = most recently used
    std::unordered_map<Key, std::list<Entry>::iterator, KeyHash> index;
  };
  Shard& shard_for(const Key& key) { return *shards_[KeyHash{}(key) % shards_.size()]; }

  const AuthCacheConfig config_;
  Clock& clock_;
  AuthCacheMetrics metrics_;
  size_t per_shard_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<uint64_t> hits_{0}, misses_{0};
  std::atomic<int64_t> size_{0};
};

}  // namespace herald::gateway::auth
