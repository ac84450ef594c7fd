// HS256 JSON Web Tokens (RFC 7519, JWS compact serialization RFC 7515): verification with key rotation
// and `kid`, and signing for `herald token` and tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "herald/gateway/auth/authenticator.h"
#include "herald/gateway/auth/clock.h"

namespace herald::gateway::auth {

struct JwtSecret {
  std::string kid;  // empty: tried for tokens without a kid
  std::string key;  // raw key bytes, at least 32 (RFC 7518 section 3.2)
};

struct JwtConfig {
  std::vector<JwtSecret>
      secrets;           // the first one signs; all verify (rotation: add new first, drop old later)
  std::string issuer;    // non-empty: `iss` must equal it
  std::string audience;  // non-empty: `aud` must contain it; empty: a token with `aud` is refused
  std::chrono::seconds leeway{30};  // clock skew allowed on exp, nbf and iat
  size_t max_token_bytes = 8192;    // longer input is refused before any decoding
};

struct JwtClaims {
  std::string sub;  // user id
  std::string dev;  // device id; empty when absent
  int64_t exp = 0;  // Unix seconds
  std::optional<int64_t> nbf, iat;
  std::string iss;
  std::string kid;  // from the header, when present
};

struct JwtVerifyResult {
  bool ok = false;
  JwtClaims claims;  // filled once the signature verified
  herald_reason reason = HERALD_REASON_BAD_CREDENTIALS;
  std::string error;             // why not ok; never contains the token
  bool signature_valid = false;  // the token is ours: its verdict is final (see AuthResult::conclusive)
};

class JwtVerifier {
 public:
  explicit JwtVerifier(JwtConfig config);
  // `device_id`: the client's device id; a `dev` claim must equal it unless it is empty.
  JwtVerifyResult verify(std::string_view token, int64_t now_unix, std::string_view device_id = {}) const;
  const JwtConfig& config() const { return config_; }

 private:
  JwtConfig config_;
};

class JwtSigner {
 public:
  explicit JwtSigner(JwtSecret secret) : secret_(std::move(secret)) {}
  // {"alg":"HS256","typ":"JWT"[,"kid":..]} . {"sub","dev"(when set),"iat","exp"[,"iss"][,"aud"]}
  std::string sign(const JwtClaims& claims, std::string_view audience = {}) const;
  // Signs arbitrary header and payload JSON (tests build hostile tokens with it).
  static std::string sign_raw(std::string_view header_json, std::string_view payload_json,
                              std::string_view key);

 private:
  JwtSecret secret_;
};

// The `herald token` command: a token for `user` on `device` (may be empty) valid for `ttl` from
// `now_unix` (default: the system clock), signed with config.secrets[0] and carrying its kid and the
// configured iss/aud so this gateway accepts it. Throws std::invalid_argument (with a message for the
// operator) when the user id is invalid, ttl is not positive, or no secret is configured.
std::string make_token(const JwtConfig& config, std::string_view user, std::string_view device,
                       std::chrono::seconds ttl, std::optional<int64_t> now_unix = std::nullopt);

// HMAC-SHA256 (OpenSSL). Exposed for tests.
std::string hmac_sha256(std::string_view key, std::string_view data);

}  // namespace herald::gateway::auth
