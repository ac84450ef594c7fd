// LEB128 varints and zigzag: the integer encoding of every Herald frame (docs/protocol.md, "Integers").
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace herald::binary {

// A u64 needs at most ten 7-bit groups; the tenth may only carry the top bit.
inline constexpr std::size_t kMaxVarintBytes = 10;

enum class VarintStatus : std::uint8_t {
  kOk,
  kNeedMore,  // the input ends inside the varint (every byte read had the continuation bit)
  kOverlong,  // more than max_bytes groups, or a value that overflows 64 bits
};

struct VarintRead {
  VarintStatus status = VarintStatus::kNeedMore;
  std::uint64_t value = 0;
  std::size_t length = 0;  // bytes consumed when kOk
};

// Reads one varint from the front of `in`, using at most `max_bytes` bytes. Non-minimal encodings
// (e.g. 0x80 0x00) are accepted as protobuf does; the limit bounds them.
VarintRead read_varint(std::span<const std::uint8_t> in, std::size_t max_bytes = kMaxVarintBytes);

std::size_t varint_size(std::uint64_t value);
void put_varint(std::vector<std::uint8_t>& out, std::uint64_t value);

// Zigzag maps small negative numbers to small unsigned ones: 0,-1,1,-2 -> 0,1,2,3.
constexpr std::uint64_t zigzag_encode(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
constexpr std::int64_t zigzag_decode(std::uint64_t v) {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

}  // namespace herald::binary
