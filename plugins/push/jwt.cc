// ES256 / RS256 JWTs with OpenSSL EVP (see jwt.h).
#include "jwt.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <stdexcept>
#include <vector>

namespace herald::push {

std::string base64url(std::string_view in) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  auto byte = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(in[k])); };
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(v >> s) & 63]);
  }
  if (i + 1 == in.size()) {
    uint32_t v = byte(i) << 16;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
  } else if (i + 2 == in.size()) {
    uint32_t v = byte(i) << 16 | byte(i + 1) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
  }
  return out;
}

struct SigningKey::Impl {
  EVP_PKEY* key = nullptr;
  ~Impl() { EVP_PKEY_free(key); }
};

SigningKey::SigningKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SigningKey::SigningKey(SigningKey&&) noexcept = default;
SigningKey& SigningKey::operator=(SigningKey&&) noexcept = default;
SigningKey::~SigningKey() = default;

SigningKey SigningKey::from_pem(std::string_view pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  auto impl = std::make_unique<Impl>();
  impl->key = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  if (!impl->key) throw std::runtime_error("not a PEM private key");
  return SigningKey(std::move(impl));
}

bool SigningKey::is_ec() const { return EVP_PKEY_base_id(impl_->key) == EVP_PKEY_EC; }
bool SigningKey::is_rsa() const { return EVP_PKEY_base_id(impl_->key) == EVP_PKEY_RSA; }

std::string SigningKey::sign_jwt(std::string_view header_json, std::string_view claims_json) const {
  std::string input = base64url(header_json) + "." + base64url(claims_json);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, impl_->key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
    throw std::runtime_error("JWT signing failed");
  std::vector<unsigned char> sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
    throw std::runtime_error("JWT signing failed");
  sig.resize(len);
  std::string raw;
  if (is_ec()) {
    // EVP gives DER (SEQUENCE of r, s); JWS ES256 wants r||s, each left-padded to 32 bytes.
    const unsigned char* p = sig.data();
    std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> es(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size())),
                                                             ECDSA_SIG_free);
    if (!es) throw std::runtime_error("ECDSA signature did not parse");
    unsigned char rs[64];
    if (BN_bn2binpad(ECDSA_SIG_get0_r(es.get()), rs, 32) != 32 || BN_bn2binpad(ECDSA_SIG_get0_s(es.get()), rs + 32, 32) != 32)
      throw std::runtime_error("ECDSA signature is not P-256");
    raw.assign(reinterpret_cast<const char*>(rs), 64);
  } else {
    raw.assign(reinterpret_cast<const char*>(sig.data()), sig.size());
  }
  return input + "." + base64url(raw);
}

}  // namespace herald::push
