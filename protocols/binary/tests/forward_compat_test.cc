// Forward compatibility: fields, enum values and feature bits from newer peers are skipped or kept.
#include <catch2/catch.hpp>

#include "sample_frames.h"

using namespace herald::binary;
using namespace herald::binary::testing;

namespace {

// Unknown fields of every wire type, with field numbers no frame uses.
Bytes unknown_fields() {
  Bytes u;
  put_varint(u, (100u << 3) | 0);  // varint
  put_varint(u, 300);
  put_varint(u, (101u << 3) | 1);  // fixed64
  for (int i = 0; i < 8; ++i) u.push_back(static_cast<std::uint8_t>(i));
  put_varint(u, (102u << 3) | 2);  // length-delimited, itself holding nested fields
  u.push_back(3);
  u.push_back(0x08);
  u.push_back(0x01);
  u.push_back(0x00);
  put_varint(u, (103u << 3) | 5);  // fixed32
  for (int i = 0; i < 4; ++i) u.push_back(0xEE);
  put_varint(u, ((1u << 29) - 1) << 3);  // the largest field number
  u.push_back(0);
  return u;
}

}  // namespace

TEST_CASE("unknown fields are skipped before, after and inside known ones", "[frames][compat]") {
  DecodeLimits limits;
  limits.max_frame_size = 1 << 20;
  for (const Frame& f : full_frames()) {
    INFO(frame_type_name(frame_type(f.body)));
    const Bytes plain = encode(f, EncodeOptions{1 << 20});
    const Bytes body = body_of(plain);
    const auto type = static_cast<std::uint8_t>(frame_type(f.body));
    const std::uint8_t flags = f.priority ? kFlagPriority : 0;
    Bytes front = unknown_fields();
    front.insert(front.end(), body.begin(), body.end());
    Bytes back = body;
    const Bytes u = unknown_fields();
    back.insert(back.end(), u.begin(), u.end());
    for (const Bytes& b : {front, back}) {
      const DecodeResult r = decode_frame(raw_frame(type, flags, f.request_id, b), limits);
      INFO(decode_error_name(r.error));
      REQUIRE(r.status == DecodeStatus::kOk);
      CHECK(r.frame == f);
    }
  }
}

TEST_CASE("unknown fields inside nested entries are skipped", "[frames][compat]") {
  // A PUSH whose message entry carries a field from the future (number 50) between known ones.
  Bytes entry;
  entry.push_back(0x0A);  // 1: conv
  entry.push_back(8);
  for (char c : std::string("room:r42")) entry.push_back(static_cast<std::uint8_t>(c));
  put_varint(entry, (50u << 3) | 2);
  entry.push_back(2);
  entry.push_back('h');
  entry.push_back('i');
  entry.push_back(0x10);  // 2: msg_id
  entry.push_back(9);
  Bytes body{0x0A};
  put_varint(body, entry.size());
  body.insert(body.end(), entry.begin(), entry.end());
  const DecodeResult r = decode_frame(raw_frame(0x12, 0, 0, body));
  REQUIRE(r.status == DecodeStatus::kOk);
  const auto& push = std::get<PushFrame>(r.frame.body);
  REQUIRE(push.entries.size() == 1);
  const auto& m = std::get<MessageEntry>(push.entries[0]);
  CHECK(m.conv.value == "room:r42");
  CHECK(m.msg_id == 9);
}

TEST_CASE("unknown enum values and feature bits are kept for the consumer to judge", "[frames][compat]") {
  ConnectFrame c{{1, 9}, 0xFFFF0000u | feature::kKnown, "t", UserId{"u"}, DeviceId{"d"}, static_cast<Platform>(99),
                 "1", 0};
  GroupOpFrame g{static_cast<GroupOp>(77), GroupId{"g"}, {}, {}, static_cast<GroupRole>(9), 0, 0, 0};
  SendFrame s{ConversationId{"room:r"}, ClientMsgId{"c"}, static_cast<MessageKind>(40), {}, Bytes{0xFF}};
  for (const FrameBody& body : {FrameBody{c}, FrameBody{g}, FrameBody{s}}) {
    const Frame f{1, false, body};
    const DecodeResult r = decode_frame(encode(f));
    REQUIRE(r.status == DecodeStatus::kOk);
    CHECK(r.frame == f);
  }
}

TEST_CASE("repeated scalars are accepted unpacked as well as packed", "[frames][compat]") {
  // DELETE conv=group:g, msg_ids 5 and 6 as two separate varint fields (an older protobuf encoder).
  Bytes body{0x0A, 7, 'g', 'r', 'o', 'u', 'p', ':', 'g', 0x10, 5, 0x10, 6};
  const DecodeResult r = decode_frame(raw_frame(0x22, 0, 4, body));
  REQUIRE(r.status == DecodeStatus::kOk);
  CHECK(std::get<DeleteFrame>(r.frame.body).msg_ids == std::vector<MsgId>{5, 6});
}
