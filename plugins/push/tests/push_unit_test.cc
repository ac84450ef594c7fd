// Unit tests of the push plugin's pure parts: base64url, JWT signatures (checked with OpenSSL's
// verifier), the OPPO/vivo auth signatures, Retry-After, config errors with their paths, and what
// each vendor's answers mean (dead token, transient, refused auth, permanent).
#include <catch2/catch.hpp>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <string>
#include <vector>

#include "jwt.h"
#include "providers.h"
#include "push_config.h"
#include "vendor_signatures.h"

using namespace herald::push;

namespace {

std::string decode_b64url(std::string s) {
  for (auto& c : s) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (s.size() % 4) s += '=';
  std::vector<unsigned char> out(s.size());
  int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
  REQUIRE(n >= 0);
  size_t pad = s.size() - s.find_last_not_of('=') - 1;
  return std::string(reinterpret_cast<char*>(out.data()), static_cast<size_t>(n) - pad);
}

std::string pem_of(EVP_PKEY* key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  REQUIRE(PEM_write_bio_PKCS8PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

bool verify(EVP_PKEY* key, const std::string& input, const std::string& der_sig) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key);
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(der_sig.data()), der_sig.size(),
                          reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
}

std::vector<std::string> errors_of(const std::string& yaml) {
  std::vector<std::string> out;
  parse_push_config(YAML::Load(yaml), [&](std::string path, std::string message) { out.push_back(path + ": " + message); });
  return out;
}

bool mentions(const std::vector<std::string>& errors, const std::string& s) {
  for (const auto& x : errors)
    if (x.find(s) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("base64url has no padding and the URL alphabet") {
  CHECK(base64url("") == "");
  CHECK(base64url("f") == "Zg");
  CHECK(base64url("fo") == "Zm8");
  CHECK(base64url("foo") == "Zm9v");
  CHECK(base64url("\xfb\xff") == "-_8");
}

TEST_CASE("ES256 JWT: raw r||s signature that verifies with the public key") {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  REQUIRE(key);
  auto signer = SigningKey::from_pem(pem_of(key.get()));
  CHECK(signer.is_ec());
  std::string jwt = signer.sign_jwt(R"({"alg":"ES256","kid":"K"})", R"({"iss":"T","iat":1})");
  auto dot2 = jwt.rfind('.');
  std::string raw = decode_b64url(jwt.substr(dot2 + 1));
  REQUIRE(raw.size() == 64);
  // Back to DER for OpenSSL's verifier.
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(ECDSA_SIG_new(), ECDSA_SIG_free);
  ECDSA_SIG_set0(sig.get(), BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr),
                 BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr));
  unsigned char* der = nullptr;
  int n = i2d_ECDSA_SIG(sig.get(), &der);
  std::string der_sig(reinterpret_cast<char*>(der), static_cast<size_t>(n));
  OPENSSL_free(der);
  CHECK(verify(key.get(), jwt.substr(0, dot2), der_sig));
  CHECK_FALSE(verify(key.get(), jwt.substr(0, dot2) + "x", der_sig));
  CHECK(decode_b64url(jwt.substr(0, jwt.find('.'))) == R"({"alg":"ES256","kid":"K"})");
}

TEST_CASE("RS256 JWT verifies with the RSA public key") {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(2048), EVP_PKEY_free);
  REQUIRE(key);
  auto signer = SigningKey::from_pem(pem_of(key.get()));
  CHECK(signer.is_rsa());
  std::string jwt = signer.sign_jwt(R"({"alg":"RS256"})", R"({"iss":"a@b"})");
  auto dot2 = jwt.rfind('.');
  CHECK(verify(key.get(), jwt.substr(0, dot2), decode_b64url(jwt.substr(dot2 + 1))));
}

TEST_CASE("a key that is not PEM is refused") { CHECK_THROWS(SigningKey::from_pem("not a key")); }

