// Typed auth and ACL config parsed from the gateway's YAML, every problem collected as a value with its
// YAML path ("auth.jwt.secrets[0]: must be at least 32 bytes"). Secrets never appear in messages.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string_view>
#include <vector>

#include "herald/gateway/auth/acl_rules.h"
#include "herald/gateway/auth/auth_cache.h"
#include "herald/gateway/auth/config_errors.h"
#include "herald/gateway/auth/http_authenticator.h"
#include "herald/gateway/auth/jwt_verifier.h"
#include "herald/gateway/auth/login_limiter.h"

namespace herald::gateway::auth {

enum class AuthMethod { kJwt, kHttp };

struct AuthConfig {
  // Tried in this order. Unset in YAML: jwt when a secret is configured, then http when a url is.
  // Empty: no method, every authenticated connect is refused (anonymous listeners still work).
  std::vector<AuthMethod> methods;
  JwtConfig jwt;
  HttpAuthConfig http;
  AuthCacheConfig cache;
  LoginLimitConfig login_limit;
};

// `node` is the `auth` map (undefined or null: every default); `path` prefixes error paths. Reads
// auth.jwt.secret_file, so a missing or short key file is reported at check-config time.
AuthConfig parse_auth_config(const YAML::Node& node, ConfigErrors& errors, std::string_view path = "auth");

// `node` is the `acl` map.
AclConfig parse_acl_config(const YAML::Node& node, ConfigErrors& errors, std::string_view path = "acl");

}  // namespace herald::gateway::auth
