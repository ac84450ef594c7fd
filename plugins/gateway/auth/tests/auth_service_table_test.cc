// herald.auth.v1 over the gateway's auth stack: the C table answers with the same verdicts as a connect.
#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "herald/gateway/auth/auth_service_table.h"
#include "herald/gateway/auth/auth_stack.h"
#include "herald/str.hpp"

using namespace herald::gateway::auth;
using namespace std::chrono_literals;

namespace {

struct Answer {
  uint16_t reason = 0xffff;
  std::string user, device, text;
  int calls = 0;
};

Answer verify(const AuthServiceTable& t, std::string_view token) {
  Answer a;
  const herald_auth_service_v1* s = t.table();
  s->verify(s->self, herald::sdk::to_str(token), herald::sdk::to_str("127.0.0.1"),
            [](void* arg, const herald_auth_verdict* v) {
              auto* out = static_cast<Answer*>(arg);
              ++out->calls;
              out->reason = v->reason;
              out->user = std::string(herald::sdk::view(v->user));
              out->device = std::string(herald::sdk::view(v->device));
              out->text = std::string(herald::sdk::view(v->text));
            },
            &a);
  return a;
}

}  // namespace

TEST_CASE("auth service table: a gateway token verifies to its user and device, others are refused") {
  AuthConfig c;
  c.methods = {AuthMethod::kJwt};
  c.jwt.secrets = {{"", "0123456789abcdef0123456789abcdef-service"}};
  ManualClock clock;
  auto stack = std::make_shared<AuthStack>(c, clock);
  AuthServiceTable table(stack, "media");
  REQUIRE(table.table()->struct_size == sizeof(herald_auth_service_v1));

  const std::string token = make_token(c.jwt, "alice", "phone", 1h, clock.unix_seconds());
  Answer ok = verify(table, token);
  CHECK(ok.calls == 1);
  CHECK(ok.reason == HERALD_REASON_OK);
  CHECK(ok.user == "alice");
  CHECK(ok.device == "phone");

  Answer bad = verify(table, token.substr(0, token.size() - 2) + "xx");
  CHECK(bad.calls == 1);
  CHECK(bad.reason != HERALD_REASON_OK);
  CHECK(bad.user.empty());
  CHECK(bad.text.find(token) == std::string::npos);

  Answer none = verify(table, "");
  CHECK(none.reason == HERALD_REASON_BAD_CREDENTIALS);

  clock.advance(2h);
  CHECK(verify(table, token).reason == HERALD_REASON_TOKEN_EXPIRED);
}
