// Hostile and malformed input: each case yields its specific error, never a crash.
#include <catch2/catch.hpp>

#include "sample_frames.h"

using namespace herald::binary;
using namespace herald::binary::testing;

namespace {

Bytes str_field(std::uint32_t n, const std::string& s) {
  Bytes b;
  put_varint(b, (static_cast<std::uint64_t>(n) << 3) | 2);
  put_varint(b, s.size());
  b.insert(b.end(), s.begin(), s.end());
  return b;
}

Bytes varint_field(std::uint32_t n, std::uint64_t v) {
  Bytes b;
  put_varint(b, static_cast<std::uint64_t>(n) << 3);
  put_varint(b, v);
  return b;
}

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// A valid SEND body (conv, cmid, kind text) to which the cases add or change one thing.
Bytes send_body() {
  return cat({str_field(1, "c2c:alice:bob"), str_field(2, "cm1"), varint_field(3, 1)});
}

struct Case {
  const char* name;
  Bytes input;
  DecodeError error;
  bool keeps_framing;
};

}  // namespace

TEST_CASE("malformed frames yield specific errors", "[frames][malformed]") {
  Bytes eleven_byte_varint(10, 0x80);
  eleven_byte_varint.push_back(0x00);
  const Bytes huge_repeat = [] {
    Bytes b = str_field(1, "group:g");
    b.push_back(0x12);  // 2: msg_ids, packed
    put_varint(b, 1025);
    for (int i = 0; i < 1025; ++i) b.push_back(1);
    return b;
  }();
  const Bytes many_members = [] {
    Bytes b = varint_field(1, 1);
    for (int i = 0; i < 1025; ++i) {
      const Bytes m = str_field(4, "u");
      b.insert(b.end(), m.begin(), m.end());
    }
    return b;
  }();

  const std::vector<Case> cases = {
      {"length prefix over 4 bytes", Bytes{0x80, 0x80, 0x80, 0x80, 0x01}, DecodeError::kLengthOverlong, false},
      {"length over max frame size", Bytes{0x81, 0x80, 0x04}, DecodeError::kFrameTooLarge, false},
      {"length too short for a header", Bytes{0x02, 0x03, 0x00}, DecodeError::kFrameTooShort, false},
      {"request id varint truncated", Bytes{0x03, 0x03, 0x00, 0x80}, DecodeError::kHeaderMalformed, true},
      {"request id above u32", Bytes{0x07, 0x03, 0x00, 0x80, 0x80, 0x80, 0x80, 0x10}, DecodeError::kHeaderMalformed,
       true},
      {"unknown frame type", raw_frame(0x7F, 0, 9, {}), DecodeError::kUnknownFrameType, true},
      {"frame type zero", raw_frame(0x00, 0, 9, {}), DecodeError::kUnknownFrameType, true},
      {"unknown flag bit", raw_frame(0x03, 0x80, 1, {}), DecodeError::kUnknownFlags, true},
      {"compressed flag on SEND", raw_frame(0x10, kFlagCompressed, 1, send_body()),
       DecodeError::kCompressionNotAllowed, true},
      {"compressed PUSH without negotiation", raw_frame(0x12, kFlagCompressed, 0, {0x78, 0x9C, 0x03, 0, 0, 0, 0, 1}),
       DecodeError::kCompressionNotAllowed, true},
      {"field varint overlong", raw_frame(0x14, 0, 1, cat({Bytes{0x08}, eleven_byte_varint})),
       DecodeError::kVarintOverlong, true},
      {"field varint truncated", raw_frame(0x14, 0, 1, Bytes{0x08, 0x80}), DecodeError::kTruncated, true},
      {"length-delimited past the end", raw_frame(0x10, 0, 1, Bytes{0x0A, 0x20, 'c'}), DecodeError::kTruncated, true},
      {"fixed64 truncated (unknown field)", raw_frame(0x14, 0, 1, Bytes{0xF9, 0x01, 1, 2, 3}),
       DecodeError::kTruncated, true},
      {"field number zero", raw_frame(0x14, 0, 1, Bytes{0x00, 0x01}), DecodeError::kBadTag, true},
      {"wire type 3 (group)", raw_frame(0x14, 0, 1, Bytes{0x0B}), DecodeError::kBadTag, true},
      {"wire type 7", raw_frame(0x14, 0, 1, Bytes{0x0F}), DecodeError::kBadTag, true},
      {"string field sent as varint", raw_frame(0x10, 0, 1, cat({varint_field(1, 5), send_body()})),
       DecodeError::kWireTypeMismatch, true},
      {"u32 field above 2^32-1", raw_frame(0x14, 0, 1, varint_field(2, 1ull << 32)), DecodeError::kValueOutOfRange,
       true},
      {"reason code above 0xFFFF", raw_frame(0x07, 0, 1, varint_field(1, 0x10000)), DecodeError::kValueOutOfRange,
       true},
      {"bad UTF-8 in a string", raw_frame(0x07, 0, 1, cat({varint_field(1, 0x80), str_field(2, "\xC0\xAF")})),
       DecodeError::kInvalidUtf8, true},
      {"bad UTF-8 in a text body", raw_frame(0x10, 0, 1, cat({send_body(), str_field(5, "ok \xED\xA0\x80")})),
       DecodeError::kInvalidBody, true},
      {"media body that does not parse",
       raw_frame(0x10, 0, 1, cat({str_field(1, "c2c:alice:bob"), str_field(2, "cm1"), varint_field(3, 2),
                                  str_field(5, "not a media body")})),
       DecodeError::kInvalidBody, true},
      {"invalid conversation id (unordered c2c)",
       raw_frame(0x10, 0, 1, cat({str_field(1, "c2c:bob:alice"), str_field(2, "cm1"), varint_field(3, 1)})),
       DecodeError::kInvalidId, true},
      {"invalid user id in CONNECT",
       raw_frame(0x01, 0, 1, cat({Bytes{0x0A, 1, 1}, str_field(3, "t"), str_field(4, "al ice"), str_field(5, "d")})),
       DecodeError::kInvalidId, true},
      {"invalid client msg id", raw_frame(0x11, 0, 1, cat({str_field(1, "has space"), varint_field(2, 1)})),
       DecodeError::kInvalidId, true},
      {"missing required field", raw_frame(0x10, 0, 1, cat({str_field(1, "c2c:alice:bob"), varint_field(3, 1)})),
       DecodeError::kMissingField, true},
      {"max frame size below 1024 in CONNECT",
       raw_frame(0x01, 0, 1,
                 cat({Bytes{0x0A, 1, 1}, str_field(3, "t"), str_field(4, "u"), str_field(5, "d"), varint_field(8, 10)})),
       DecodeError::kValueOutOfRange, true},
      {"packed repeated field over the cap", raw_frame(0x22, 0, 1, huge_repeat), DecodeError::kTooManyElements, true},
      {"repeated message field over the cap", raw_frame(0x30, 0, 1, many_members), DecodeError::kTooManyElements,
       true},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const DecodeResult r = decode_frame(c.input);
    CHECK(r.status == DecodeStatus::kError);
    CHECK(decode_error_name(r.error) == std::string(decode_error_name(c.error)));
    CHECK(decode_error_keeps_framing(r.error) == c.keeps_framing);
    CHECK(r.consumed == (c.keeps_framing ? c.input.size() : 0));
    CHECK(decode_error_reason(r.error) != 0);
  }
}

