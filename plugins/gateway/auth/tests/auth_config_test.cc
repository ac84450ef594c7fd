// auth.* and acl.* config: defaults, full parse, every error with its YAML path, secrets never echoed.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>

#include "herald/gateway/auth/auth_config.h"

using namespace herald::gateway::auth;
using namespace std::chrono_literals;

namespace {

bool has_error(const ConfigErrors& errors, const std::string& path, const std::string& fragment = {}) {
  for (const auto& e : errors)
    if (e.path == path && e.message.find(fragment) != std::string::npos) return true;
  return false;
}

std::string dump(const ConfigErrors& errors) {
  std::string s;
  for (const auto& e : errors) s += e.path + ": " + e.message + "\n";
  return s;
}

const std::string kSecret = "0123456789abcdef0123456789abcdef";

}  // namespace

TEST_CASE("auth config: an absent section gives defaults and no methods") {
  ConfigErrors errors;
  const AuthConfig c = parse_auth_config(YAML::Node(), errors);
  CHECK(errors.empty());
  CHECK(c.methods.empty());
  CHECK(c.jwt.leeway == 30s);
  CHECK(c.cache.ttl == 5min);
  CHECK(c.cache.max_entries == 100000);
  CHECK(c.login_limit.failures == 5);
  CHECK(c.http.breaker.window == 20);
}

TEST_CASE("auth config: full section") {
  const auto node = YAML::Load(R"(
jwt:
  secrets: [")" + kSecret + R"(", {kid: k2, secret: "base64:)" +
                               std::string(44, 'A') + R"("}]
  issuer: https://id.example.com
  audience: herald
  leeway: 10s
http:
  url: https://auth.example.com/check
  timeout: 500ms
  cache_ttl: 24h
  headers: {Authorization: "Bearer abc"}
  breaker: {window: 10, failure_rate: 0.4, slow_call: 2s, slow_rate: 0.9, min_calls: 5, open_for: 30s, probes: 2}
cache: {ttl: 10m, max_entries: 500}
login_limit: {failures: 10, per: 5m, ban_for: 1h}
)");
  ConfigErrors errors;
  const AuthConfig c = parse_auth_config(node, errors);
  INFO(dump(errors));
  REQUIRE(errors.empty());
  CHECK(c.methods == std::vector<AuthMethod>{AuthMethod::kJwt, AuthMethod::kHttp});
  REQUIRE(c.jwt.secrets.size() == 2);
  CHECK(c.jwt.secrets[0].key == kSecret);
  CHECK(c.jwt.secrets[1].kid == "k2");
  CHECK(c.jwt.secrets[1].key == std::string(33, '\0'));
  CHECK(c.jwt.issuer == "https://id.example.com");
  CHECK(c.jwt.leeway == 10s);
  CHECK(c.http.timeout == 500ms);
  CHECK(c.http.cache_ttl == 24h);
  CHECK(c.http.headers.size() == 1);
  CHECK(c.http.breaker.failure_rate == 0.4);
  CHECK(c.http.breaker.open_for == 30s);
  CHECK(c.http.breaker.probes == 2);
  CHECK(c.cache.ttl == 10min);
  CHECK(c.login_limit.ban_for == 1h);
}

TEST_CASE("auth config: errors carry paths and never the secret") {
  const auto node = YAML::Load(R"(
methods: [jwt, http, ldap, jwt]
jwt:
  secrets: ["too-short-secret", {secret: ")" +
                               kSecret + R"("}, [1]]
  leeway: soon
  extra: 1
http:
  timeout: 0s
  breaker: {failure_rate: 1.5, window: 5, min_calls: 6}
cache: {max_entries: -1}
login_limit: {per: 0}
)");
  ConfigErrors errors;
  parse_auth_config(node, errors);
  INFO(dump(errors));
  CHECK(has_error(errors, "auth.methods[2]", "unknown method"));
  CHECK(has_error(errors, "auth.methods[3]", "listed twice"));
  CHECK(has_error(errors, "auth.jwt.secrets[0]", "at least 32 bytes"));
  CHECK(has_error(errors, "auth.jwt.secrets[1].kid"));
  CHECK(has_error(errors, "auth.jwt.secrets[2]"));
  CHECK(has_error(errors, "auth.jwt.leeway", "duration"));
  CHECK(has_error(errors, "auth.jwt.extra", "unknown key"));
  CHECK(has_error(errors, "auth.http.timeout", "greater than zero"));
  CHECK(has_error(errors, "auth.http.url", "required"));
  CHECK(has_error(errors, "auth.http.breaker.failure_rate"));
  CHECK(has_error(errors, "auth.http.breaker.min_calls", "exceed window"));
  CHECK(has_error(errors, "auth.cache.max_entries"));
  CHECK(has_error(errors, "auth.login_limit.per"));
  for (const auto& e : errors) CHECK(e.message.find("too-short-secret") == std::string::npos);
}

TEST_CASE("auth config: secret_file") {
  const std::string path = "/tmp/herald-auth-test-secrets-" + std::to_string(::getpid());
  {
    std::ofstream f(path);
    f << "# rotated 2024-05\n" << kSecret << "\n\nshort\n";
  }
  ConfigErrors errors;
  const AuthConfig c = parse_auth_config(YAML::Load("jwt: {secret_file: " + path + "}"), errors);
  std::remove(path.c_str());
  CHECK(c.jwt.secrets.size() == 1);
  CHECK(has_error(errors, "auth.jwt.secret_file: line 4", "at least 32 bytes"));
  CHECK(c.methods == std::vector<AuthMethod>{AuthMethod::kJwt});

  ConfigErrors missing;
  parse_auth_config(YAML::Load("jwt: {secret_file: /nonexistent/herald}"), missing);
  CHECK(has_error(missing, "auth.jwt.secret_file", "cannot read"));
}

TEST_CASE("acl config") {
  ConfigErrors errors;
  const AclConfig c = parse_acl_config(YAML::Load(R"(
default: allow
rules:
  - {user: "*", topic: "chat/%u/#", access: readwrite, allow: true}
  - {user: $anonymous, topic: "public/#", access: read, allow: true}
  - {user: bob, topic: "x", access: write, allow: false}
)"),
                                       errors);
  INFO(dump(errors));
  REQUIRE(errors.empty());
  CHECK(c.default_allow);
  REQUIRE(c.rules.size() == 3);
  CHECK(c.rules[1].user == "$anonymous");
  CHECK(c.rules[1].access == AclAccess::kRead);
  CHECK_FALSE(c.rules[2].allow);

  ConfigErrors bad;
  parse_acl_config(YAML::Load(R"(
default: maybe
rules:
  - {user: "a/b", topic: "chat/%x", access: all, allow: yes}
  - {topic: "a"}
  - {user: "*", topic: "a/#/b", access: read, allow: true, color: red}
)"),
                   bad);
  INFO(dump(bad));
  CHECK(has_error(bad, "acl.default"));
  CHECK(has_error(bad, "acl.rules[0].user"));
  CHECK(has_error(bad, "acl.rules[0].topic", "%u"));
  CHECK(has_error(bad, "acl.rules[0].access"));
  CHECK(has_error(bad, "acl.rules[0].allow"));
  CHECK(has_error(bad, "acl.rules[1].user", "missing"));
  CHECK(has_error(bad, "acl.rules[1].allow", "missing"));
  CHECK(has_error(bad, "acl.rules[2].topic", "filter"));
  CHECK(has_error(bad, "acl.rules[2].color", "unknown key"));
}
