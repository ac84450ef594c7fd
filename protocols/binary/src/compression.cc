// zlib deflate and capped inflate (see compression.h). Bodies are compressed whole, in memory.
#include "herald/binary/compression.h"

#include <zlib.h>

#include <array>

namespace herald::binary {

InflateStatus inflate_capped(std::span<const std::uint8_t> in, std::size_t max_output, std::vector<std::uint8_t>& out) {
  out.clear();
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) return InflateStatus::kCorrupt;
  // zlib's API takes a non-const pointer but never writes through next_in.
  zs.next_in = const_cast<Bytef*>(in.data());
  zs.avail_in = static_cast<uInt>(in.size());
  std::array<std::uint8_t, 16 * 1024> chunk{};
  InflateStatus status = InflateStatus::kCorrupt;
  for (;;) {
    zs.next_out = chunk.data();
    zs.avail_out = static_cast<uInt>(chunk.size());
    const int rc = inflate(&zs, Z_NO_FLUSH);
    const std::size_t produced = chunk.size() - zs.avail_out;
    if (out.size() + produced > max_output) {
      status = InflateStatus::kTooLarge;
      break;
    }
    out.insert(out.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(produced));
    if (rc == Z_STREAM_END) {
      status = zs.avail_in == 0 ? InflateStatus::kOk : InflateStatus::kCorrupt;  // no trailing bytes
      break;
    }
    // Z_BUF_ERROR with no output room left is fine (loop again); with input exhausted it is truncation.
    if (rc != Z_OK && !(rc == Z_BUF_ERROR && zs.avail_out == 0)) break;
    if (rc == Z_OK && zs.avail_in == 0 && produced == 0) break;  // truncated stream
  }
  inflateEnd(&zs);
  if (status != InflateStatus::kOk) out.clear();
  return status;
}

bool deflate_zlib(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out, int level) {
  uLongf bound = compressBound(static_cast<uLong>(in.size()));
  const std::size_t start = out.size();
  out.resize(start + bound);
  const int rc = compress2(out.data() + start, &bound, in.data(), static_cast<uLong>(in.size()), level);
  if (rc != Z_OK) {
    out.resize(start);
    return false;
  }
  out.resize(start + bound);
  return true;
}

}  // namespace herald::binary
