// JWT signing for provider auth: ES256 (APNs provider tokens, .p8 keys) and RS256 (Google
// service-account grants), with OpenSSL's EVP API. Keys are PEM text; nothing here logs key material.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace herald::push {

std::string base64url(std::string_view bytes);

// A private key loaded from PEM (PKCS#8 "BEGIN PRIVATE KEY", as .p8 files and service accounts hold).
class SigningKey {
 public:
  // Throws std::runtime_error when the PEM does not parse.
  static SigningKey from_pem(std::string_view pem);
  SigningKey(SigningKey&&) noexcept;
  SigningKey& operator=(SigningKey&&) noexcept;
  ~SigningKey();
  bool is_ec() const;
  bool is_rsa() const;
  // header.payload.signature for the JSON texts given: ES256 with an EC P-256 key (the signature as
  // raw r||s, 64 bytes, as JWS wants, not DER) or RS256 with an RSA key.
  std::string sign_jwt(std::string_view header_json, std::string_view claims_json) const;

 private:
  struct Impl;
  explicit SigningKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace herald::push
