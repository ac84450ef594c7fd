// Parses and validates the auth.* and acl.* config sections (see auth_config.h and README.md).
#include "herald/gateway/auth/auth_config.h"

#include <charconv>
#include <fstream>
#include <initializer_list>

#include "herald/config_values.hpp"
#include "herald/gateway/auth/base64url.h"

namespace herald::gateway::auth {
namespace {

constexpr size_t kMinSecretBytes = 32;  // RFC 7518 section 3.2: at least the hash output size

class Reader {
 public:
  Reader(ConfigErrors& errors) : errors_(errors) {}

  void error(const std::string& path, std::string message) { errors_.push_back({path, std::move(message)}); }

  static std::string join(std::string_view base, std::string_view key) {
    if (base.empty()) return std::string(key);
    return std::string(base) + "." + std::string(key);
  }

  // False (and an error) unless the node is a map or absent/null; unknown keys are errors naming the valid
  // ones.
  bool map(const YAML::Node& node, const std::string& path, std::initializer_list<std::string_view> keys) {
    if (!node || node.IsNull()) return false;
    if (!node.IsMap()) {
      error(path, "expected a map");
      return false;
    }
    for (const auto& kv : node) {
      const std::string key = kv.first.as<std::string>("");
      bool known = false;
      for (auto k : keys) known = known || key == k;
      if (!known) {
        std::string valid;
        for (auto k : keys) valid += (valid.empty() ? "" : ", ") + std::string(k);
        error(join(path, key), "unknown key (valid: " + valid + ")");
      }
    }
    return true;
  }

  std::optional<std::string> scalar(const YAML::Node& node, const std::string& path) {
    if (!node || node.IsNull()) return std::nullopt;
    if (!node.IsScalar()) {
      error(path, "expected a scalar");
      return std::nullopt;
    }
    return node.Scalar();
  }

  void string(const YAML::Node& map, std::string_view key, const std::string& path, std::string& out) {
    if (auto v = scalar(map[std::string(key)], join(path, key))) out = *v;
  }

  template <class Duration>
  void duration(const YAML::Node& map, std::string_view key, const std::string& path, Duration& out,
                bool allow_zero = true) {
    const std::string p = join(path, key);
    auto v = scalar(map[std::string(key)], p);
    if (!v) return;
    auto ms = config_values::parse_duration_ms(*v);
    if (!ms) return error(p, "expected a duration such as 500ms, 30s, 5m, got \"" + *v + "\"");
    if (!allow_zero && *ms == 0) return error(p, "must be greater than zero");
    out = std::chrono::duration_cast<Duration>(std::chrono::milliseconds(*ms));
  }

  template <class Int>
  void integer(const YAML::Node& map, std::string_view key, const std::string& path, Int& out, uint64_t min,
               uint64_t max) {
    const std::string p = join(path, key);
    auto v = scalar(map[std::string(key)], p);
    if (!v) return;
    uint64_t n = 0;
    auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc() || ptr != v->data() + v->size())
      return error(p, "expected a non-negative integer, got \"" + *v + "\"");
    if (n < min || n > max)
      return error(p, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    out = static_cast<Int>(n);
  }

  void rate(const YAML::Node& map, std::string_view key, const std::string& path, double& out) {
    const std::string p = join(path, key);
    auto v = scalar(map[std::string(key)], p);
    if (!v) return;
    double d = 0;
    auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), d);
    if (ec != std::errc() || ptr != v->data() + v->size() || !(d > 0 && d <= 1))
      return error(p, "expected a fraction in (0, 1], got \"" + *v + "\"");
    out = d;
  }

  void boolean(const YAML::Node& map, std::string_view key, const std::string& path, bool& out) {
    const std::string p = join(path, key);
    auto v = scalar(map[std::string(key)], p);
    if (!v) return;
    if (*v == "true")
      out = true;
    else if (*v == "false")
      out = false;
    else
      error(p, "expected true or false");
  }

 private:
  ConfigErrors& errors_;
};

// "base64:<...>" decodes; anything else is the raw bytes of the string.
std::optional<std::string> secret_bytes(std::string_view text) {
  if (text.starts_with("base64:")) return base64_decode_lenient(text.substr(7));
  return std::string(text);
}

void add_secret(Reader& r, const std::string& path, std::string kid, std::string_view text, JwtConfig& jwt) {
  auto bytes = secret_bytes(text);
  if (!bytes) return r.error(path, "invalid base64 after \"base64:\"");
  if (bytes->size() < kMinSecretBytes)
    return r.error(path, "must be at least " + std::to_string(kMinSecretBytes) + " bytes (HS256 key)");
  jwt.secrets.push_back(JwtSecret{std::move(kid), std::move(*bytes)});
}

