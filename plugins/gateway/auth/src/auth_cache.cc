// Sharded LRU cache of positive auth verdicts (see auth_cache.h).
#include "herald/gateway/auth/auth_cache.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>

namespace herald::gateway::auth {

AuthCacheMetrics AuthCacheMetrics::create(const sdk::Host& host) {
  AuthCacheMetrics m;
  m.hits = host.counter("herald_auth_cache_hits_total", "Connects answered from the auth verdict cache.");
  m.misses =
      host.counter("herald_auth_cache_misses_total", "Connects the auth verdict cache could not answer.");
  m.entries = host.gauge("herald_auth_cache_entries", "Verdicts held in the auth cache.");
  return m;
}

AuthCache::Key AuthCache::key_for(const Credentials& c) {
  Key key{};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (!ctx) return key;
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  static constexpr char kDomain[] = "herald-auth-cache-v1";
  EVP_DigestUpdate(ctx, kDomain, sizeof kDomain);
  for (const std::string* field :
       {&c.username, &c.password, &c.client_id, &c.listener, &c.tls_client_subject}) {
    const uint64_t n = field->size();
    EVP_DigestUpdate(ctx, &n, sizeof n);
    EVP_DigestUpdate(ctx, field->data(), field->size());
  }
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, key.data(), &len);
  EVP_MD_CTX_free(ctx);
  return key;
}

AuthCache::AuthCache(AuthCacheConfig config, Clock& clock, AuthCacheMetrics metrics)
    : config_(config), clock_(clock), metrics_(std::move(metrics)) {
  // Small caches use one shard so the bound is exact; large ones spread lock contention over 16.
  const size_t shards = config_.max_entries >= 1024 ? 16 : 1;
  per_shard_ = std::max<size_t>(1, (config_.max_entries + shards - 1) / shards);
  for (size_t i = 0; i < shards; ++i) shards_.push_back(std::make_unique<Shard>());
}

std::optional<AuthResult> AuthCache::get(const Key& key) {
  if (!enabled()) return std::nullopt;
  Shard& s = shard_for(key);
  std::optional<AuthResult> out;
  {
    std::lock_guard lock(s.mu);
    auto it = s.index.find(key);
    if (it != s.index.end()) {
      if (clock_.steady() >= it->second->deadline) {
        s.lru.erase(it->second);
        s.index.erase(it);
        --size_;
      } else {
        s.lru.splice(s.lru.begin(), s.lru, it->second);
        const Entry& e = *it->second;
        out = AuthResult::allow(e.user_id, e.device_id, e.expires_at);
      }
    }
  }
  if (out) {
    hits_.fetch_add(1, std::memory_order_relaxed);
    metrics_.hits.add();
  } else {
    misses_.fetch_add(1, std::memory_order_relaxed);
    metrics_.misses.add();
  }
  metrics_.entries.set(static_cast<double>(size_.load(std::memory_order_relaxed)));
  return out;
}

void AuthCache::put(const Key& key, const AuthResult& result) {
  if (!enabled() || !result.ok) return;
  std::chrono::milliseconds ttl = config_.ttl;
  if (result.cache_for) ttl = std::min(ttl, *result.cache_for);
  if (result.expires_at > 0)
    ttl = std::min(ttl, std::chrono::milliseconds(result.expires_at * 1000 - clock_.unix_ms()));
  if (ttl.count() <= 0) return;

  Shard& s = shard_for(key);
  {
    std::lock_guard lock(s.mu);
    Entry e{key, result.user_id, result.device_id, result.expires_at, clock_.steady() + ttl};
    auto it = s.index.find(key);
    if (it != s.index.end()) {
      *it->second = std::move(e);
      s.lru.splice(s.lru.begin(), s.lru, it->second);
    } else {
      if (s.lru.size() >= per_shard_) {  // evict the least recently used
        s.index.erase(s.lru.back().key);
        s.lru.pop_back();
        --size_;
      }
      s.lru.push_front(std::move(e));
      s.index.emplace(key, s.lru.begin());
      ++size_;
    }
  }
  metrics_.entries.set(static_cast<double>(size_.load(std::memory_order_relaxed)));
}

void AuthCache::erase(const Key& key) {
  Shard& s = shard_for(key);
  std::lock_guard lock(s.mu);
  auto it = s.index.find(key);
  if (it == s.index.end()) return;
  s.lru.erase(it->second);
  s.index.erase(it);
  --size_;
}

void AuthCache::clear() {
  for (auto& s : shards_) {
    std::lock_guard lock(s->mu);
    size_ -= static_cast<int64_t>(s->lru.size());
    s->lru.clear();
    s->index.clear();
  }
  metrics_.entries.set(static_cast<double>(size_.load(std::memory_order_relaxed)));
}

size_t AuthCache::size() const {
  return static_cast<size_t>(std::max<int64_t>(0, size_.load()));
}

}  // namespace herald::gateway::auth
