// libFuzzer target: the Range header parser on arbitrary bytes and sizes; checks its promises.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "byte_range.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace herald::media;
  if (size < 2) return 0;
  // The first bytes pick the representation size (0..65535, and a huge one) and max_ranges (1..8).
  uint64_t length = (data[0] & 0x80) ? (uint64_t{1} << 40) : (uint64_t{data[0]} << 8 | data[1]);
  std::size_t max_ranges = 1 + (data[1] & 7);
  std::string_view header(reinterpret_cast<const char*>(data + 2), size - 2);
  RangeRequest r = parse_range(header, length, max_ranges);
  if (r.kind != RangeRequest::Kind::kPartial && !r.ranges.empty()) __builtin_trap();
  if (r.kind == RangeRequest::Kind::kPartial) {
    if (r.ranges.empty() || r.ranges.size() > max_ranges) __builtin_trap();
    for (const auto& b : r.ranges)
      if (b.first > b.last || b.last >= length) __builtin_trap();
  }
  return 0;
}
