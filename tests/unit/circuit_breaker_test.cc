// The SDK circuit breaker (herald/circuit_breaker.hpp): transitions with an injected clock, count and
// time windows, config parsing.
#include <catch2/catch.hpp>

#include "herald/circuit_breaker.hpp"

using namespace herald::sdk;
using namespace std::chrono_literals;
using Outcome = CircuitBreaker::Outcome;

namespace {
CircuitBreakerConfig small() {
  CircuitBreakerConfig c;
  c.window = 4;
  c.failure_rate = 0.5;
  c.slow_call = 1s;
  c.slow_rate = 0.75;
  c.min_calls = 4;
  c.open_for = 10s;
  c.probes = 2;
  return c;
}
void call(CircuitBreaker& b, Outcome o) {
  auto p = b.acquire();
  REQUIRE(p);
  b.record(p, o);
}
}  // namespace

TEST_CASE("breaker: opens on the failure rate once min_calls are in") {
  ManualClock clock;
  CircuitBreaker b("t", small(), clock);
  std::vector<std::pair<CircuitState, CircuitState>> seen;
  b.on_transition([&](CircuitState from, CircuitState to) { seen.emplace_back(from, to); });

  call(b, Outcome::kFailure);
  call(b, Outcome::kFailure);
  call(b, Outcome::kFailure);
  CHECK(b.state() == CircuitState::kClosed);  // 3 calls < min_calls
  call(b, Outcome::kSuccess);                 // 3/4 failed
  CHECK(b.state() == CircuitState::kOpen);
  CHECK_FALSE(b.acquire());
  REQUIRE(seen.size() == 1);
  CHECK(seen[0] == std::make_pair(CircuitState::kClosed, CircuitState::kOpen));
}

TEST_CASE("breaker: the window slides, old failures age out") {
  ManualClock clock;
  CircuitBreaker b("t", small(), clock);
  call(b, Outcome::kFailure);
  call(b, Outcome::kSuccess);
  call(b, Outcome::kSuccess);
  call(b, Outcome::kSuccess);  // 1/4
  call(b, Outcome::kFailure);  // window: S S S F -> 1/4
  call(b, Outcome::kSuccess);  // S S F S
  CHECK(b.state() == CircuitState::kClosed);
  call(b, Outcome::kFailure);  // S F S F -> 2/4 = 0.5
  CHECK(b.state() == CircuitState::kOpen);
}

TEST_CASE("breaker: slow calls open it too") {
  ManualClock clock;
  CircuitBreaker b("t", small(), clock);
  for (int i = 0; i < 3; ++i) {
    auto p = b.acquire();
    clock.advance(1500ms);
    b.record(p, Outcome::kSuccess);
  }
  CHECK(b.state() == CircuitState::kClosed);
  call(b, Outcome::kSuccess);  // 3/4 slow = 0.75
  CHECK(b.state() == CircuitState::kOpen);
}

TEST_CASE("breaker: open -> half-open after open_for, probes close it or reopen it") {
  ManualClock clock;
  CircuitBreaker b("t", small(), clock);
  for (int i = 0; i < 4; ++i) call(b, Outcome::kFailure);
  REQUIRE(b.state() == CircuitState::kOpen);
  clock.advance(9999ms);
  CHECK(b.state() == CircuitState::kOpen);
  CHECK_FALSE(b.acquire());
  clock.advance(1ms);
  CHECK(b.state() == CircuitState::kHalfOpen);

  SECTION("all probes succeed: closed") {
    auto p1 = b.acquire(), p2 = b.acquire();
    CHECK(p1);
    CHECK(p2);
    CHECK_FALSE(b.acquire());  // only `probes` calls in half-open
    b.record(p1, Outcome::kSuccess);
    CHECK(b.state() == CircuitState::kHalfOpen);
    b.record(p2, Outcome::kSuccess);
    CHECK(b.state() == CircuitState::kClosed);
    // A fresh window: one failure does not reopen it.
    call(b, Outcome::kFailure);
    CHECK(b.state() == CircuitState::kClosed);
  }
  SECTION("a failed probe reopens it for another open_for") {
    auto p1 = b.acquire();
    b.record(p1, Outcome::kFailure);
    CHECK(b.state() == CircuitState::kOpen);
    clock.advance(5s);
    CHECK_FALSE(b.acquire());
    clock.advance(5s);
    CHECK(b.state() == CircuitState::kHalfOpen);
  }
  SECTION("a slow probe counts as failed") {
    auto p1 = b.acquire();
    clock.advance(2s);
    b.record(p1, Outcome::kSuccess);
    CHECK(b.state() == CircuitState::kOpen);
  }
  SECTION("an ignored probe gives its slot back") {
    auto p1 = b.acquire(), p2 = b.acquire();
    b.record(p1, Outcome::kIgnored);
    auto p3 = b.acquire();
    CHECK(p3);
    b.record(p2, Outcome::kSuccess);
    b.record(p3, Outcome::kSuccess);
    CHECK(b.state() == CircuitState::kClosed);
  }
  CHECK(b.transitions() >= 2);
}

