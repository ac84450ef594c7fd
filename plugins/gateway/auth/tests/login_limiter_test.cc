// Per-address failed-login limiter: budget, ban, cool-down, refill, bound, IPv6 prefixes.
#include <catch2/catch.hpp>

#include "herald/gateway/auth/login_limiter.h"

using namespace herald::gateway::auth;
using namespace std::chrono_literals;

TEST_CASE("login limiter: the failure that spends the budget bans the address") {
  ManualClock clock;
  LoginLimiter limiter({.failures = 3, .per = 60s, .ban_for = 300s}, clock);
  CHECK(limiter.check("10.0.0.1").allowed);
  CHECK_FALSE(limiter.record_failure("10.0.0.1"));
  CHECK_FALSE(limiter.record_failure("10.0.0.1"));
  CHECK(limiter.check("10.0.0.1").allowed);
  CHECK(limiter.record_failure("10.0.0.1"));  // third failure within the minute
  auto d = limiter.check("10.0.0.1");
  CHECK_FALSE(d.allowed);
  CHECK(d.reason == HERALD_REASON_CONNECTION_RATE_EXCEEDED);
  CHECK(d.retry_after == 300s);
  CHECK(limiter.check("10.0.0.2").allowed);  // other addresses are unaffected

  clock.advance(299s);
  CHECK_FALSE(limiter.check("10.0.0.1").allowed);
  CHECK(limiter.check("10.0.0.1").retry_after == 1s);
  clock.advance(1s);
  CHECK(limiter.check("10.0.0.1").allowed);
  // After the cool-down the budget is full again.
  CHECK_FALSE(limiter.record_failure("10.0.0.1"));
  CHECK_FALSE(limiter.record_failure("10.0.0.1"));
  CHECK(limiter.record_failure("10.0.0.1"));
}

TEST_CASE("login limiter: failures spread out refill the bucket") {
  ManualClock clock;
  LoginLimiter limiter({.failures = 3, .per = 60s, .ban_for = 300s}, clock);
  for (int i = 0; i < 20; ++i) {
    CHECK_FALSE(limiter.record_failure("10.0.0.1"));
    clock.advance(20s);  // one token back per 20 s: never more than one spent at a time
  }
  CHECK(limiter.check("10.0.0.1").allowed);
}

TEST_CASE("login limiter: disabled with failures: 0") {
  ManualClock clock;
  LoginLimiter limiter({.failures = 0}, clock);
  for (int i = 0; i < 100; ++i) CHECK_FALSE(limiter.record_failure("10.0.0.1"));
  CHECK(limiter.check("10.0.0.1").allowed);
  CHECK(limiter.tracked() == 0);
}

TEST_CASE("login limiter: memory is bounded, the least recently failing address is forgotten") {
  ManualClock clock;
  LoginLimiter limiter({.failures = 1, .per = 60s, .ban_for = 300s, .max_tracked = 3}, clock);
  CHECK(limiter.record_failure("10.0.0.1"));
  CHECK(limiter.record_failure("10.0.0.2"));
  CHECK(limiter.record_failure("10.0.0.3"));
  CHECK(limiter.tracked() == 3);
  CHECK(limiter.record_failure("10.0.0.4"));
  CHECK(limiter.tracked() == 3);
  CHECK(limiter.check("10.0.0.1").allowed);  // evicted
  CHECK_FALSE(limiter.check("10.0.0.4").allowed);
}

TEST_CASE("login limiter: IPv6 addresses count per /64") {
  ManualClock clock;
  LoginLimiter limiter({.failures = 2, .per = 60s, .ban_for = 60s}, clock);
  CHECK(limiter.key_for("2001:db8:1:2:aaaa::1") == limiter.key_for("2001:db8:1:2:bbbb::2"));
  CHECK(limiter.key_for("2001:db8:1:2::1") != limiter.key_for("2001:db8:1:3::1"));
  CHECK(limiter.key_for("192.0.2.1") == "192.0.2.1");
  CHECK_FALSE(limiter.record_failure("2001:db8:1:2::1"));
  CHECK(limiter.record_failure("2001:db8:1:2::99"));
  CHECK_FALSE(limiter.check("2001:db8:1:2:ffff:ffff:ffff:ffff").allowed);
  CHECK(limiter.check("2001:db8:1:3::1").allowed);
}
