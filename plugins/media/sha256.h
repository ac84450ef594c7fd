// SHA-256 (OpenSSL EVP) for parts and whole uploads, with lower-case hex in and out.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace herald::media {

class Sha256 {
 public:
  Sha256();
  void update(std::string_view data);
  std::string hex();  // finishes; call once

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};

std::string sha256_hex(std::string_view data);
// The second hash that proves possession for an instant upload: SHA-256 of kProofPrefix + content. It is
// never sent to anyone (message bodies carry the plain SHA-256), so knowing a file's hash is not enough
// to claim it.
inline constexpr std::string_view kProofPrefix = "herald-media-proof-v1\n";
// Lower-cases a 64-digit hex SHA-256; nullopt when `text` is not one.
std::optional<std::string> normalize_sha256_hex(std::string_view text);
std::string hex_to_bytes(std::string_view hex);  // of a normalized hex string
std::string random_hex(std::size_t bytes);       // RAND_bytes: for upload and media ids

}  // namespace herald::media
