// Helpers shared by every authenticator: user id syntax, credential fingerprints, failure classes.
#include "herald/gateway/auth/authenticator.h"

#include <openssl/evp.h>

#include <cstdio>

namespace herald::gateway::auth {

bool is_valid_user_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '.' || c == '@' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string fingerprint(const Credentials& credentials) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!EVP_Digest(credentials.password.data(), credentials.password.size(), digest, &len, EVP_sha256(),
                  nullptr))
    return "????????";
  char hex[9];
  std::snprintf(hex, sizeof hex, "%02x%02x%02x%02x", digest[0], digest[1], digest[2], digest[3]);
  return hex;
}

bool is_client_failure(herald_reason reason) {
  switch (reason) {
    case HERALD_REASON_BAD_CREDENTIALS:
    case HERALD_REASON_NOT_AUTHORIZED:
    case HERALD_REASON_TOKEN_EXPIRED:
    case HERALD_REASON_INVALID_ID:
      return true;
    default:
      return false;
  }
}

}  // namespace herald::gateway::auth
