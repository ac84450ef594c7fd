// Parses and validates the auth.* and acl.* config sections (see auth_config.h and README.md).
#include "herald/gateway/auth/auth_config.h"

#include <fstream>

#include "herald/gateway/auth/base64url.h"

namespace herald::gateway::auth {
namespace {

constexpr size_t kMinSecretBytes = 32;  // RFC 7518 section 3.2: at least the hash output size

// "base64:<...>" decodes; anything else is the raw bytes of the string.
std::optional<std::string> secret_bytes(std::string_view text) {
  if (text.starts_with("base64:")) return base64_decode_lenient(text.substr(7));
  return std::string(text);
}

// `key` names the secret's place under section `r` ("secrets[0].secret", "secret_file: line 3").
void add_secret(const sdk::ConfigSection& r, const std::string& key, std::string kid, std::string_view text,
                JwtConfig& jwt) {
  auto bytes = secret_bytes(text);
  if (!bytes) return r.error(key, "invalid base64 after \"base64:\"");
  if (bytes->size() < kMinSecretBytes)
    return r.error(key, "must be at least " + std::to_string(kMinSecretBytes) + " bytes (HS256 key)");
  jwt.secrets.push_back(JwtSecret{std::move(kid), std::move(*bytes)});
}

void parse_jwt(const sdk::ConfigSection& r, JwtConfig& jwt) {
  if (!r.present()) return;
  r.allow_keys({"secrets", "secret_file", "issuer", "audience", "leeway", "max_token_bytes"});
  const YAML::Node secrets = r.node()["secrets"];
  if (secrets && !secrets.IsNull()) {
    if (!secrets.IsSequence()) {
      r.error("secrets", "expected a list of secrets");
    } else {
      for (size_t i = 0; i < secrets.size(); ++i) {
        const std::string item = "secrets[" + std::to_string(i) + "]";
        const YAML::Node s = secrets[i];
        if (s.IsScalar()) {
          add_secret(r, item, {}, s.Scalar(), jwt);
        } else if (s.IsMap()) {
          auto entry = r.at(item, s);
          entry.allow_keys({"kid", "secret"});
          std::string kid;
          entry.string("kid", kid);
          if (!s["secret"] || !s["secret"].IsScalar()) {
            entry.error("secret", "missing required key");
            continue;
          }
          if (kid.empty()) entry.error("kid", "missing required key (or write the secret as a plain string)");
          add_secret(r, item + ".secret", kid, s["secret"].Scalar(), jwt);
        } else {
          r.error(item, "expected a secret string or {kid, secret}");
        }
      }
    }
  }
  std::string file;
  r.string("secret_file", file);
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) {
      r.error("secret_file", "cannot read \"" + file + "\"");
    } else {
      // One secret per line (the first signs); blank lines and # comments are skipped.
      std::string line;
      for (int n = 1; std::getline(in, line); ++n) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        if (line.empty() || line.front() == '#') continue;
        add_secret(r, "secret_file: line " + std::to_string(n), {}, line, jwt);
      }
    }
  }
  r.string("issuer", jwt.issuer);
  r.string("audience", jwt.audience);
  r.duration("leeway", jwt.leeway);
  r.integer("max_token_bytes", jwt.max_token_bytes, 256, 1 << 20);
}

void parse_http(const sdk::ConfigSection& r, HttpAuthConfig& http) {
  if (!r.present()) return;
  r.allow_keys({"url", "timeout", "cache_ttl", "headers", "max_in_flight", "breaker"});
  r.string("url", http.url);
  if (!http.url.empty() && !http.url.starts_with("http://") && !http.url.starts_with("https://"))
    r.error("url", "must start with http:// or https://");
  r.duration("timeout", http.timeout, false);
  r.duration("cache_ttl", http.cache_ttl);
  r.integer("max_in_flight", http.max_in_flight, 1, 100'000);
  const YAML::Node headers = r.node()["headers"];
  if (headers && !headers.IsNull()) {
    if (!headers.IsMap()) {
      r.error("headers", "expected a map of header names to values");
    } else {
      for (const auto& kv : headers) {
        const std::string name = kv.first.as<std::string>("");
        const std::string hv = kv.second.IsScalar() ? kv.second.Scalar() : std::string();
        const bool bad_name = name.empty() || name.find_first_of(":\r\n ") != std::string::npos;
        if (bad_name || !kv.second.IsScalar() || hv.find_first_of("\r\n") != std::string::npos)
          r.error("headers." + name, "invalid header");
        else
          http.headers.emplace_back(name, hv);
      }
    }
  }
  sdk::parse_circuit_breaker(r.child("breaker"), http.breaker);
}

}  // namespace

