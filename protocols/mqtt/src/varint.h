// Variable Byte Integer (MQTT 5 section 1.5.5, 3.1.1 section 2.2.3): 7 bits per byte, at most 4 bytes,
// least significant group first. Inline because the fixed header of every packet goes through it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace herald::mqtt {

enum class VarintStatus : std::uint8_t { kOk, kNeedMore, kMalformed };

struct VarintRead {
  VarintStatus status = VarintStatus::kNeedMore;
  std::uint32_t value = 0;
  std::uint8_t length = 0;  // bytes used, when kOk
};

// Malformed when a fifth byte would be needed, or when the encoding is not the shortest one
// [MQTT-1.5.5-1] (a multi-byte encoding whose last byte is 0, e.g. 0x80 0x00).
inline VarintRead read_varint(std::span<const std::uint8_t> bytes) {
  VarintRead r;
  for (std::size_t i = 0; i < 4; ++i) {
    if (i == bytes.size()) return r;  // kNeedMore
    const std::uint8_t b = bytes[i];
    r.value |= std::uint32_t{b & 0x7Fu} << (7 * i);
    if ((b & 0x80) == 0) {
      if (i > 0 && b == 0) break;
      r.status = VarintStatus::kOk;
      r.length = static_cast<std::uint8_t>(i + 1);
      return r;
    }
  }
  r.status = VarintStatus::kMalformed;
  return r;
}

constexpr std::size_t varint_size(std::uint32_t value) {
  return value < 128u ? 1 : value < 16'384u ? 2 : value < 2'097'152u ? 3 : 4;
}

}  // namespace herald::mqtt
