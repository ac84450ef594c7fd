// HttpAuthenticator against a local HTTP server: allow, deny, errors, timeouts, the breaker failing
// fast and a half-open probe closing it again, concurrency bound, shutdown.
#include <catch2/catch.hpp>

#include <Poco/Net/ServerSocket.h>

#include "herald/gateway/auth/http_authenticator.h"
#include "herald/gateway/auth/json.h"
#include "test_backend.h"

using namespace herald::gateway::auth;
using namespace std::chrono_literals;
using test::Backend;
using test::Verdict;

namespace {

HttpAuthConfig config_for(const std::string& url) {
  HttpAuthConfig c;
  c.url = url;
  c.timeout = 300ms;
  c.cache_ttl = 60s;
  c.breaker.window = 4;
  c.breaker.min_calls = 2;
  c.breaker.failure_rate = 0.5;
  c.breaker.slow_call = 60s;
  c.breaker.slow_rate = 1.0;
  c.breaker.open_for = 10s;
  c.breaker.probes = 1;
  return c;
}

Credentials creds(std::string password = "s3cret") {
  Credentials c;
  c.username = "alice";
  c.password = std::move(password);
  c.client_id = "phone-1";
  c.peer_ip = "10.1.2.3";
  c.listener = "mqtt";
  return c;
}

AuthResult run(HttpAuthenticator& a, const Credentials& c) {
  Verdict v;
  a.authenticate(c, v.callback());
  auto r = v.get();
  REQUIRE(r);
  return *r;
}

}  // namespace

TEST_CASE("http auth: allow, with the request contract") {
  Backend backend;
  ManualClock clock;
  HttpAuthenticator a(config_for(backend.url()), clock);
  a.start();
  AuthResult r = run(a, creds());
  REQUIRE(r.ok);
  CHECK(r.user_id == "alice");
  CHECK(r.device_id == "dev-9");
  REQUIRE(r.cache_for);
  CHECK(*r.cache_for == 30s);  // the response's ttl is below cache_ttl

  auto body = json::parse(backend.last_body());
  REQUIRE(body.value);
  CHECK(body.value->find("username")->as_string() == "alice");
  CHECK(body.value->find("password")->as_string() == "s3cret");
  CHECK(body.value->find("client_id")->as_string() == "phone-1");
  CHECK(body.value->find("peer")->as_string() == "10.1.2.3");
  CHECK(body.value->find("listener")->as_string() == "mqtt");

  backend.set_mode(Backend::Mode::kAllowMinimal);  // user and device default to the credentials'
  r = run(a, creds());
  REQUIRE(r.ok);
  CHECK(r.user_id == "alice");
  CHECK(r.device_id == "phone-1");
  CHECK(*r.cache_for == 60s);
}

TEST_CASE("http auth: deny, 4xx, 5xx and garbage") {
  Backend backend;
  ManualClock clock;
  HttpAuthConfig c = config_for(backend.url());
  c.breaker.min_calls = 4;
  c.breaker.failure_rate = 1.0;  // keep the breaker out of this test
  HttpAuthenticator a(c, clock);
  a.start();

  backend.set_mode(Backend::Mode::kDeny);
  AuthResult r = run(a, creds());
  CHECK_FALSE(r.ok);
  CHECK(r.reason == HERALD_REASON_BAD_CREDENTIALS);
  CHECK(r.text.find("s3cret") == std::string::npos);

  backend.set_mode(Backend::Mode::kForbidden);
  CHECK(run(a, creds()).reason == HERALD_REASON_BAD_CREDENTIALS);
  backend.set_mode(Backend::Mode::kError);
  CHECK(run(a, creds()).reason == HERALD_REASON_SERVER_UNAVAILABLE);
  backend.set_mode(Backend::Mode::kGarbage);
  CHECK(run(a, creds()).reason == HERALD_REASON_SERVER_UNAVAILABLE);

  // A binary (non-UTF-8) password is refused without a request.
  const int before = backend.hits();
  CHECK(run(a, creds(std::string("\xFF\xFE", 2))).reason == HERALD_REASON_BAD_CREDENTIALS);
  CHECK(backend.hits() == before);
}