void parse_jwt(Reader& r, const YAML::Node& node, const std::string& path, JwtConfig& jwt) {
  if (!r.map(node, path, {"secrets", "secret_file", "issuer", "audience", "leeway", "max_token_bytes"}))
    return;
  const YAML::Node secrets = node["secrets"];
  const std::string sp = Reader::join(path, "secrets");
  if (secrets && !secrets.IsNull()) {
    if (!secrets.IsSequence()) {
      r.error(sp, "expected a list of secrets");
    } else {
      for (size_t i = 0; i < secrets.size(); ++i) {
        const std::string ip = sp + "[" + std::to_string(i) + "]";
        const YAML::Node s = secrets[i];
        if (s.IsScalar()) {
          add_secret(r, ip, {}, s.Scalar(), jwt);
        } else if (s.IsMap()) {
          r.map(s, ip, {"kid", "secret"});
          std::string kid, secret;
          r.string(s, "kid", ip, kid);
          if (!s["secret"] || !s["secret"].IsScalar()) {
            r.error(Reader::join(ip, "secret"), "missing required key");
            continue;
          }
          if (kid.empty())
            r.error(Reader::join(ip, "kid"), "missing required key (or write the secret as a plain string)");
          add_secret(r, Reader::join(ip, "secret"), kid, s["secret"].Scalar(), jwt);
        } else {
          r.error(ip, "expected a secret string or {kid, secret}");
        }
      }
    }
  }
  std::string file;
  r.string(node, "secret_file", path, file);
  if (!file.empty()) {
    const std::string fp = Reader::join(path, "secret_file");
    std::ifstream in(file);
    if (!in) {
      r.error(fp, "cannot read \"" + file + "\"");
    } else {
      // One secret per line (the first signs); blank lines and # comments are skipped.
      std::string line;
      for (int n = 1; std::getline(in, line); ++n) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        if (line.empty() || line.front() == '#') continue;
        add_secret(r, fp + ": line " + std::to_string(n), {}, line, jwt);
      }
    }
  }
  r.string(node, "issuer", path, jwt.issuer);
  r.string(node, "audience", path, jwt.audience);
  r.duration(node, "leeway", path, jwt.leeway);
  r.integer(node, "max_token_bytes", path, jwt.max_token_bytes, 256, 1 << 20);
}

