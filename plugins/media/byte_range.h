// HTTP Range requests for downloads (RFC 7233 section 2.1 and 4.4): parses a Range header against a
// representation's size into the byte ranges to send, and formats Content-Range. Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace herald::media {

struct ByteRange {
  uint64_t first = 0;
  uint64_t last = 0;  // inclusive
  uint64_t length() const { return last - first + 1; }
  friend bool operator==(const ByteRange&, const ByteRange&) = default;
};

struct RangeRequest {
  enum class Kind {
    kWhole,          // no Range header, another unit, or a syntax error: send 200 with everything
    kPartial,        // 206 with `ranges` (one: a single part; several: multipart/byteranges)
    kUnsatisfiable,  // 416 with Content-Range: bytes */size
  };
  Kind kind = Kind::kWhole;
  std::vector<ByteRange> ranges;  // kPartial: clamped to the size, in request order
};

// `max_ranges`: more ranges than this, or overlapping ones, are merged into ascending, coalesced
// ranges (RFC 7233 section 4.1 allows it; it stops many-small-ranges amplification); still more than
// max_ranges disjoint ranges: kWhole.
RangeRequest parse_range(std::string_view header, uint64_t size, std::size_t max_ranges = 16);

// "bytes 0-99/1000"
std::string content_range(const ByteRange& range, uint64_t size);

}  // namespace herald::media
