// LEB128 varint reading and writing (see varint.h).
#include "herald/binary/varint.h"

namespace herald::binary {

VarintRead read_varint(std::span<const std::uint8_t> in, std::size_t max_bytes) {
  VarintRead r;
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < max_bytes; ++i) {
    if (i >= in.size()) {
      r.status = VarintStatus::kNeedMore;
      return r;
    }
    const std::uint8_t byte = in[i];
    // The tenth group holds bit 63 only; anything more would silently overflow.
    if (i == kMaxVarintBytes - 1 && byte > 1) {
      r.status = VarintStatus::kOverlong;
      return r;
    }
    value |= static_cast<std::uint64_t>(byte & 0x7F) << (7 * i);
    if ((byte & 0x80) == 0) {
      r.status = VarintStatus::kOk;
      r.value = value;
      r.length = i + 1;
      return r;
    }
  }
  r.status = VarintStatus::kOverlong;
  return r;
}

std::size_t varint_size(std::uint64_t value) {
  std::size_t n = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++n;
  }
  return n;
}

void put_varint(std::vector<std::uint8_t>& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(value | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(value));
}

}  // namespace herald::binary