TEST_CASE("Retry-After: delta seconds only") {
  CHECK(parse_retry_after("3") == std::chrono::seconds(3));
  CHECK(parse_retry_after("") == std::chrono::milliseconds(0));
  CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == std::chrono::milliseconds(0));
}

TEST_CASE("config: defaults, and errors with their paths") {
  auto ok = errors_of(R"({providers: [{type: fcm, service_account_file: /x.json}]})");
  CHECK(ok.empty());
  PushConfig c = parse_push_config(YAML::Load(R"({providers: [{type: apns, key_file: k, key_id: K, team_id: T}]})"),
                                   [](std::string, std::string) {});
  REQUIRE(c.providers.size() == 1);
  CHECK(c.providers[0].name == "apns");
  CHECK(c.providers[0].url == "https://api.push.apple.com");
  CHECK(c.providers[0].token_refresh == std::chrono::minutes(50));
  CHECK(c.bodies.at("image") == "[Image]");

  auto e = errors_of(R"({providers: [{type: apns, key_id: K, team_id: T, token_refresh: 2h, bogus: 1}]})");
  auto has = [&](const std::string& s) { return mentions(e, s); };
  CHECK(has("providers[0].key_file"));
  CHECK(has("providers[0].token_refresh"));
  CHECK(has("bogus"));
  CHECK_FALSE(errors_of("{}").empty());
  CHECK_FALSE(errors_of(R"({providers: [{type: carrier-pigeon}]})").empty());
}

TEST_CASE("OPPO and vivo auth signatures: lowercase hex digests of the concatenated credentials") {
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(md5_hex("abc") == "900150983cd24fb0d6963f7d28e17f72");
  CHECK(oppo_sign("key", 1700000000123, "master") == sha256_hex("key1700000000123master"));
  CHECK(vivo_sign("10004", "appkey", 1501484120000, "secret") == md5_hex("10004appkey1501484120000secret"));
}

TEST_CASE("config: OPPO, vivo and Honor need their credentials, and their defaults") {
  PushConfig c = parse_push_config(
      YAML::Load(R"({providers: [{type: oppo, app_key: k, master_secret: m}, {type: vivo, app_id: "1", app_key: k,
                     app_secret: s}, {type: honor, app_id: "9", client_id: c, client_secret: s}]})"),
      [](std::string p, std::string m) { FAIL(p + ": " + m); });
  REQUIRE(c.providers.size() == 3);
  CHECK(c.providers[0].url == "https://api.push.oppomobile.com");
  CHECK(c.providers[0].channel_id.empty());
  CHECK(c.providers[1].url == "https://api-push.vivo.com.cn");
  CHECK(c.providers[1].category == "IM");
  CHECK(c.providers[2].url == "https://push-api.cloud.honor.com");
  CHECK(c.providers[2].token_uri == "https://iam.developer.honor.com/auth/token");
  CHECK(static_cast<uint32_t>(c.providers[2].type) == 7);  // binary PushProvider kHonor

  auto e = errors_of(R"({providers: [{type: oppo, app_key: k}, {type: vivo, app_id: "1"}, {type: honor, app_id: "9"}]})");
  auto has = [&](const std::string& s) { return mentions(e, s); };
  CHECK(has("providers[0].master_secret"));
  CHECK(has("providers[1].app_key"));
  CHECK(has("providers[1].app_secret"));
  CHECK(has("providers[2].client_id"));
  CHECK(has("providers[2].client_secret"));
  // A key of another provider type is refused, not ignored.
  auto foreign = errors_of(R"({providers: [{type: vivo, app_id: "1", app_key: k, app_secret: s, key_file: x}]})");
  REQUIRE(foreign.size() == 1);
  CHECK(foreign[0].find("providers[0].key_file: not a key of provider type vivo") != std::string::npos);
}

