// The media message body: round trip and validation.
#include <catch2/catch.hpp>

#include "sample_frames.h"

using namespace herald::binary;
using namespace herald::binary::testing;

TEST_CASE("media body round trip", "[media]") {
  const MediaBody m = full_media_body();
  MediaBody back;
  CHECK(decode_media_body(encode_media_body(m), back) == DecodeError::kNone);
  CHECK(back == m);
  MediaBody minimal;
  minimal.media_id = "m1";
  minimal.mime_type = "audio/aac";
  CHECK(decode_media_body(encode_media_body(minimal), back) == DecodeError::kNone);
  CHECK(back == minimal);
}

TEST_CASE("media body validation", "[media]") {
  MediaBody back;
  MediaBody m = full_media_body();
  m.media_id.clear();
  CHECK(decode_media_body(encode_media_body(m), back) == DecodeError::kMissingField);
  m = full_media_body();
  m.thumbnail = Bytes(kMaxInlineThumbnail + 1, 1);
  CHECK(decode_media_body(encode_media_body(m), back) == DecodeError::kValueOutOfRange);
  m = full_media_body();
  m.sha256 = Bytes(31, 1);
  CHECK(decode_media_body(encode_media_body(m), back) == DecodeError::kValueOutOfRange);
  CHECK(decode_media_body(to_bytes("plain text"), back) != DecodeError::kNone);
}

TEST_CASE("a SEND of an image carries a media body", "[media][frames]") {
  SendFrame s{ConversationId{"group:g1"}, ClientMsgId{"c1"}, MessageKind::kVideo, {}, encode_media_body(full_media_body())};
  const DecodeResult r = decode_frame(encode(Frame{2, false, s}));
  REQUIRE(r.status == DecodeStatus::kOk);
  MediaBody back;
  REQUIRE(decode_media_body(std::get<SendFrame>(r.frame.body).body, back) == DecodeError::kNone);
  CHECK(back == full_media_body());
}
