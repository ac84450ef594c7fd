// Strict UTF-8 validation (RFC 3629): every string field on the wire must pass it.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace herald::binary {

// Rejects overlong forms, surrogates (U+D800..U+DFFF), code points above U+10FFFF and truncation.
bool is_valid_utf8(std::span<const std::uint8_t> bytes);
bool is_valid_utf8(std::string_view text);

}  // namespace herald::binary
