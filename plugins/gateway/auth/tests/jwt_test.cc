// JWT verification and signing: RFC 7515 A.1, tampering, alg confusion, time claims, iss/aud, sub,
// key rotation and kid.
#include <catch2/catch.hpp>

#include "herald/gateway/auth/base64url.h"
#include "herald/gateway/auth/jwt_authenticator.h"
#include "herald/gateway/auth/jwt_verifier.h"

using namespace herald::gateway::auth;

namespace {

const std::string kKey1 = "0123456789abcdef0123456789abcdef-key-one";
const std::string kKey2 = "fedcba9876543210fedcba9876543210-key-two";
constexpr int64_t kNow = 1'700'000'000;

JwtConfig config_with(std::vector<JwtSecret> secrets) {
  JwtConfig c;
  c.secrets = std::move(secrets);
  c.leeway = std::chrono::seconds(30);
  return c;
}

std::string token(std::string_view payload, std::string_view key = kKey1,
                  std::string_view header = R"({"alg":"HS256","typ":"JWT"})") {
  return JwtSigner::sign_raw(header, payload, key);
}

std::string payload(std::string_view sub, int64_t exp, std::string extra = {}) {
  return "{\"sub\":\"" + std::string(sub) + "\",\"exp\":" + std::to_string(exp) + extra + "}";
}

}  // namespace

