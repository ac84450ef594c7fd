// Encoding and incremental decoding of whole frames: the entry points a gateway or client uses.
//
// Why hand-written: the protocol targets mobile SDKs that should embed it with no dependency, and the
// body format (protobuf wire format, see docs/protocol.md) is small enough that a ~1k-line codec with
// hard limits on every length and count is easier to audit and fuzz than protobuf's runtime, which
// would be an extra dependency for every client and would still need our own caps around it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "herald/binary/frames.h"

namespace herald::binary {

// Until CONNECT / CONNECT_ACK announce otherwise, both sides accept frames up to 64 KiB.
inline constexpr std::uint32_t kDefaultMaxFrameSize = 64 * 1024;
// No peer may announce more than this (and the length prefix is at most 4 bytes).
inline constexpr std::uint32_t kMaxFrameSizeCeiling = 16 * 1024 * 1024;
inline constexpr std::size_t kMaxLengthPrefixBytes = 4;
// Header flag bits; a receiver rejects bits it does not know (new ones are used only once negotiated).
inline constexpr std::uint8_t kFlagCompressed = 0x01;
inline constexpr std::uint8_t kFlagPriority = 0x02;
inline constexpr std::uint8_t kKnownFlags = kFlagCompressed | kFlagPriority;

struct DecodeLimits {
  // Largest accepted frame length (header + body), checked before the body is buffered. Also caps a
  // compressed body once inflated, so compression never raises what a receiver must hold.
  std::uint32_t max_frame_size = kDefaultMaxFrameSize;
  // Most elements any one repeated field may hold (entries of a page, members, ids ...).
  std::uint32_t max_repeated = 1024;
  // True only after the compression feature was negotiated, on the side that receives compressed data.
  bool allow_compressed = false;
};

enum class DecodeError : std::uint8_t {
  kNone = 0,
  kLengthOverlong,        // the length prefix runs past 4 bytes
  kFrameTooLarge,         // length > max_frame_size
  kFrameTooShort,         // length smaller than the smallest header
  kHeaderMalformed,       // request id varint truncated, overlong or above u32
  kUnknownFrameType,
  kUnknownFlags,
  kCompressionNotAllowed,  // compressed flag on a frame type that may not be, or not negotiated
  kDecompressFailed,       // corrupt zlib stream or trailing bytes
  kDecompressedTooLarge,   // inflating would exceed max_frame_size (zip bomb)
  kVarintOverlong,         // a field varint longer than 10 bytes or above 64 bits
  kTruncated,              // a field runs past the end of its message
  kBadTag,                 // field number 0 or above 2^29-1, or wire type 3, 4, 6, 7
  kWireTypeMismatch,       // a known field arrived with a wire type it cannot have
  kValueOutOfRange,        // e.g. a u32 field above 2^32-1, a reason code above 0xFFFF
  kInvalidUtf8,
  kInvalidId,              // an id field fails its validator
  kMissingField,           // a field the frame type requires is absent
  kTooManyElements,        // a repeated field above max_repeated
  kInvalidBody,            // a text body that is not UTF-8, a media body that does not parse
};

const char* decode_error_name(DecodeError error);
// The reason code (core/include/herald/reason_codes.h) a server sends for this error.
std::uint16_t decode_error_reason(DecodeError error);
// Whether the frame's boundary was known when the error was found, so the stream could go on after
// `consumed` bytes (the server answers ERROR for the request id) instead of closing (KICK MALFORMED).
bool decode_error_keeps_framing(DecodeError error);

enum class DecodeStatus : std::uint8_t { kOk, kNeedMore, kError };

struct DecodeResult {
  DecodeStatus status = DecodeStatus::kNeedMore;
  Frame frame;                 // valid when kOk
  std::size_t consumed = 0;    // kOk: bytes of this frame; kError: frame bytes if the framing held, else 0
  std::size_t needed = 0;      // kNeedMore: total bytes of the frame if its length is known, else 0
  DecodeError error = DecodeError::kNone;
  std::uint32_t request_id = 0;  // kError: the request id, if the header was read (to answer ERROR)
  bool was_compressed = false;
};

// Decodes the first frame in `bytes` (the bytes received so far). Never reads past `bytes`, never
// allocates more than a small multiple of max_frame_size, never throws.
DecodeResult decode_frame(std::span<const std::uint8_t> bytes, const DecodeLimits& limits = {});

struct EncodeOptions {
  std::uint32_t max_frame_size = kDefaultMaxFrameSize;  // the receiver's announced limit
  bool compress = false;  // only if negotiated and the type may be compressed; skipped if no gain
  int compression_level = 6;
};

enum class EncodeStatus : std::uint8_t { kOk, kFrameTooLarge, kCompressionNotAllowed, kCompressionFailed };

// Appends the encoded frame to `out` (so several frames can be coalesced into one write or one HTTP
// body). On failure `out` is left as it was.
EncodeStatus encode_frame(const Frame& frame, std::vector<std::uint8_t>& out, const EncodeOptions& options = {});

// Semantic checks the decoder applies after parsing (required fields, id formats, bodies). Exposed
// so a sender can check a frame it built before encoding it.
DecodeError validate_frame(const FrameBody& body);

}  // namespace herald::binary
