// Every frame type survives encode -> decode unchanged, with every field set and with defaults.
#include <catch2/catch.hpp>

#include <set>

#include "sample_frames.h"

using namespace herald::binary;
using namespace herald::binary::testing;

namespace {

DecodeLimits roomy() {
  DecodeLimits l;
  l.max_frame_size = 1 << 20;
  return l;
}

void check_round_trip(const Frame& f) {
  INFO(frame_type_name(frame_type(f.body)));
  REQUIRE(validate_frame(f.body) == DecodeError::kNone);
  Bytes bytes;
  REQUIRE(encode_frame(f, bytes, EncodeOptions{1 << 20}) == EncodeStatus::kOk);
  const DecodeResult r = decode_frame(bytes, roomy());
  INFO(decode_error_name(r.error));
  REQUIRE(r.status == DecodeStatus::kOk);
  CHECK(r.consumed == bytes.size());
  CHECK(r.frame == f);
  CHECK_FALSE(r.was_compressed);
  // Canonical: re-encoding the decoded frame gives the same bytes.
  Bytes again;
  REQUIRE(encode_frame(r.frame, again, EncodeOptions{1 << 20}) == EncodeStatus::kOk);
  CHECK(again == bytes);
}

}  // namespace

TEST_CASE("samples cover every frame type", "[frames]") {
  std::set<FrameType> full, minimal;
  for (const Frame& f : full_frames()) full.insert(frame_type(f.body));
  for (const Frame& f : minimal_frames()) minimal.insert(frame_type(f.body));
  CHECK(full.size() == std::variant_size_v<FrameBody>);
  CHECK(minimal.size() == std::variant_size_v<FrameBody>);
}

TEST_CASE("round trip: every field set", "[frames]") {
  for (const Frame& f : full_frames()) check_round_trip(f);
}

TEST_CASE("round trip: defaults and required fields only", "[frames]") {
  for (const Frame& f : minimal_frames()) check_round_trip(f);
}

TEST_CASE("round trip: frames concatenated in one buffer", "[frames]") {
  Bytes stream;
  const auto frames = full_frames();
  for (const Frame& f : frames) REQUIRE(encode_frame(f, stream, EncodeOptions{1 << 20}) == EncodeStatus::kOk);
  std::size_t pos = 0;
  for (const Frame& f : frames) {
    const DecodeResult r = decode_frame(std::span<const std::uint8_t>(stream).subspan(pos), roomy());
    REQUIRE(r.status == DecodeStatus::kOk);
    CHECK(r.frame == f);
    pos += r.consumed;
  }
  CHECK(pos == stream.size());
}

TEST_CASE("frame header: types, names and priority flag", "[frames]") {
  CHECK(frame_type(FrameBody{SendFrame{}}) == FrameType::kSend);
  CHECK(std::string(frame_type_name(FrameType::kSyncPage)) == "SYNC_PAGE");
  CHECK(is_known_frame_type(0x42));
  CHECK_FALSE(is_known_frame_type(0x00));
  CHECK_FALSE(is_known_frame_type(0x43));
  Frame f{5, true, PingFrame{}};
  const Bytes b = encode(f);
  CHECK(hex(b) == "03030205");
  const DecodeResult r = decode_frame(b);
  REQUIRE(r.status == DecodeStatus::kOk);
  CHECK(r.frame.priority);
  CHECK(r.frame.request_id == 5);
}

TEST_CASE("request ids up to 2^32-1", "[frames]") {
  Frame f{UINT32_MAX, false, PingFrame{}};
  const Bytes b = encode(f);
  const DecodeResult r = decode_frame(b);
  REQUIRE(r.status == DecodeStatus::kOk);
  CHECK(r.frame.request_id == UINT32_MAX);
}

TEST_CASE("encoder refuses a frame over the receiver's limit", "[frames]") {
  SendFrame s{ConversationId{"room:r"}, ClientMsgId{"c"}, MessageKind::kCustom, "t", Bytes(70000, 1)};
  Bytes out{0xAA};
  CHECK(encode_frame(Frame{1, false, s}, out) == EncodeStatus::kFrameTooLarge);
  CHECK(out == Bytes{0xAA});  // untouched
  CHECK(encode_frame(Frame{1, false, s}, out, EncodeOptions{100000}) == EncodeStatus::kOk);
}

TEST_CASE("validate_frame checks what the sender built", "[frames]") {
  CHECK(validate_frame(SendFrame{}) == DecodeError::kMissingField);
  CHECK(validate_frame(SendFrame{ConversationId{"c2c:b:a"}, ClientMsgId{"c"}, MessageKind::kText, {}, {}}) ==
        DecodeError::kInvalidId);
  CHECK(validate_frame(SendFrame{ConversationId{"c2c:a:b"}, ClientMsgId{"c"}, MessageKind::kText, {},
                                 to_bytes("\xFF")}) == DecodeError::kInvalidBody);
  CHECK(validate_frame(GroupOpFrame{GroupOp::kDismiss, {}, {}, {}, {}, 0, 0, 0}) == DecodeError::kMissingField);
  CHECK(validate_frame(ConnectFrame{{1}, 0, "t", UserId{"u"}, DeviceId{"d"}, {}, {}, 100}) ==
        DecodeError::kValueOutOfRange);
}
