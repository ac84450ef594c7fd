// Encoding and decoding of the media message body (see media.h), with the frame codec's machinery.
#include "herald/binary/media.h"

#include "field_reader.h"
#include "field_writer.h"
#include "schema.h"

namespace herald::binary {

Bytes encode_media_body(const MediaBody& media) {
  Bytes out;
  wire::encode_message(media, out);
  return out;
}

DecodeError decode_media_body(std::span<const std::uint8_t> body, MediaBody& out) {
  const DecodeLimits limits;
  wire::DecodeContext ctx{limits};
  out = MediaBody{};
  if (!wire::decode_message(body, out, ctx)) return ctx.error;
  if (out.media_id.empty() || out.mime_type.empty()) return DecodeError::kMissingField;
  if (out.thumbnail.size() > kMaxInlineThumbnail) return DecodeError::kValueOutOfRange;
  if (!out.sha256.empty() && out.sha256.size() != 32) return DecodeError::kValueOutOfRange;
  return DecodeError::kNone;
}

}  // namespace herald::binary
