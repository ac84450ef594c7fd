// The assembled stack: limiter -> cache -> JWT -> HTTP, as the gateway uses it at connect time.
#include <catch2/catch.hpp>

#include "herald/gateway/auth/auth_stack.h"
#include "herald/gateway/auth/chain_authenticator.h"
#include "test_backend.h"

using namespace herald::gateway::auth;
using namespace std::chrono_literals;
using test::Backend;
using test::Verdict;

namespace {

const std::string kKey = "0123456789abcdef0123456789abcdef-stack";

AuthConfig config_for(const std::string& url) {
  AuthConfig c;
  c.methods = {AuthMethod::kJwt, AuthMethod::kHttp};
  c.jwt.secrets = {{"", kKey}};
  c.http.url = url;
  c.http.timeout = 2s;
  c.http.cache_ttl = 24h;  // seed 000: cache the auth service's verdict for a long time
  c.http.breaker.min_calls = 100;
  c.http.breaker.window = 100;
  c.cache.ttl = 24h;
  c.login_limit = {.failures = 3, .per = 60s, .ban_for = 300s};
  return c;
}

Credentials creds(std::string password, std::string ip = "10.0.0.1") {
  Credentials c;
  c.username = "alice";
  c.password = std::move(password);
  c.client_id = "phone-1";
  c.peer_ip = std::move(ip);
  return c;
}

AuthResult run(Authenticator& a, const Credentials& c) {
  Verdict v;
  a.authenticate(c, v.callback());
  auto r = v.get();
  REQUIRE(r);
  return *r;
}

}  // namespace

TEST_CASE("auth stack: JWT answers inline and is cached") {
  Backend backend;
  ManualClock clock;
  AuthStack stack(config_for(backend.url()), clock);
  stack.start();
  const std::string token = make_token(config_for("").jwt, "bob", "", 1h, clock.unix_seconds());
  Verdict v;
  stack.authenticate(creds(token), v.callback());
  CHECK(v.ready());  // no I/O involved
  auto r = v.get();
  REQUIRE(r->ok);
  CHECK(r->user_id == "bob");
  CHECK(backend.hits() == 0);
  CHECK(run(stack, creds(token)).ok);
  CHECK(stack.cache().hits() == 1);

  // The cached verdict ends with the token (exp); the verifier then allows the 30 s leeway.
  clock.advance(1h);
  CHECK(run(stack, creds(token)).ok);
  CHECK(stack.cache().hits() == 1);
  clock.advance(31s);
  const AuthResult expired = run(stack, creds(token));
  CHECK(expired.reason == HERALD_REASON_TOKEN_EXPIRED);
  CHECK(backend.hits() == 0);  // conclusive: a token of ours is not offered to the HTTP service
}

TEST_CASE("auth stack: a password goes to the HTTP service, the cached verdict survives its outage") {
  Backend backend;
  ManualClock clock;
  AuthStack stack(config_for(backend.url()), clock);
  stack.start();
  AuthResult r = run(stack, creds("hunter2"));
  REQUIRE(r.ok);
  CHECK(r.user_id == "alice");
  CHECK(backend.hits() == 1);

  backend.set_mode(Backend::Mode::kError);
  r = run(stack, creds("hunter2", "10.9.9.9"));  // reconnect from another address: still cached
  CHECK(r.ok);
  CHECK(backend.hits() == 1);
  // The response's ttl (30 s) bounds the cache entry.
  clock.advance(31s);
  r = run(stack, creds("hunter2"));
  CHECK_FALSE(r.ok);
  CHECK(r.reason == HERALD_REASON_SERVER_UNAVAILABLE);  // an outage, not "bad password"
}

TEST_CASE("auth stack: failed logins ban the address before any check") {
  Backend backend;
  backend.set_mode(Backend::Mode::kDeny);
  ManualClock clock;
  AuthStack stack(config_for(backend.url()), clock);
  stack.start();
  for (int i = 0; i < 3; ++i) CHECK(run(stack, creds("wrong")).reason == HERALD_REASON_BAD_CREDENTIALS);
  CHECK(backend.hits() == 3);

  backend.set_mode(Backend::Mode::kAllow);
  Verdict v;
  stack.authenticate(creds("right"), v.callback());
  CHECK(v.ready());
  auto r = v.get();
  CHECK(r->reason == HERALD_REASON_CONNECTION_RATE_EXCEEDED);
  CHECK(r->text.find("retry in 300s") != std::string::npos);
  CHECK(backend.hits() == 3);                        // refused without asking
  CHECK(run(stack, creds("right", "10.0.0.2")).ok);  // other addresses unaffected

  clock.advance(300s);
  CHECK(run(stack, creds("right")).ok);
}

TEST_CASE("auth stack: outages do not count as failed logins") {
  Backend backend;
  backend.set_mode(Backend::Mode::kError);
  ManualClock clock;
  AuthStack stack(config_for(backend.url()), clock);
  stack.start();
  for (int i = 0; i < 5; ++i) CHECK(run(stack, creds("pw")).reason == HERALD_REASON_SERVER_UNAVAILABLE);
  CHECK(stack.limiter().check("10.0.0.1").allowed);
}

TEST_CASE("auth stack: no method configured refuses") {
  AuthConfig c;
  ManualClock clock;
  AuthStack stack(c, clock);
  const AuthResult r = run(stack, creds("pw"));
  CHECK_FALSE(r.ok);
  CHECK(r.reason == HERALD_REASON_NOT_AUTHORIZED);
  CHECK(stack.http() == nullptr);
}

TEST_CASE("chain: order and the choice of refusal") {
  struct Fixed : Authenticator {
    explicit Fixed(AuthResult r) : r_(std::move(r)) {}
    void authenticate(const Credentials&, AuthCallback done) override {
      ++calls;
      done(r_);
    }
    std::string_view name() const override { return "fixed"; }
    AuthResult r_;
    int calls = 0;
  };
  auto bad = std::make_shared<Fixed>(AuthResult::deny(HERALD_REASON_BAD_CREDENTIALS, "bad"));
  auto down = std::make_shared<Fixed>(AuthResult::deny(HERALD_REASON_SERVER_UNAVAILABLE, "down"));
  auto final_no = std::make_shared<Fixed>(AuthResult::deny(HERALD_REASON_TOKEN_EXPIRED, "expired", true));
  auto yes = std::make_shared<Fixed>(AuthResult::allow("u", "d", 0));

  CHECK(run(*std::make_unique<ChainAuthenticator>(std::vector<std::shared_ptr<Authenticator>>{bad, yes}), {})
            .ok);
  CHECK(run(*std::make_unique<ChainAuthenticator>(std::vector<std::shared_ptr<Authenticator>>{down, bad}), {})
            .reason == HERALD_REASON_SERVER_UNAVAILABLE);
  CHECK(run(*std::make_unique<ChainAuthenticator>(std::vector<std::shared_ptr<Authenticator>>{bad, bad}), {})
            .text == "bad");
  const int before = yes->calls;
  CHECK(run(*std::make_unique<ChainAuthenticator>(std::vector<std::shared_ptr<Authenticator>>{final_no, yes}),
            {})
            .reason == HERALD_REASON_TOKEN_EXPIRED);
  CHECK(yes->calls == before);
}
