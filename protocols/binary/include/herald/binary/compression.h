// zlib (RFC 1950) deflate / capped inflate for compressed frame bodies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace herald::binary {

enum class InflateStatus : std::uint8_t { kOk, kTooLarge, kCorrupt };

// Inflates one complete zlib stream into `out` (replacing its contents). Stops with kTooLarge as soon
// as the output would pass `max_output` bytes, so a bomb costs at most max_output plus one chunk.
// Trailing bytes after the stream are kCorrupt.
InflateStatus inflate_capped(std::span<const std::uint8_t> in, std::size_t max_output, std::vector<std::uint8_t>& out);

// Appends the zlib stream of `in` to `out`. False only if zlib fails (out of memory).
bool deflate_zlib(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out, int level = 6);

}  // namespace herald::binary