AuthConfig parse_auth_config(const YAML::Node& node, ConfigErrors& errors, std::string_view path) {
  AuthConfig c;
  c.methods.clear();
  sdk::ConfigSection r(node, std::string(path), report_to(errors));
  if (!r.present()) return c;
  r.allow_keys({"methods", "jwt", "http", "cache", "login_limit"});
  const YAML::Node methods = node["methods"];
  const bool explicit_methods = methods && !methods.IsNull();
  if (explicit_methods) {
    if (!methods.IsSequence()) {
      r.error("methods", "expected a list of: jwt, http");
    } else {
      for (size_t i = 0; i < methods.size(); ++i) {
        const std::string m = methods[i].IsScalar() ? methods[i].Scalar() : std::string();
        const std::string item = "methods[" + std::to_string(i) + "]";
        AuthMethod am;
        if (m == "jwt")
          am = AuthMethod::kJwt;
        else if (m == "http")
          am = AuthMethod::kHttp;
        else {
          r.error(item, "unknown method \"" + m + "\" (valid: jwt, http)");
          continue;
        }
        for (auto seen : c.methods)
          if (seen == am) r.error(item, "listed twice");
        c.methods.push_back(am);
      }
    }
  }
  parse_jwt(r.child("jwt"), c.jwt);
  parse_http(r.child("http"), c.http);

  if (auto cache = r.child("cache"); cache.present()) {
    cache.allow_keys({"ttl", "max_entries"});
    cache.duration("ttl", c.cache.ttl);
    cache.integer("max_entries", c.cache.max_entries, 0, 100'000'000);
  }
  if (auto limit = r.child("login_limit"); limit.present()) {
    limit.allow_keys({"failures", "per", "ban_for", "max_tracked", "ipv6_prefix"});
    limit.integer("failures", c.login_limit.failures, 0, 1'000'000);
    limit.duration("per", c.login_limit.per, false);
    limit.duration("ban_for", c.login_limit.ban_for, false);
    limit.integer("max_tracked", c.login_limit.max_tracked, 1, 100'000'000);
    limit.integer("ipv6_prefix", c.login_limit.ipv6_prefix, 1, 128);
  }

  if (!explicit_methods) {  // default: JWT first, then the HTTP callback, each when configured
    if (!c.jwt.secrets.empty()) c.methods.push_back(AuthMethod::kJwt);
    if (!c.http.url.empty()) c.methods.push_back(AuthMethod::kHttp);
  }
  for (auto m : c.methods) {
    if (m == AuthMethod::kJwt && c.jwt.secrets.empty())
      r.error("jwt.secrets", "at least one secret is required when methods lists jwt");
    if (m == AuthMethod::kHttp && c.http.url.empty()) r.error("http.url", "required when methods lists http");
  }
  return c;
}

AclConfig parse_acl_config(const YAML::Node& node, ConfigErrors& errors, std::string_view path) {
  AclConfig c;
  sdk::ConfigSection r(node, std::string(path), report_to(errors));
  if (!r.present()) return c;
  r.allow_keys({"default", "rules"});
  r.choice("default", c.default_allow, {{"allow", true}, {"deny", false}});

  const YAML::Node rules = node["rules"];
  if (!rules || rules.IsNull()) return c;
  if (!rules.IsSequence()) {
    r.error("rules", "expected a list of rules");
    return c;
  }
  for (size_t i = 0; i < rules.size(); ++i) {
    const std::string item = "rules[" + std::to_string(i) + "]";
    const YAML::Node n = rules[i];
    if (!n.IsMap()) {
      r.error(item, "expected a map {user, topic, access, allow}");
      continue;
    }
    auto entry = r.at(item, n);
    entry.allow_keys({"user", "topic", "access", "allow"});
    AclRuleConfig rule;
    bool ok = true;
    for (std::string_view key : {"user", "topic", "access", "allow"}) {
      if (!n[std::string(key)] || n[std::string(key)].IsNull()) {
        entry.error(key, "missing required key");
        ok = false;
      }
    }
    if (!ok) continue;
    entry.string("user", rule.user);
    if (rule.user != "*" && rule.user != "$anonymous" && !is_valid_user_id(rule.user))
      entry.error("user", "expected a user id, \"*\" or \"$anonymous\"");
    entry.string("topic", rule.topic);
    if (std::string e = validate_acl_pattern(rule.topic); !e.empty()) entry.error("topic", e);
    entry.choice("access", rule.access,
                 {{"read", AclAccess::kRead}, {"write", AclAccess::kWrite}, {"readwrite", AclAccess::kReadWrite}});
    entry.boolean("allow", rule.allow);
    c.rules.push_back(std::move(rule));
  }
  return c;
}

}  // namespace herald::gateway::auth
