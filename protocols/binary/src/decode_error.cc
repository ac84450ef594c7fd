// Names of decode errors and the registry reason code each maps to (core/include/herald/reason_codes.h).
#include "herald/binary/codec.h"
#include "herald/reason_codes.h"

namespace herald::binary {

const char* decode_error_name(DecodeError error) {
  switch (error) {
    case DecodeError::kNone: return "none";
    case DecodeError::kLengthOverlong: return "length prefix overlong";
    case DecodeError::kFrameTooLarge: return "frame larger than the maximum frame size";
    case DecodeError::kFrameTooShort: return "frame shorter than a header";
    case DecodeError::kHeaderMalformed: return "malformed frame header";
    case DecodeError::kUnknownFrameType: return "unknown frame type";
    case DecodeError::kUnknownFlags: return "unknown header flags";
    case DecodeError::kCompressionNotAllowed: return "compression not allowed here";
    case DecodeError::kDecompressFailed: return "corrupt compressed body";
    case DecodeError::kDecompressedTooLarge: return "decompressed body too large";
    case DecodeError::kVarintOverlong: return "varint overlong";
    case DecodeError::kTruncated: return "field truncated";
    case DecodeError::kBadTag: return "bad field tag";
    case DecodeError::kWireTypeMismatch: return "wire type mismatch";
    case DecodeError::kValueOutOfRange: return "value out of range";
    case DecodeError::kInvalidUtf8: return "invalid UTF-8";
    case DecodeError::kInvalidId: return "invalid identifier";
    case DecodeError::kMissingField: return "required field missing";
    case DecodeError::kTooManyElements: return "too many elements in a repeated field";
    case DecodeError::kInvalidBody: return "invalid message body";
  }
  return "unknown";
}

std::uint16_t decode_error_reason(DecodeError error) {
  switch (error) {
    case DecodeError::kNone: return HERALD_REASON_OK;
    case DecodeError::kFrameTooLarge:
    case DecodeError::kDecompressedTooLarge: return HERALD_REASON_PACKET_TOO_LARGE;
    case DecodeError::kUnknownFrameType:
    case DecodeError::kUnknownFlags:
    case DecodeError::kCompressionNotAllowed: return HERALD_REASON_PROTOCOL_ERROR;
    case DecodeError::kInvalidId: return HERALD_REASON_INVALID_ID;
    case DecodeError::kMissingField:
    case DecodeError::kValueOutOfRange: return HERALD_REASON_INVALID_REQUEST;
    case DecodeError::kInvalidUtf8:
    case DecodeError::kInvalidBody: return HERALD_REASON_PAYLOAD_FORMAT_INVALID;
    case DecodeError::kTooManyElements: return HERALD_REASON_QUOTA_EXCEEDED;
    default: return HERALD_REASON_MALFORMED;
  }
}

bool decode_error_keeps_framing(DecodeError error) {
  switch (error) {
    case DecodeError::kLengthOverlong:
    case DecodeError::kFrameTooLarge:
    case DecodeError::kFrameTooShort: return false;
    default: return true;
  }
}

}  // namespace herald::binary
