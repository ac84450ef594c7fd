// Issues HS256 JWTs: the `herald token` command and tests.
#include <stdexcept>

#include "herald/gateway/auth/base64url.h"
#include "herald/gateway/auth/clock.h"
#include "herald/gateway/auth/json.h"
#include "herald/gateway/auth/jwt_verifier.h"

namespace herald::gateway::auth {

std::string JwtSigner::sign_raw(std::string_view header_json, std::string_view payload_json,
                                std::string_view key) {
  std::string input = base64url_encode(header_json);
  input += '.';
  input += base64url_encode(payload_json);
  const std::string mac = hmac_sha256(key, input);
  input += '.';
  input += base64url_encode(mac);
  return input;
}

std::string JwtSigner::sign(const JwtClaims& claims, std::string_view audience) const {
  std::string header = R"({"alg":"HS256","typ":"JWT")";
  if (!secret_.kid.empty()) {
    header += ",\"kid\":";
    json::append_string(header, secret_.kid);
  }
  header += '}';

  std::string payload = "{\"sub\":";
  json::append_string(payload, claims.sub);
  if (!claims.dev.empty()) {
    payload += ",\"dev\":";
    json::append_string(payload, claims.dev);
  }
  if (claims.iat) payload += ",\"iat\":" + std::to_string(*claims.iat);
  if (claims.nbf) payload += ",\"nbf\":" + std::to_string(*claims.nbf);
  payload += ",\"exp\":" + std::to_string(claims.exp);
  if (!claims.iss.empty()) {
    payload += ",\"iss\":";
    json::append_string(payload, claims.iss);
  }
  if (!audience.empty()) {
    payload += ",\"aud\":";
    json::append_string(payload, audience);
  }
  payload += '}';
  return sign_raw(header, payload, secret_.key);
}

std::string make_token(const JwtConfig& config, std::string_view user, std::string_view device,
                       std::chrono::seconds ttl, std::optional<int64_t> now_unix) {
  if (config.secrets.empty()) throw std::invalid_argument("no JWT secret configured (auth.jwt.secrets)");
  if (!is_valid_user_id(user))
    throw std::invalid_argument("user id must be 1-128 characters of A-Z a-z 0-9 _ . @ -");
  if (ttl.count() <= 0) throw std::invalid_argument("token lifetime must be positive");
  if (!json::valid_utf8(device)) throw std::invalid_argument("device id must be UTF-8");
  const int64_t now = now_unix ? *now_unix : system_clock().unix_seconds();
  JwtClaims c;
  c.sub = std::string(user);
  c.dev = std::string(device);
  c.iat = now;
  c.exp = now + ttl.count();
  c.iss = config.issuer;
  return JwtSigner(config.secrets.front()).sign(c, config.audience);
}

}  // namespace herald::gateway::auth
