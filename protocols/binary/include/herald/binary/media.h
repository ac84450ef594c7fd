// The body of image / audio / video / file messages: a tagged structure describing an uploaded object.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "herald/binary/codec.h"

namespace herald::binary {

inline constexpr std::size_t kMaxInlineThumbnail = 16 * 1024;

struct MediaBody {
  std::string media_id;   // from the media service; required
  std::string mime_type;  // e.g. "image/jpeg"; required
  std::uint64_t size = 0;
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::uint32_t duration_ms = 0;
  Bytes thumbnail;  // optional inline preview, at most kMaxInlineThumbnail bytes
  std::string thumbnail_mime;
  std::string file_name;
  Bytes sha256;  // empty or 32 bytes
  friend bool operator==(const MediaBody&, const MediaBody&) = default;
};

Bytes encode_media_body(const MediaBody& media);
// kNone on success. Uses the same rules as frame bodies (unknown fields skipped).
DecodeError decode_media_body(std::span<const std::uint8_t> body, MediaBody& out);

}  // namespace herald::binary
