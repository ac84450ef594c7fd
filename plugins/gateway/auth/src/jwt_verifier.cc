// HS256 JWT verification: structure, header (alg pinned to HS256), signature (constant time, several
// keys), then claims. The payload is parsed only after the signature checks out.
#include "herald/gateway/auth/jwt_verifier.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cmath>

#include "herald/gateway/auth/base64url.h"
#include "herald/gateway/auth/json.h"

namespace herald::gateway::auth {

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len))
    return {};
  return std::string(reinterpret_cast<const char*>(out), len);
}

namespace {

JwtVerifyResult fail(herald_reason reason, std::string error, bool signature_valid = false) {
  JwtVerifyResult r;
  r.reason = reason;
  r.error = std::move(error);
  r.signature_valid = signature_valid;
  return r;
}

// A NumericDate (RFC 7519 section 2): a JSON number of seconds, possibly fractional.
std::optional<int64_t> numeric_date(const json::Value& v) {
  if (!v.is_number()) return std::nullopt;
  const double d = v.as_number();
  if (!std::isfinite(d) || std::fabs(d) > 1e15) return std::nullopt;
  return static_cast<int64_t>(std::floor(d));
}

}  // namespace

JwtVerifier::JwtVerifier(JwtConfig config) : config_(std::move(config)) {}

