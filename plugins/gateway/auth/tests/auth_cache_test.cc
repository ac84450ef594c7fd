// The auth verdict cache: keys, TTL (config, per-result, token expiry), LRU bound, concurrency.
#include <catch2/catch.hpp>

#include <thread>

#include "herald/gateway/auth/auth_cache.h"

using namespace herald::gateway::auth;
using namespace std::chrono_literals;

namespace {
Credentials creds(std::string user, std::string password, std::string client = "c1") {
  Credentials c;
  c.username = std::move(user);
  c.password = std::move(password);
  c.client_id = std::move(client);
  c.peer_ip = "10.0.0.1";
  return c;
}
}  // namespace

TEST_CASE("auth cache: keys separate every credential field but the peer address") {
  const auto k = AuthCache::key_for(creds("alice", "pw"));
  CHECK(k == AuthCache::key_for(creds("alice", "pw")));
  CHECK(k != AuthCache::key_for(creds("alice", "pw2")));
  CHECK(k != AuthCache::key_for(creds("alicepw", "")));  // length-prefixed: fields cannot shift
  CHECK(k != AuthCache::key_for(creds("alice", "pw", "c2")));
  Credentials moved = creds("alice", "pw");
  moved.peer_ip = "192.168.1.9";
  CHECK(k == AuthCache::key_for(moved));
  Credentials other_listener = creds("alice", "pw");
  other_listener.listener = "ws";
  CHECK(k != AuthCache::key_for(other_listener));
}

TEST_CASE("auth cache: hit, miss and TTL") {
  ManualClock clock;
  AuthCache cache({.ttl = 60s, .max_entries = 100}, clock);
  const auto key = AuthCache::key_for(creds("alice", "pw"));
  CHECK_FALSE(cache.get(key));
  cache.put(key, AuthResult::allow("alice", "c1", 0));
  auto hit = cache.get(key);
  REQUIRE(hit);
  CHECK(hit->ok);
  CHECK(hit->user_id == "alice");
  CHECK(hit->device_id == "c1");
  CHECK(cache.hits() == 1);
  CHECK(cache.misses() == 1);

  clock.advance(59s);
  CHECK(cache.get(key));
  clock.advance(1s);
  CHECK_FALSE(cache.get(key));
  CHECK(cache.size() == 0);
}

TEST_CASE("auth cache: never past the credential's expiry or the result's own TTL") {
  ManualClock clock;
  AuthCache cache({.ttl = 300s, .max_entries = 100}, clock);
  const auto a = AuthCache::key_for(creds("alice", "t1"));
  cache.put(a, AuthResult::allow("alice", "c1", clock.unix_seconds() + 10));
  clock.advance(9s);
  CHECK(cache.get(a));
  clock.advance(1s);
  CHECK_FALSE(cache.get(a));

  const auto b = AuthCache::key_for(creds("bob", "pw"));
  AuthResult r = AuthResult::allow("bob", "c1", 0);
  r.cache_for = 5s;
  cache.put(b, r);
  clock.advance(5s);
  CHECK_FALSE(cache.get(b));

  r.cache_for = 0ms;  // "do not cache"
  cache.put(b, r);
  CHECK_FALSE(cache.get(b));

  // Already expired: not stored at all.
  cache.put(a, AuthResult::allow("alice", "c1", clock.unix_seconds() - 1));
  CHECK(cache.size() == 0);
}

TEST_CASE("auth cache: denials are never cached, disabled cache stores nothing") {
  ManualClock clock;
  AuthCache cache({.ttl = 60s, .max_entries = 100}, clock);
  const auto key = AuthCache::key_for(creds("alice", "wrong"));
  cache.put(key, AuthResult::deny(HERALD_REASON_BAD_CREDENTIALS, "no"));
  CHECK_FALSE(cache.get(key));

  AuthCache off({.ttl = 0s, .max_entries = 100}, clock);
  off.put(key, AuthResult::allow("alice", "c1", 0));
  CHECK_FALSE(off.enabled());
  CHECK_FALSE(off.get(key));
}

TEST_CASE("auth cache: bounded, least recently used goes first") {
  ManualClock clock;
  AuthCache cache({.ttl = 60s, .max_entries = 3}, clock);
  std::vector<AuthCache::Key> keys;
  for (int i = 0; i < 4; ++i) keys.push_back(AuthCache::key_for(creds("u" + std::to_string(i), "pw")));
  for (int i = 0; i < 3; ++i) cache.put(keys[i], AuthResult::allow("u" + std::to_string(i), "c", 0));
  CHECK(cache.get(keys[0]));  // u0 is now the most recent; u1 the least
  cache.put(keys[3], AuthResult::allow("u3", "c", 0));
  CHECK(cache.size() == 3);
  CHECK_FALSE(cache.get(keys[1]));
  CHECK(cache.get(keys[0]));
  CHECK(cache.get(keys[2]));
  CHECK(cache.get(keys[3]));

  cache.erase(keys[0]);
  CHECK_FALSE(cache.get(keys[0]));
  cache.clear();
  CHECK(cache.size() == 0);
}

TEST_CASE("auth cache: large caches shard but keep the bound, concurrent use is safe") {
  ManualClock clock;
  AuthCache cache({.ttl = 60s, .max_entries = 2048}, clock);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        const auto key = AuthCache::key_for(creds("u" + std::to_string(t * 100000 + i), "pw"));
        cache.put(key, AuthResult::allow("u", "c", 0));
        cache.get(key);
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(cache.size() <= 2048);
  CHECK(cache.size() >= 1024);
  CHECK(cache.hits() + cache.misses() == 8000);
}