TEST_CASE("the length is checked before the body arrives", "[frames][malformed]") {
  // Only the 3-byte prefix of a 1 MiB frame has arrived: refuse now instead of waiting for the body.
  const Bytes prefix{0x80, 0x80, 0x40};
  const DecodeResult r = decode_frame(prefix);
  CHECK(r.status == DecodeStatus::kError);
  CHECK(r.error == DecodeError::kFrameTooLarge);
  DecodeLimits big;
  big.max_frame_size = 2 << 20;
  const DecodeResult ok = decode_frame(prefix, big);
  CHECK(ok.status == DecodeStatus::kNeedMore);
  CHECK(ok.needed == 3 + (1u << 20));
  // A peer can never raise the limit above the protocol ceiling.
  DecodeLimits absurd;
  absurd.max_frame_size = UINT32_MAX;
  CHECK(decode_frame(Bytes{0xFF, 0xFF, 0xFF, 0x7F}, absurd).error == DecodeError::kFrameTooLarge);
}

TEST_CASE("the request id of a bad request is reported so the server can answer ERROR", "[frames][malformed]") {
  const DecodeResult r = decode_frame(raw_frame(0x10, 0, 4242, Bytes{}));
  CHECK(r.status == DecodeStatus::kError);
  CHECK(r.error == DecodeError::kMissingField);
  CHECK(r.request_id == 4242);
  CHECK(decode_error_reason(r.error) == 0x0108);  // INVALID_REQUEST
}

TEST_CASE("reason codes for decode errors", "[frames][malformed]") {
  CHECK(decode_error_reason(DecodeError::kNone) == 0x0000);
  CHECK(decode_error_reason(DecodeError::kFrameTooLarge) == 0x0095);
  CHECK(decode_error_reason(DecodeError::kTruncated) == 0x0081);
  CHECK(decode_error_reason(DecodeError::kUnknownFrameType) == 0x0082);
  CHECK(decode_error_reason(DecodeError::kInvalidId) == 0x0100);
  CHECK(decode_error_reason(DecodeError::kInvalidUtf8) == 0x0099);
}

TEST_CASE("random garbage never crashes", "[frames][malformed]") {
  std::uint64_t x = 0x9E3779B97F4A7C15ull;
  for (int i = 0; i < 20000; ++i) {
    Bytes b(static_cast<std::size_t>(x % 64));
    for (auto& c : b) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      c = static_cast<std::uint8_t>(x);
    }
    if (!b.empty()) b[0] = static_cast<std::uint8_t>(b.size() - 1);  // mostly well-framed
    const DecodeResult r = decode_frame(b);
    CHECK(r.consumed <= b.size());
  }
}
