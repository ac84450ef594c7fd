// Per-address failed-login token buckets with a cool-down ban (see login_limiter.h).
#include "herald/gateway/auth/login_limiter.h"

#include <arpa/inet.h>

#include <algorithm>

namespace herald::gateway::auth {

LoginLimitMetrics LoginLimitMetrics::create(const sdk::Host& host) {
  LoginLimitMetrics m;
  m.refused =
      host.counter("herald_auth_login_refused_total",
                   "Connects refused unchecked because their address is cooling down after failed logins.");
  m.bans = host.counter("herald_auth_login_bans_total",
                        "Addresses put in a cool-down for too many failed logins.");
  return m;
}

LoginLimiter::LoginLimiter(LoginLimitConfig config, Clock& clock, LoginLimitMetrics metrics)
    : config_(config), clock_(clock), metrics_(std::move(metrics)) {
  const size_t shards = config_.max_tracked >= 1024 ? 16 : 1;
  per_shard_ = std::max<size_t>(1, (config_.max_tracked + shards - 1) / shards);
  for (size_t i = 0; i < shards; ++i) shards_.push_back(std::make_unique<Shard>());
}

std::string LoginLimiter::key_for(std::string_view ip) const {
  if (ip.find(':') == std::string_view::npos || config_.ipv6_prefix >= 128) return std::string(ip);
  std::string text(ip);
  if (auto pct = text.find('%'); pct != std::string::npos) text.resize(pct);  // zone id
  unsigned char addr[16];
  if (inet_pton(AF_INET6, text.c_str(), addr) != 1) return std::string(ip);
  const uint32_t prefix = config_.ipv6_prefix;
  for (uint32_t bit = prefix; bit < 128; ++bit)
    addr[bit / 8] &= static_cast<unsigned char>(~(0x80u >> (bit % 8)));
  char out[INET6_ADDRSTRLEN];
  if (!inet_ntop(AF_INET6, addr, out, sizeof out)) return std::string(ip);
  return std::string(out) + "/" + std::to_string(prefix);
}

LoginLimiter::Decision LoginLimiter::check(std::string_view ip) {
  Decision d;
  if (!enabled()) return d;
  const std::string key = key_for(ip);
  Shard& s = shard_for(key);
  const auto now = clock_.steady();
  {
    std::lock_guard lock(s.mu);
    auto it = s.index.find(key);
    if (it == s.index.end() || now >= it->second->banned_until) return d;
    d.allowed = false;
    d.reason = HERALD_REASON_CONNECTION_RATE_EXCEEDED;
    d.retry_after = std::chrono::ceil<std::chrono::milliseconds>(it->second->banned_until - now);
  }
  metrics_.refused.add();
  return d;
}

bool LoginLimiter::record_failure(std::string_view ip) {
  if (!enabled()) return false;
  const std::string key = key_for(ip);
  Shard& s = shard_for(key);
  const auto now = clock_.steady();
  const double capacity = config_.failures;
  const double per_ms = std::max<double>(1.0, static_cast<double>(config_.per.count()));
  bool banned = false;
  {
    std::lock_guard lock(s.mu);
    auto it = s.index.find(key);
    if (it == s.index.end()) {
      if (s.lru.size() >= per_shard_) {  // forget the address that failed least recently
        s.index.erase(s.lru.back().key);
        s.lru.pop_back();
        --tracked_;
      }
      s.lru.push_front(Entry{key, capacity, now, {}});
      it = s.index.emplace(key, s.lru.begin()).first;
      ++tracked_;
    } else {
      s.lru.splice(s.lru.begin(), s.lru, it->second);
    }
    Entry& e = *it->second;
    if (now < e.banned_until) return false;  // already cooling down (a verdict that raced the ban)
    const double elapsed_ms = std::chrono::duration<double, std::milli>(now - e.updated).count();
    e.tokens = std::min(capacity, e.tokens + elapsed_ms * capacity / per_ms);
    e.updated = now;
    e.tokens -= 1.0;
    if (e.tokens < 1.0 - 1e-9) {  // the budget is spent: cool down, then start over with a full bucket
      e.banned_until = now + config_.ban_for;
      e.tokens = capacity;
      e.updated = e.banned_until;
      banned = true;
    }
  }
  if (banned) metrics_.bans.add();
  return banned;
}

}  // namespace herald::gateway::auth
