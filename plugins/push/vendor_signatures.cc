// OPPO and vivo auth signatures (vendor_signatures.h).
#include "vendor_signatures.h"

#include <openssl/evp.h>

#include <stdexcept>

namespace herald::push {
namespace {

std::string hex_digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest(data.data(), data.size(), out, &n, md, nullptr) != 1) throw std::runtime_error("digest failed");
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  hex.reserve(n * 2);
  for (unsigned int i = 0; i < n; ++i) {
    hex.push_back(kHex[out[i] >> 4]);
    hex.push_back(kHex[out[i] & 15]);
  }
  return hex;
}

}  // namespace

std::string sha256_hex(std::string_view data) { return hex_digest(EVP_sha256(), data); }
std::string md5_hex(std::string_view data) { return hex_digest(EVP_md5(), data); }

std::string oppo_sign(std::string_view app_key, int64_t timestamp_ms, std::string_view master_secret) {
  return sha256_hex(std::string(app_key) + std::to_string(timestamp_ms) + std::string(master_secret));
}

std::string vivo_sign(std::string_view app_id, std::string_view app_key, int64_t timestamp_ms,
                      std::string_view app_secret) {
  return md5_hex(std::string(app_id) + std::string(app_key) + std::to_string(timestamp_ms) + std::string(app_secret));
}

}  // namespace herald::push
