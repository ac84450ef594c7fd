// UTF-8 Encoded String validation (MQTT 5 section 1.5.4, 3.1.1 section 1.5.3).
#pragma once

#include <string_view>

#include "herald/mqtt/errors.h"

namespace herald::mqtt {

// kNone, kInvalidUtf8 (ill-formed, overlong, above U+10FFFF) [MQTT-1.5.4-1], kUtf8Surrogate
// [MQTT-1.5.4-1], kUtf8NullCharacter [MQTT-1.5.4-2], or, when `reject_discouraged`,
// kUtf8DiscouragedCodePoint (controls U+0001..U+001F, U+007F..U+009F, non-characters).
DecodeError validate_utf8(std::string_view text, bool reject_discouraged = false);

}  // namespace herald::mqtt