void parse_breaker(Reader& r, const YAML::Node& node, const std::string& path, CircuitBreakerConfig& b) {
  if (!r.map(node, path,
             {"window", "failure_rate", "slow_call", "slow_rate", "min_calls", "open_for", "probes"}))
    return;
  r.integer(node, "window", path, b.window, 1, 10'000);
  r.rate(node, "failure_rate", path, b.failure_rate);
  r.duration(node, "slow_call", path, b.slow_call, false);
  r.rate(node, "slow_rate", path, b.slow_rate);
  r.integer(node, "min_calls", path, b.min_calls, 1, 10'000);
  r.duration(node, "open_for", path, b.open_for, false);
  r.integer(node, "probes", path, b.probes, 1, 1000);
  if (b.min_calls > b.window) r.error(Reader::join(path, "min_calls"), "must not exceed window");
}

void parse_http(Reader& r, const YAML::Node& node, const std::string& path, HttpAuthConfig& http) {
  if (!r.map(node, path, {"url", "timeout", "cache_ttl", "headers", "max_in_flight", "breaker"})) return;
  r.string(node, "url", path, http.url);
  if (!http.url.empty() && !http.url.starts_with("http://") && !http.url.starts_with("https://"))
    r.error(Reader::join(path, "url"), "must start with http:// or https://");
  r.duration(node, "timeout", path, http.timeout, false);
  r.duration(node, "cache_ttl", path, http.cache_ttl);
  r.integer(node, "max_in_flight", path, http.max_in_flight, 1, 100'000);
  const YAML::Node headers = node["headers"];
  const std::string hp = Reader::join(path, "headers");
  if (headers && !headers.IsNull()) {
    if (!headers.IsMap()) {
      r.error(hp, "expected a map of header names to values");
    } else {
      for (const auto& kv : headers) {
        const std::string name = kv.first.as<std::string>("");
        const std::string hv = kv.second.IsScalar() ? kv.second.Scalar() : std::string();
        const bool bad_name = name.empty() || name.find_first_of(":\r\n ") != std::string::npos;
        if (bad_name || !kv.second.IsScalar() || hv.find_first_of("\r\n") != std::string::npos)
          r.error(Reader::join(hp, name), "invalid header");
        else
          http.headers.emplace_back(name, hv);
      }
    }
  }
  parse_breaker(r, node["breaker"], Reader::join(path, "breaker"), http.breaker);
}

}  // namespace

AuthConfig parse_auth_config(const YAML::Node& node, ConfigErrors& errors, std::string_view path_view) {
  AuthConfig c;
  Reader r(errors);
  const std::string path(path_view);
  c.methods.clear();
  if (!r.map(node, path, {"methods", "jwt", "http", "cache", "login_limit"})) return c;
  const YAML::Node methods = node["methods"];
  const std::string mp = Reader::join(path, "methods");
  const bool explicit_methods = methods && !methods.IsNull();
  if (explicit_methods) {
    if (!methods.IsSequence()) {
      r.error(mp, "expected a list of: jwt, http");
    } else {
      for (size_t i = 0; i < methods.size(); ++i) {
        const std::string m = methods[i].IsScalar() ? methods[i].Scalar() : std::string();
        const std::string ip = mp + "[" + std::to_string(i) + "]";
        AuthMethod am;
        if (m == "jwt")
          am = AuthMethod::kJwt;
        else if (m == "http")
          am = AuthMethod::kHttp;
        else {
          r.error(ip, "unknown method \"" + m + "\" (valid: jwt, http)");
          continue;
        }
        for (auto seen : c.methods)
          if (seen == am) r.error(ip, "listed twice");
        c.methods.push_back(am);
      }
    }
  }
  parse_jwt(r, node["jwt"], Reader::join(path, "jwt"), c.jwt);
  parse_http(r, node["http"], Reader::join(path, "http"), c.http);

  const std::string cp = Reader::join(path, "cache");
  if (r.map(node["cache"], cp, {"ttl", "max_entries"})) {
    r.duration(node["cache"], "ttl", cp, c.cache.ttl);
    r.integer(node["cache"], "max_entries", cp, c.cache.max_entries, 0, 100'000'000);
  }
  const std::string lp = Reader::join(path, "login_limit");
  if (r.map(node["login_limit"], lp, {"failures", "per", "ban_for", "max_tracked", "ipv6_prefix"})) {
    r.integer(node["login_limit"], "failures", lp, c.login_limit.failures, 0, 1'000'000);
    r.duration(node["login_limit"], "per", lp, c.login_limit.per, false);
    r.duration(node["login_limit"], "ban_for", lp, c.login_limit.ban_for, false);
    r.integer(node["login_limit"], "max_tracked", lp, c.login_limit.max_tracked, 1, 100'000'000);
    r.integer(node["login_limit"], "ipv6_prefix", lp, c.login_limit.ipv6_prefix, 1, 128);
  }

  if (!explicit_methods) {  // default: JWT first, then the HTTP callback, each when configured
    if (!c.jwt.secrets.empty()) c.methods.push_back(AuthMethod::kJwt);
    if (!c.http.url.empty()) c.methods.push_back(AuthMethod::kHttp);
  }
  for (auto m : c.methods) {
    if (m == AuthMethod::kJwt && c.jwt.secrets.empty())
      r.error(Reader::join(path, "jwt.secrets"), "at least one secret is required when methods lists jwt");
    if (m == AuthMethod::kHttp && c.http.url.empty())
      r.error(Reader::join(path, "http.url"), "required when methods lists http");
  }
  return c;
}

AclConfig parse_acl_config(const YAML::Node& node, ConfigErrors& errors, std::string_view path_view) {
  AclConfig c;
  Reader r(errors);
  const std::string path(path_view);
  if (!r.map(node, path, {"default", "rules"})) return c;
  std::string def = "deny";
  r.string(node, "default", path, def);
  if (def == "allow")
    c.default_allow = true;
  else if (def != "deny")
    r.error(Reader::join(path, "default"), "expected allow or deny, got \"" + def + "\"");

  const YAML::Node rules = node["rules"];
  const std::string rp = Reader::join(path, "rules");
  if (!rules || rules.IsNull()) return c;
  if (!rules.IsSequence()) {
    r.error(rp, "expected a list of rules");
    return c;
  }
  for (size_t i = 0; i < rules.size(); ++i) {
    const std::string ip = rp + "[" + std::to_string(i) + "]";
    const YAML::Node n = rules[i];
    if (!n.IsMap()) {
      r.error(ip, "expected a map {user, topic, access, allow}");
      continue;
    }
    r.map(n, ip, {"user", "topic", "access", "allow"});
    AclRuleConfig rule;
    bool ok = true;
    for (std::string_view key : {"user", "topic", "access", "allow"}) {
      if (!n[std::string(key)] || n[std::string(key)].IsNull()) {
        r.error(Reader::join(ip, key), "missing required key");
        ok = false;
      }
    }
    if (!ok) continue;
    r.string(n, "user", ip, rule.user);
    if (rule.user != "*" && rule.user != "$anonymous" && !is_valid_user_id(rule.user))
      r.error(Reader::join(ip, "user"), "expected a user id, \"*\" or \"$anonymous\"");
    r.string(n, "topic", ip, rule.topic);
    if (std::string e = validate_acl_pattern(rule.topic); !e.empty()) r.error(Reader::join(ip, "topic"), e);
    std::string access;
    r.string(n, "access", ip, access);
    if (access == "read")
      rule.access = AclAccess::kRead;
    else if (access == "write")
      rule.access = AclAccess::kWrite;
    else if (access == "readwrite")
      rule.access = AclAccess::kReadWrite;
    else
      r.error(Reader::join(ip, "access"), "expected read, write or readwrite");
    r.boolean(n, "allow", ip, rule.allow);
    c.rules.push_back(std::move(rule));
  }
  return c;
}

}  // namespace herald::gateway::auth