namespace {

Outcome answer_for(const std::string& yaml, long status, const std::string& body) {
  PushConfig c = parse_push_config(YAML::Load(yaml), [](std::string p, std::string m) { FAIL(p + ": " + m); });
  REQUIRE(c.providers.size() == 1);
  auto provider = make_provider(c.providers[0]);
  HttpAnswer a;
  a.status = status;
  a.body = body;
  return provider->classify(a);
}

}  // namespace

TEST_CASE("vendor answers: success, dead token, transient, refused auth, permanent") {
  const std::string oppo = "{providers: [{type: oppo, app_key: k, master_secret: m}]}";
  CHECK(answer_for(oppo, 200, R"({"code":0,"message":"Success","data":{"messageId":"1"}})").kind == Outcome::kSent);
  CHECK(answer_for(oppo, 200, R"({"code":10000,"message":"Invalid RegistrationId"})").kind == Outcome::kInvalidToken);
  CHECK(answer_for(oppo, 200, R"({"code":10000,"message":"something else"})").kind == Outcome::kFailed);
  auto o = answer_for(oppo, 200, R"({"code":11,"message":"Invalid AuthToken"})");
  CHECK((o.kind == Outcome::kRetry && o.reauth));
  o = answer_for(oppo, 200, R"({"code":-2,"message":"Service in Flow Control"})");
  CHECK((o.kind == Outcome::kRetry && o.reason == "throttled" && !o.reauth));
  CHECK(answer_for(oppo, 200, R"({"code":33,"message":"daily limit"})").kind == Outcome::kFailed);
  CHECK(answer_for(oppo, 503, "").kind == Outcome::kRetry);

  const std::string vivo = R"({providers: [{type: vivo, app_id: "1", app_key: k, app_secret: s}]})";
  CHECK(answer_for(vivo, 200, R"({"result":0,"desc":"ok","taskId":"1"})").kind == Outcome::kSent);
  CHECK(answer_for(vivo, 200, R"({"result":10302,"desc":"regId invalid"})").kind == Outcome::kInvalidToken);
  o = answer_for(vivo, 200, R"({"result":10000,"desc":"auth failed"})");
  CHECK((o.kind == Outcome::kRetry && o.reauth));
  CHECK(answer_for(vivo, 200, R"({"result":10070,"desc":"quota"})").kind == Outcome::kFailed);

  const std::string honor = R"({providers: [{type: honor, app_id: "9", client_id: c, client_secret: s}]})";
  CHECK(answer_for(honor, 200, R"({"code":200,"message":"success"})").kind == Outcome::kSent);
  CHECK(answer_for(honor, 200, R"({"code":80300007,"message":"All the tokens are invalid"})").kind ==
        Outcome::kInvalidToken);
  o = answer_for(honor, 401, R"({"code":80200003})");
  CHECK((o.kind == Outcome::kRetry && o.reauth));
  CHECK(answer_for(honor, 429, "").reason == "throttled");

  const std::string huawei = R"({providers: [{type: huawei, app_id: "9", client_id: c, client_secret: s}]})";
  CHECK(answer_for(huawei, 200, R"({"code":"80000000","msg":"Success"})").kind == Outcome::kSent);
  CHECK(answer_for(huawei, 200, R"({"code":"80300007"})").kind == Outcome::kInvalidToken);

  const std::string xiaomi = "{providers: [{type: xiaomi, app_secret: s}]}";
  CHECK(answer_for(xiaomi, 200, R"({"result":"ok","code":0,"data":{"id":"m1"}})").kind == Outcome::kSent);
  // A dead regId: still code 0, listed in bad_regids; every target dead: code 20301.
  CHECK(answer_for(xiaomi, 200, R"({"result":"ok","code":0,"data":{"id":"m1","bad_regids":"r1"}})").kind ==
        Outcome::kInvalidToken);
  CHECK(answer_for(xiaomi, 200, R"({"result":"error","code":20301,"reason":"No valid targets!"})").kind ==
        Outcome::kInvalidToken);
}
