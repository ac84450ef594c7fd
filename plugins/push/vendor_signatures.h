// The auth signatures OPPO and vivo ask for: lowercase hex digests over the concatenated app
// credentials and a millisecond timestamp (OpenSSL EVP; nothing here logs the secrets).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace herald::push {

std::string sha256_hex(std::string_view data);
std::string md5_hex(std::string_view data);

// OPPO /server/v1/auth: sha256(app_key + timestamp + master_secret).
std::string oppo_sign(std::string_view app_key, int64_t timestamp_ms, std::string_view master_secret);
// vivo /message/auth: md5(appId + appKey + timestamp + appSecret).
std::string vivo_sign(std::string_view app_id, std::string_view app_key, int64_t timestamp_ms,
                      std::string_view app_secret);

}  // namespace herald::push
