// UTF-8 Encoded String validation. Hand-written rather than taken from a library because the MQTT
// rules (no U+0000, optional control / non-character rejection) sit inside the decoding loop.
#include "herald/mqtt/utf8.h"

#include <cstdint>
#include <cstring>

namespace herald::mqtt {
namespace {

// Controls and non-characters: the code points 1.5.4 says a receiver MAY treat as malformed.
bool discouraged(std::uint32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
}

}  // namespace

DecodeError validate_utf8(std::string_view text, bool reject_discouraged) {
  const auto* s = reinterpret_cast<const std::uint8_t*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  // Fast path: eight ASCII bytes at a time, none of them 0 (topics and ids are mostly ASCII).
  // Only when controls are allowed; otherwise every byte needs the discouraged check anyway.
  if (!reject_discouraged) {
    constexpr std::uint64_t kHigh = 0x8080808080808080u, kLow = 0x0101010101010101u;
    for (; i + 8 <= n; i += 8) {
      std::uint64_t word = 0;
      std::memcpy(&word, s + i, 8);
      if ((word & kHigh) != 0 || ((word - kLow) & ~word & kHigh) != 0) break;  // non-ASCII or a zero byte
    }
  }
  while (i < n) {
    const std::uint8_t lead = s[i];
    if (lead < 0x80) {  // ASCII: the common case
      if (lead == 0) return DecodeError::kUtf8NullCharacter;
      if (reject_discouraged && discouraged(lead)) return DecodeError::kUtf8DiscouragedCodePoint;
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0, min = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
      len = 2, cp = lead & 0x1Fu, min = 0x80;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      len = 3, cp = lead & 0x0Fu, min = 0x800;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      len = 4, cp = lead & 0x07u, min = 0x10000;
    } else {
      return DecodeError::kInvalidUtf8;  // continuation byte, C0/C1 overlong lead, or F5..FF
    }
    if (n - i < len) return DecodeError::kInvalidUtf8;
    for (std::size_t k = 1; k < len; ++k) {
      const std::uint8_t c = s[i + k];
      if ((c & 0xC0) != 0x80) return DecodeError::kInvalidUtf8;
      cp = cp << 6 | (c & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF) return DecodeError::kInvalidUtf8;  // overlong or out of range
    if (cp >= 0xD800 && cp <= 0xDFFF) return DecodeError::kUtf8Surrogate;
    if (reject_discouraged && discouraged(cp)) return DecodeError::kUtf8DiscouragedCodePoint;
    i += len;
  }
  return DecodeError::kNone;
}

}  // namespace herald::mqtt