TEST_CASE("http auth: unreachable service") {
  uint16_t port;
  {
    Poco::Net::ServerSocket s(Poco::Net::SocketAddress("127.0.0.1", 0));
    port = s.address().port();
  }  // closed again: connecting is refused
  ManualClock clock;
  HttpAuthenticator a(config_for("http://127.0.0.1:" + std::to_string(port) + "/auth"), clock);
  a.start();
  const AuthResult r = run(a, creds());
  CHECK(r.reason == HERALD_REASON_SERVER_UNAVAILABLE);
}

TEST_CASE("http auth: timeouts trip the breaker, calls fail fast, a half-open probe closes it") {
  Backend backend;
  ManualClock clock;
  HttpAuthenticator a(config_for(backend.url()), clock);
  a.start();

  backend.set_mode(Backend::Mode::kHang);
  Verdict v1, v2;
  a.authenticate(creds(), v1.callback());
  a.authenticate(creds(), v2.callback());
  auto r1 = v1.get(), r2 = v2.get();  // each bounded by the 300 ms client timeout
  REQUIRE(r1);
  REQUIRE(r2);
  CHECK(r1->reason == HERALD_REASON_SERVER_UNAVAILABLE);
  CHECK(r1->text == "auth service timed out");
  CHECK(a.breaker().state() == CircuitState::kOpen);

  // Open: answered inline, the service is not called.
  const int hits = backend.hits();
  Verdict fast;
  a.authenticate(creds(), fast.callback());
  CHECK(fast.ready());
  CHECK(fast.get()->reason == HERALD_REASON_DEPENDENCY_UNAVAILABLE);
  CHECK(backend.hits() == hits);

  // The service recovers; after open_for one probe goes through and closes the breaker.
  backend.release();
  backend.set_mode(Backend::Mode::kAllow);
  clock.advance(10s);
  CHECK(a.breaker().state() == CircuitState::kHalfOpen);
  const AuthResult probe = run(a, creds());
  CHECK(probe.ok);
  CHECK(a.breaker().state() == CircuitState::kClosed);
  CHECK(run(a, creds()).ok);
}

TEST_CASE("http auth: a failed probe reopens the breaker") {
  Backend backend;
  ManualClock clock;
  HttpAuthenticator a(config_for(backend.url()), clock);
  a.start();
  backend.set_mode(Backend::Mode::kError);
  run(a, creds());
  run(a, creds());
  REQUIRE(a.breaker().state() == CircuitState::kOpen);
  clock.advance(10s);
  CHECK(run(a, creds()).reason == HERALD_REASON_SERVER_UNAVAILABLE);
  CHECK(a.breaker().state() == CircuitState::kOpen);
}

TEST_CASE("http auth: denials keep the breaker closed") {
  Backend backend;
  ManualClock clock;
  HttpAuthenticator a(config_for(backend.url()), clock);
  a.start();
  backend.set_mode(Backend::Mode::kForbidden);
  for (int i = 0; i < 6; ++i) CHECK(run(a, creds()).reason == HERALD_REASON_BAD_CREDENTIALS);
  CHECK(a.breaker().state() == CircuitState::kClosed);
}

TEST_CASE("http auth: bounded in-flight requests, stop fails what is pending") {
  Backend backend;
  ManualClock clock;
  HttpAuthConfig c = config_for(backend.url());
  c.timeout = 20s;  // the request stays in flight until stop()
  c.max_in_flight = 1;
  HttpAuthenticator a(c, clock);
  a.start();
  backend.set_mode(Backend::Mode::kHang);
  Verdict first, second;
  a.authenticate(creds(), first.callback());
  REQUIRE(backend.wait_hanging(1));
  a.authenticate(creds(), second.callback());
  CHECK(second.ready());
  CHECK(second.get()->reason == HERALD_REASON_SERVER_BUSY);
  CHECK_FALSE(first.ready());

  a.stop();
  CHECK(first.ready());
  const auto r = first.get();
  CHECK(r->reason == HERALD_REASON_SERVER_UNAVAILABLE);
  CHECK(a.in_flight() == 0);

  Verdict after;
  a.authenticate(creds(), after.callback());
  CHECK(after.get()->reason == HERALD_REASON_SERVER_UNAVAILABLE);
}

TEST_CASE("http auth: not started answers at once") {
  ManualClock clock;
  HttpAuthenticator a(config_for("http://127.0.0.1:1/auth"), clock);
  Verdict v;
  a.authenticate(creds(), v.callback());
  CHECK(v.ready());
  CHECK(v.get()->reason == HERALD_REASON_SERVER_UNAVAILABLE);
}