TEST_CASE("breaker: results from before a transition are ignored") {
  ManualClock clock;
  CircuitBreaker b("t", small(), clock);
  auto straggler = b.acquire();  // started while closed
  for (int i = 0; i < 4; ++i) call(b, Outcome::kFailure);
  clock.advance(10s);
  REQUIRE(b.state() == CircuitState::kHalfOpen);
  b.record(straggler, Outcome::kSuccess);  // must not count as a probe
  auto p1 = b.acquire(), p2 = b.acquire();
  CHECK(p1);
  CHECK(p2);
  b.record(p1, Outcome::kSuccess);
  CHECK(b.state() == CircuitState::kHalfOpen);
}

TEST_CASE("breaker: ignored outcomes do not enter the window") {
  ManualClock clock;
  CircuitBreaker b("t", small(), clock);
  for (int i = 0; i < 10; ++i) call(b, Outcome::kIgnored);
  call(b, Outcome::kFailure);
  call(b, Outcome::kFailure);
  CHECK(b.state() == CircuitState::kClosed);  // 2 calls < min_calls
}

TEST_CASE("breaker: a time window counts the calls of the last window_time only") {
  ManualClock clock;
  CircuitBreakerConfig c = small();
  c.window_type = CircuitBreakerConfig::Window::kTime;
  c.window_time = 10s;
  c.min_calls = 3;
  c.slow_rate = 1.0;
  CircuitBreaker b("t", c, clock);
  call(b, Outcome::kFailure);
  call(b, Outcome::kFailure);
  clock.advance(11s);  // both failures age out
  call(b, Outcome::kFailure);
  call(b, Outcome::kSuccess);
  CHECK(b.state() == CircuitState::kClosed);  // 2 calls in the window < min_calls
  call(b, Outcome::kSuccess);
  CHECK(b.state() == CircuitState::kClosed);  // 1/3 failed
  clock.advance(2s);
  call(b, Outcome::kFailure);  // 2/4 = 0.5
  CHECK(b.state() == CircuitState::kOpen);
  clock.advance(10s);
  CHECK(b.state() == CircuitState::kHalfOpen);
}

TEST_CASE("breaker: transitions are reported to the listener in order") {
  ManualClock clock;
  CircuitBreaker b("t", small(), clock);
  std::vector<std::string> seen;
  b.on_transition([&](CircuitState from, CircuitState to) {
    seen.push_back(std::string(to_string(from)) + ">" + to_string(to));
  });
  for (int i = 0; i < 4; ++i) call(b, Outcome::kFailure);
  clock.advance(10s);
  call(b, Outcome::kSuccess);
  call(b, Outcome::kSuccess);
  CHECK(seen == std::vector<std::string>{"closed>open", "open>half_open", "half_open>closed"});
}

TEST_CASE("breaker: config parsing reports bad values with their path") {
  std::vector<std::string> errors;
  auto report = [&](std::string path, std::string message) { errors.push_back(path + ": " + message); };
  CircuitBreakerConfig c;
  parse_circuit_breaker(
      ConfigSection(YAML::Load("{window_type: time, window_time: 30s, min_calls: 50, probes: 2}"), "x.breaker", report),
      c);
  CHECK(errors.empty());
  CHECK(c.window_type == CircuitBreakerConfig::Window::kTime);
  CHECK(c.window_time == 30s);
  CHECK(c.min_calls == 50);  // no window cap on a time window
  parse_circuit_breaker(ConfigSection(YAML::Load("{window_type: sliding, bogus: 1}"), "x.breaker", report), c);
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].starts_with("x.breaker.bogus: unknown key"));
  CHECK(errors[1].starts_with("x.breaker.window_type: expected count or time"));
}