TEST_CASE("RFC 7515 appendix A.1 HS256 example verifies with its key") {
  const std::string jws =
      "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
      ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
      ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  const auto key = base64url_decode(
      "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
  REQUIRE(key);
  // The MAC itself, byte for byte.
  const std::string input = jws.substr(0, jws.rfind('.'));
  CHECK(base64url_encode(hmac_sha256(*key, input)) == "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");

  JwtConfig c = config_with({{"", *key}});
  c.issuer = "joe";
  JwtVerifier v(c);
  const auto r = v.verify(jws, 1300819380 - 100);
  CHECK(r.signature_valid);
  // The example carries no `sub`, which Herald requires; everything before that check passed.
  CHECK_FALSE(r.ok);
  CHECK(r.error == "JWT has no sub claim");

  // The same example with a wrong key fails at the signature.
  JwtVerifier wrong(config_with({{"", kKey1}}));
  CHECK_FALSE(wrong.verify(jws, 1300819380 - 100).signature_valid);
}

TEST_CASE("a valid token yields its claims") {
  JwtVerifier v(config_with({{"", kKey1}}));
  const auto r =
      v.verify(token(payload("alice", kNow + 60, R"(,"dev":"phone-1","iat":1699999990)")), kNow, "phone-1");
  REQUIRE(r.ok);
  CHECK(r.reason == HERALD_REASON_OK);
  CHECK(r.claims.sub == "alice");
  CHECK(r.claims.dev == "phone-1");
  CHECK(r.claims.exp == kNow + 60);
  CHECK(r.claims.iat == 1699999990);
}

TEST_CASE("tampered tokens are refused") {
  JwtVerifier v(config_with({{"", kKey1}}));
  const std::string good = token(payload("alice", kNow + 60));
  REQUIRE(v.verify(good, kNow).ok);

  SECTION("signature changed") {
    std::string t = good;
    t.back() = t.back() == 'A' ? 'B' : 'A';
    const auto r = v.verify(t, kNow);
    CHECK_FALSE(r.ok);
    CHECK_FALSE(r.signature_valid);
    CHECK(r.reason == HERALD_REASON_BAD_CREDENTIALS);
  }
  SECTION("payload swapped for another user's, signature kept") {
    const std::string other = token(payload("mallory", kNow + 60));
    const size_t d1 = good.find('.'), d2 = good.rfind('.');
    const std::string forged = good.substr(0, d1) +
                               other.substr(other.find('.'), other.rfind('.') - other.find('.')) +
                               good.substr(d2);
    REQUIRE(forged != good);
    CHECK_FALSE(v.verify(forged, kNow).ok);
  }
  SECTION("signature truncated or missing") {
    CHECK_FALSE(v.verify(good.substr(0, good.size() - 2), kNow).ok);
    CHECK_FALSE(v.verify(good.substr(0, good.rfind('.') + 1), kNow).ok);
  }
  SECTION("not a JWT at all") {
    for (std::string t : std::vector<std::string>{"", "hunter2", "a.b", "a.b.c.d", "..", "!!!.e30.abc"}) {
      const auto r = v.verify(t, kNow);
      CHECK_FALSE(r.ok);
      CHECK_FALSE(r.signature_valid);
    }
  }
  SECTION("an oversized header is refused before parsing") {
    std::string header = R"({"alg":"HS256")";
    for (int i = 0; i < 200; ++i) header += ",\"k" + std::to_string(i) + "\":0";
    header += "}";
    CHECK(v.verify(token(payload("alice", kNow + 60), kKey1, header), kNow).error == "JWT header too long");
  }
  SECTION("oversized input is refused before decoding") {
    CHECK(v.verify(std::string(10000, 'a'), kNow).error == "token too long");
  }
}

TEST_CASE("alg none and alg confusion are refused") {
  JwtVerifier v(config_with({{"", kKey1}}));
  const std::string body = base64url_encode(payload("alice", kNow + 60));

  SECTION("alg none, empty signature") {
    const std::string t = base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." + body + ".";
    const auto r = v.verify(t, kNow);
    CHECK_FALSE(r.ok);
    CHECK(r.error.find("not accepted") != std::string::npos);
  }
  SECTION("alg None / nOnE spelled differently") {
    for (std::string alg : std::vector<std::string>{"None", "NONE", "nOnE", "hs256", "HS384", "HS512"}) {
      const std::string t = token(payload("alice", kNow + 60), kKey1, R"({"alg":")" + alg + R"("})");
      CHECK_FALSE(v.verify(t, kNow).ok);
    }
  }
  SECTION("RS256 header signed with the HMAC key (key confusion)") {
    const std::string t = token(payload("alice", kNow + 60), kKey1, R"({"alg":"RS256","typ":"JWT"})");
    const auto r = v.verify(t, kNow);
    CHECK_FALSE(r.ok);
    CHECK_FALSE(r.signature_valid);
  }
  SECTION("missing alg, duplicate alg, crit") {
    CHECK_FALSE(v.verify(token(payload("alice", kNow + 60), kKey1, R"({"typ":"JWT"})"), kNow).ok);
    CHECK_FALSE(
        v.verify(token(payload("alice", kNow + 60), kKey1, R"({"alg":"none","alg":"HS256"})"), kNow).ok);
    CHECK_FALSE(
        v.verify(token(payload("alice", kNow + 60), kKey1, R"({"alg":"HS256","crit":["exp"]})"), kNow).ok);
    CHECK_FALSE(
        v.verify(token(payload("alice", kNow + 60), kKey1, R"({"alg":"HS256","typ":"JOSE+JSON"})"), kNow).ok);
  }
  SECTION("typ is optional and case-insensitive") {
    CHECK(v.verify(token(payload("alice", kNow + 60), kKey1, R"({"alg":"HS256"})"), kNow).ok);
    CHECK(v.verify(token(payload("alice", kNow + 60), kKey1, R"({"alg":"HS256","typ":"jwt"})"), kNow).ok);
  }
}

TEST_CASE("exp, nbf, iat and leeway") {
  JwtVerifier v(config_with({{"", kKey1}}));
  SECTION("expired beyond the leeway") {
    const auto r = v.verify(token(payload("alice", kNow - 31)), kNow);
    CHECK_FALSE(r.ok);
    CHECK(r.reason == HERALD_REASON_TOKEN_EXPIRED);
    CHECK(r.signature_valid);
  }
  SECTION("expired within the leeway still passes") {
    CHECK(v.verify(token(payload("alice", kNow - 29)), kNow).ok);
    CHECK_FALSE(v.verify(token(payload("alice", kNow - 30)), kNow).ok);  // exp + leeway is already past
  }
  SECTION("exp is required and must be a number") {
    CHECK_FALSE(v.verify(token(R"({"sub":"alice"})"), kNow).ok);
    CHECK_FALSE(v.verify(token(R"({"sub":"alice","exp":"1800000000"})"), kNow).ok);
    CHECK(
        v.verify(token(R"({"sub":"alice","exp":1700000100.5})"), kNow).ok);  // NumericDate may be fractional
  }
  SECTION("nbf in the future") {
    const auto r =
        v.verify(token(payload("alice", kNow + 600, ",\"nbf\":" + std::to_string(kNow + 60))), kNow);
    CHECK_FALSE(r.ok);
    CHECK(r.reason == HERALD_REASON_NOT_AUTHORIZED);
    CHECK(v.verify(token(payload("alice", kNow + 600, ",\"nbf\":" + std::to_string(kNow + 20))), kNow).ok);
  }
  SECTION("iat in the future") {
    CHECK_FALSE(
        v.verify(token(payload("alice", kNow + 600, ",\"iat\":" + std::to_string(kNow + 120))), kNow).ok);
    CHECK(v.verify(token(payload("alice", kNow + 600, ",\"iat\":" + std::to_string(kNow + 10))), kNow).ok);
  }
  SECTION("zero leeway") {
    JwtConfig c = config_with({{"", kKey1}});
    c.leeway = std::chrono::seconds(0);
    JwtVerifier strict(c);
    CHECK_FALSE(strict.verify(token(payload("alice", kNow - 1)), kNow).ok);
    CHECK_FALSE(strict.verify(token(payload("alice", kNow)), kNow).ok);
    CHECK(strict.verify(token(payload("alice", kNow + 1)), kNow).ok);
  }
}

TEST_CASE("issuer and audience") {
  JwtConfig c = config_with({{"", kKey1}});
  c.issuer = "https://id.example.com";
  c.audience = "herald";
  JwtVerifier v(c);
  const std::string iss = R"(,"iss":"https://id.example.com")";
  CHECK(v.verify(token(payload("alice", kNow + 60, iss + R"(,"aud":"herald")")), kNow).ok);
  CHECK(v.verify(token(payload("alice", kNow + 60, iss + R"(,"aud":["other","herald"])")), kNow).ok);
  CHECK_FALSE(v.verify(token(payload("alice", kNow + 60, iss + R"(,"aud":"other")")), kNow).ok);
  CHECK_FALSE(v.verify(token(payload("alice", kNow + 60, iss)), kNow).ok);  // audience required
  CHECK_FALSE(v.verify(token(payload("alice", kNow + 60, R"(,"iss":"evil","aud":"herald")")), kNow).ok);
  CHECK_FALSE(v.verify(token(payload("alice", kNow + 60, R"(,"aud":"herald")")), kNow).ok);  // no iss

  // RFC 7519 4.1.3: with no audience configured, a token naming an audience is not for us.
  JwtVerifier open(config_with({{"", kKey1}}));
  CHECK_FALSE(open.verify(token(payload("alice", kNow + 60, R"(,"aud":"herald")")), kNow).ok);
  CHECK(open.verify(token(payload("alice", kNow + 60, R"(,"iss":"anyone")")), kNow).ok);
}

TEST_CASE("sub must be a valid user id") {
  JwtVerifier v(config_with({{"", kKey1}}));
  for (std::string good : std::vector<std::string>{"a", "alice", "A.b-c_d@e", std::string(128, 'x')})
    CHECK(v.verify(token(payload(good, kNow + 60)), kNow).ok);
  for (std::string bad : std::vector<std::string>{"", "a/b", "a+b", "a#", "al ice", "ali\\u0000ce",
                                                  std::string(129, 'x'), "\\u00e9"}) {
    const auto r = v.verify(token(payload(bad, kNow + 60)), kNow);
    CHECK_FALSE(r.ok);
    CHECK(r.signature_valid);
  }
  CHECK_FALSE(v.verify(token(R"({"sub":42,"exp":1800000000})"), kNow).ok);
  CHECK_FALSE(
      v.verify(token(R"({"sub":"alice","sub":"root","exp":1800000000})"), kNow).ok);  // duplicate claim
}

TEST_CASE("dev claim must match the client's device id") {
  JwtVerifier v(config_with({{"", kKey1}}));
  const std::string t = token(payload("alice", kNow + 60, R"(,"dev":"phone-1")"));
  CHECK(v.verify(t, kNow, "phone-1").ok);
  CHECK(v.verify(t, kNow, "").ok);  // the client left the id to us
  const auto r = v.verify(t, kNow, "laptop");
  CHECK_FALSE(r.ok);
  CHECK(r.reason == HERALD_REASON_NOT_AUTHORIZED);
}

TEST_CASE("key rotation and kid") {
  SECTION("any configured secret verifies a token without kid") {
    JwtVerifier v(config_with({{"", kKey2}, {"", kKey1}}));
    CHECK(v.verify(token(payload("alice", kNow + 60), kKey1), kNow).ok);
    CHECK(v.verify(token(payload("alice", kNow + 60), kKey2), kNow).ok);
    CHECK_FALSE(
        v.verify(token(payload("alice", kNow + 60), "another-key-entirely-0123456789abcdef"), kNow).ok);
  }
  SECTION("kid selects the secret") {
    JwtVerifier v(config_with({{"k1", kKey1}, {"k2", kKey2}}));
    CHECK(v.verify(token(payload("alice", kNow + 60), kKey2, R"({"alg":"HS256","kid":"k2"})"), kNow).ok);
    // Signed with key 1 but claims kid k2: only k2 is tried.
    CHECK_FALSE(
        v.verify(token(payload("alice", kNow + 60), kKey1, R"({"alg":"HS256","kid":"k2"})"), kNow).ok);
    const auto r = v.verify(token(payload("alice", kNow + 60), kKey1, R"({"alg":"HS256","kid":"k9"})"), kNow);
    CHECK_FALSE(r.ok);
    CHECK(r.error.find("unknown") != std::string::npos);
  }
}

TEST_CASE("make_token issues tokens this gateway accepts") {
  JwtConfig c = config_with({{"k1", kKey1}, {"k0", kKey2}});
  c.issuer = "herald";
  c.audience = "im";
  const std::string t = make_token(c, "alice", "phone-1", std::chrono::hours(1), kNow);
  JwtVerifier v(c);
  const auto r = v.verify(t, kNow + 100, "phone-1");
  REQUIRE(r.ok);
  CHECK(r.claims.sub == "alice");
  CHECK(r.claims.kid == "k1");
  CHECK(r.claims.exp == kNow + 3600);
  CHECK(r.claims.iat == kNow);
  CHECK(v.verify(t, kNow + 3600 + 31, "phone-1").reason == HERALD_REASON_TOKEN_EXPIRED);

  CHECK_THROWS_AS(make_token(c, "bad/user", "", std::chrono::hours(1)), std::invalid_argument);
  CHECK_THROWS_AS(make_token(c, "alice", "", std::chrono::seconds(0)), std::invalid_argument);
  CHECK_THROWS_AS(make_token(JwtConfig{}, "alice", "", std::chrono::hours(1)), std::invalid_argument);
  // Device ids with JSON metacharacters are escaped, not injected.
  const std::string odd = make_token(c, "alice", "x\",\"sub\":\"root", std::chrono::hours(1), kNow);
  CHECK(v.verify(odd, kNow).claims.sub == "alice");
}

TEST_CASE("JwtAuthenticator reads the token from password, else username") {
  ManualClock clock(kNow * 1000);
  JwtAuthenticator a(config_with({{"", kKey1}}), clock);
  const std::string t = token(payload("alice", kNow + 60));
  Credentials c;
  c.password = t;
  c.client_id = "dev-1";
  AuthResult r = a.check(c);
  REQUIRE(r.ok);
  CHECK(r.user_id == "alice");
  CHECK(r.device_id == "dev-1");
  CHECK(r.expires_at == kNow + 60);

  Credentials u;
  u.username = t;
  CHECK(a.check(u).ok);

  clock.advance(std::chrono::seconds(100));
  r = a.check(c);
  CHECK_FALSE(r.ok);
  CHECK(r.reason == HERALD_REASON_TOKEN_EXPIRED);
  CHECK(r.conclusive);
  CHECK(r.text.find(t) == std::string::npos);  // never echo the secret

  Credentials pw;
  pw.username = "alice";
  pw.password = "hunter2";
  r = a.check(pw);
  CHECK_FALSE(r.ok);
  CHECK_FALSE(r.conclusive);  // not a JWT: another method may know it
}