JwtVerifyResult JwtVerifier::verify(std::string_view token, int64_t now_unix,
                                    std::string_view device_id) const {
  if (token.empty()) return fail(HERALD_REASON_BAD_CREDENTIALS, "no token");
  if (token.size() > config_.max_token_bytes) return fail(HERALD_REASON_BAD_CREDENTIALS, "token too long");

  // Compact serialization: exactly three base64url parts (a JWE has five and is not supported).
  const size_t d1 = token.find('.');
  const size_t d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos)
    return fail(HERALD_REASON_BAD_CREDENTIALS, "not a JWT");
  const std::string_view header_b64 = token.substr(0, d1);
  const std::string_view payload_b64 = token.substr(d1 + 1, d2 - d1 - 1);
  const std::string_view sig_b64 = token.substr(d2 + 1);

  // The header is parsed before the signature is checked: keep what an attacker can make us parse
  // small (a real HS256 header is ~40 bytes).
  if (header_b64.size() > 1024) return fail(HERALD_REASON_BAD_CREDENTIALS, "JWT header too long");
  const auto header_text = base64url_decode(header_b64);
  if (!header_text || header_b64.empty())
    return fail(HERALD_REASON_BAD_CREDENTIALS, "not a JWT: bad header encoding");
  auto header = json::parse(*header_text, 4);
  if (!header.value || !header.value->is_object())
    return fail(HERALD_REASON_BAD_CREDENTIALS, "not a JWT: header is not a JSON object");

  // The algorithm is pinned, never taken from the token: "none" and asymmetric algorithms (whose
  // public key an attacker could pass off as an HMAC secret) are refused outright.
  const json::Value* alg = header.value->find("alg");
  if (!alg || !alg->is_string()) return fail(HERALD_REASON_BAD_CREDENTIALS, "JWT header has no alg");
  if (alg->as_string() != "HS256")
    return fail(HERALD_REASON_BAD_CREDENTIALS,
                "JWT alg \"" + alg->as_string().substr(0, 16) + "\" not accepted (HS256 only)");
  if (const json::Value* typ = header.value->find("typ")) {
    if (!typ->is_string()) return fail(HERALD_REASON_BAD_CREDENTIALS, "JWT typ is not a string");
    std::string t = typ->as_string();
    for (auto& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (t != "jwt") return fail(HERALD_REASON_BAD_CREDENTIALS, "JWT typ is not \"JWT\"");
  }
  // RFC 7515 section 4.1.11: extensions listed in crit must be understood; we understand none.
  if (header.value->find("crit")) return fail(HERALD_REASON_BAD_CREDENTIALS, "JWT crit header not supported");
  std::string kid;
  if (const json::Value* k = header.value->find("kid")) {
    if (!k->is_string()) return fail(HERALD_REASON_BAD_CREDENTIALS, "JWT kid is not a string");
    kid = k->as_string();
  }

  const auto sig = base64url_decode(sig_b64);
  if (!sig || sig->size() != 32) return fail(HERALD_REASON_BAD_CREDENTIALS, "JWT signature malformed");

  const std::string_view signing_input = token.substr(0, d2);
  bool verified = false;
  bool kid_known = kid.empty();
  for (const auto& secret : config_.secrets) {
    if (!kid.empty() && secret.kid != kid) continue;
    kid_known = true;
    const std::string mac = hmac_sha256(secret.key, signing_input);
    if (mac.size() == sig->size() && CRYPTO_memcmp(mac.data(), sig->data(), mac.size()) == 0) {
      verified = true;
      break;
    }
  }
  if (!kid_known) return fail(HERALD_REASON_BAD_CREDENTIALS, "JWT kid \"" + kid.substr(0, 32) + "\" unknown");
  if (!verified) return fail(HERALD_REASON_BAD_CREDENTIALS, "JWT signature invalid");

  // From here the token is authentic: every verdict is final (signature_valid = true).
  const auto payload_text = base64url_decode(payload_b64);
  if (!payload_text) return fail(HERALD_REASON_BAD_CREDENTIALS, "JWT payload encoding invalid", true);
  auto payload = json::parse(*payload_text, 8);
  if (!payload.value || !payload.value->is_object())
    return fail(HERALD_REASON_BAD_CREDENTIALS, "JWT payload is not a JSON object", true);
  const json::Value& p = *payload.value;

  JwtVerifyResult r;
  r.signature_valid = true;
  r.claims.kid = kid;
  const json::Value* sub = p.find("sub");
  if (!sub || !sub->is_string()) return fail(HERALD_REASON_BAD_CREDENTIALS, "JWT has no sub claim", true);
  if (!is_valid_user_id(sub->as_string()))
    return fail(HERALD_REASON_BAD_CREDENTIALS, "JWT sub is not a valid user id", true);
  r.claims.sub = sub->as_string();

  const json::Value* exp = p.find("exp");
  if (!exp) return fail(HERALD_REASON_BAD_CREDENTIALS, "JWT has no exp claim", true);
  const auto exp_v = numeric_date(*exp);
  if (!exp_v) return fail(HERALD_REASON_BAD_CREDENTIALS, "JWT exp is not a NumericDate", true);
  r.claims.exp = *exp_v;
  const int64_t leeway = config_.leeway.count();
  if (now_unix >= r.claims.exp + leeway) return fail(HERALD_REASON_TOKEN_EXPIRED, "token expired", true);

  if (const json::Value* nbf = p.find("nbf")) {
    const auto v = numeric_date(*nbf);
    if (!v) return fail(HERALD_REASON_BAD_CREDENTIALS, "JWT nbf is not a NumericDate", true);
    if (now_unix + leeway < *v) return fail(HERALD_REASON_NOT_AUTHORIZED, "token not valid yet (nbf)", true);
    r.claims.nbf = v;
  }
  if (const json::Value* iat = p.find("iat")) {
    const auto v = numeric_date(*iat);
    if (!v) return fail(HERALD_REASON_BAD_CREDENTIALS, "JWT iat is not a NumericDate", true);
    // A token issued in the future means a skewed or compromised issuer.
    if (now_unix + leeway < *v)
      return fail(HERALD_REASON_NOT_AUTHORIZED, "token issued in the future (iat)", true);
    r.claims.iat = v;
  }

  if (const json::Value* iss = p.find("iss")) {
    if (!iss->is_string()) return fail(HERALD_REASON_BAD_CREDENTIALS, "JWT iss is not a string", true);
    r.claims.iss = iss->as_string();
  }
  if (!config_.issuer.empty() && r.claims.iss != config_.issuer)
    return fail(HERALD_REASON_NOT_AUTHORIZED, "token issuer not accepted", true);

  // RFC 7519 section 4.1.3: a recipient that does not identify itself with a value in `aud` MUST reject.
  if (const json::Value* aud = p.find("aud")) {
    bool match = false;
    if (aud->is_string()) {
      match = !config_.audience.empty() && aud->as_string() == config_.audience;
    } else if (aud->is_array()) {
      for (const auto& a : aud->as_array()) {
        if (!a.is_string()) return fail(HERALD_REASON_BAD_CREDENTIALS, "JWT aud holds a non-string", true);
        match = match || (!config_.audience.empty() && a.as_string() == config_.audience);
      }
    } else {
      return fail(HERALD_REASON_BAD_CREDENTIALS, "JWT aud is neither a string nor an array", true);
    }
    if (!match) return fail(HERALD_REASON_NOT_AUTHORIZED, "token audience not accepted", true);
  } else if (!config_.audience.empty()) {
    return fail(HERALD_REASON_NOT_AUTHORIZED, "token has no audience", true);
  }

  if (const json::Value* dev = p.find("dev")) {
    if (!dev->is_string()) return fail(HERALD_REASON_BAD_CREDENTIALS, "JWT dev is not a string", true);
    r.claims.dev = dev->as_string();
    if (!device_id.empty() && r.claims.dev != device_id)
      return fail(HERALD_REASON_NOT_AUTHORIZED, "token is for another device", true);
  }

  r.ok = true;
  r.reason = HERALD_REASON_OK;
  return r;
}

}  // namespace herald::gateway::auth
