// Base64url without padding (RFC 4648 section 5, as JWS compact serialization uses it, RFC 7515 section 2).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace herald::gateway::auth {

std::string base64url_encode(std::string_view bytes);

// Strict: only [A-Za-z0-9_-], no '=' padding, no whitespace, and unused trailing bits must be zero, so
// every byte string has exactly one accepted encoding (a token cannot be re-encoded into a twin).
std::optional<std::string> base64url_decode(std::string_view text);

// Standard or url-safe base64, padding optional: for secrets written in config as "base64:...".
std::optional<std::string> base64_decode_lenient(std::string_view text);

}  // namespace herald::gateway::auth
