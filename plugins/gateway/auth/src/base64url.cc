// Base64url codec for JWS compact serialization (strict) and config secrets (lenient).
#include "herald/gateway/auth/base64url.h"

#include <array>
#include <cstdint>

namespace herald::gateway::auth {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::array<int8_t, 256> make_table(bool url, bool standard) {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 62; ++i) t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
  if (url) t['-'] = 62, t['_'] = 63;
  if (standard) t['+'] = 62, t['/'] = 63;
  return t;
}
constexpr auto kUrlTable = make_table(true, false);
constexpr auto kAnyTable = make_table(true, true);

std::optional<std::string> decode(std::string_view text, const std::array<int8_t, 256>& table, bool strict) {
  if (text.size() % 4 == 1) return std::nullopt;  // impossible length
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int8_t v = table[static_cast<unsigned char>(c)];
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  if (strict && bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;  // non-canonical tail
  return out;
}

}  // namespace

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  uint32_t acc = 0;
  int bits = 0;
  for (char ch : bytes) {
    acc = (acc << 8) | static_cast<unsigned char>(ch);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 0x3F];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 0x3F];
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  return decode(text, kUrlTable, true);
}

std::optional<std::string> base64_decode_lenient(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  return decode(text, kAnyTable, false);
}

}  // namespace herald::gateway::auth
