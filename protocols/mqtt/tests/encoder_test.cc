// Encoder behaviour beyond round trips: appending, errors as values, and fitting the peer's
// Maximum Packet Size.
#include "test_util.h"

namespace herald::mqtt::test {
namespace {

TEST_CASE("encode appends to the caller's buffer", "[mqtt][encoder]") {
  std::vector<std::uint8_t> out{0xAA};
  REQUIRE(encode(Pingreq{}, ProtocolVersion::v5, out) == EncodeError::kNone);
  REQUIRE(encode(Puback{7, ReasonCode::kSuccess, {}}, ProtocolVersion::v5, out) == EncodeError::kNone);
  CHECK(out == wire("aa c0 00 40 02 00 07"));
}

TEST_CASE("encoder errors leave the buffer untouched", "[mqtt][encoder]") {
  std::vector<std::uint8_t> out{0x01};
  const std::vector<std::uint8_t> before = out;
  // A property table 2-4 does not list for the packet.
  CHECK(encode(Puback{1, ReasonCode::kSuccess, make<Properties>([](Properties& p) { p.topic_alias = 1; })}, ProtocolVersion::v5, out) ==
        EncodeError::kPropertyNotAllowed);
  CHECK(encode(make<Connect>([](Connect& c) { c.properties.will_delay_interval = 1; }), ProtocolVersion::v5, out) ==
        EncodeError::kPropertyNotAllowed);
  // AUTH does not exist in 3.1.1.
  CHECK(encode(Auth{}, ProtocolVersion::v311, out) == EncodeError::kNotInVersion);
  // Strings are at most 65,535 bytes.
  CHECK(encode(Publish{std::string(65536, 'a'), {}, QoS::kAtMostOnce, false, false, 0, {}}, ProtocolVersion::v5,
               out) == EncodeError::kFieldTooLong);
  // Field values the spec forbids.
  CHECK(encode(Publish{"t", {}, QoS::kAtLeastOnce, false, false, 0, {}}, ProtocolVersion::v5, out) ==
        EncodeError::kInvalidPacket);
  CHECK(encode(Publish{"t", {}, QoS::kAtMostOnce, false, true, 0, {}}, ProtocolVersion::v5, out) ==
        EncodeError::kInvalidPacket);
  CHECK(encode(Subscribe{1, {}, {}}, ProtocolVersion::v5, out) == EncodeError::kInvalidPacket);
  CHECK(encode(Unsubscribe{0, {"a"}, {}}, ProtocolVersion::v5, out) == EncodeError::kInvalidPacket);
  CHECK(encode(Puback{1, ReasonCode::kGrantedQos2, {}}, ProtocolVersion::v5, out) == EncodeError::kInvalidPacket);
  CHECK(encode(Connack{true, ReasonCode::kNotAuthorized, {}}, ProtocolVersion::v5, out) ==
        EncodeError::kInvalidPacket);
  CHECK(encode(Subscribe{1, {{"a", {}}}, make<Properties>([](Properties& p) { p.subscription_identifiers = {1, 2}; })}, ProtocolVersion::v5,
               out) == EncodeError::kInvalidPacket);
  CHECK(encode(make<Connect>([](Connect& c) {
          c.version = ProtocolVersion::v311;
          c.password = Bytes{1};
        }), ProtocolVersion::v311, out) ==
        EncodeError::kInvalidPacket);
  CHECK(out == before);
  CHECK(encoded_size(Auth{}, ProtocolVersion::v311).error == EncodeError::kNotInVersion);
  CHECK(encoded_size(Auth{}, ProtocolVersion::v311).size == 0);
}

TEST_CASE("a packet too large for the peer drops reason string, then user properties", "[mqtt][encoder]") {
  Puback ack{1, ReasonCode::kQuotaExceeded, {}};
  ack.properties.reason_string = std::string(50, 'r');
  ack.properties.user_properties = {{"k", std::string(20, 'v')}};
  const std::size_t full = encoded_size(ack, ProtocolVersion::v5).size;
  REQUIRE(full > 70);

  // Room for everything but the reason string [MQTT-3.4.2-2].
  EncodeOptions options{.max_packet_size = static_cast<std::uint32_t>(full - 1)};
  std::vector<std::uint8_t> out;
  REQUIRE(encode(ack, ProtocolVersion::v5, out, options) == EncodeError::kNone);
  CHECK(out.size() <= options.max_packet_size);
  DecodeResult r = decode(out, options_for(ProtocolVersion::v5, Sender::kClient));
  REQUIRE(r.status == DecodeStatus::kOk);
  auto decoded = std::get<Puback>(r.packet);
  CHECK_FALSE(decoded.properties.reason_string);
  CHECK(decoded.properties.user_properties == ack.properties.user_properties);
  CHECK(encoded_size(ack, ProtocolVersion::v5, options).size == out.size());

  // Room for neither [MQTT-3.4.2-3]: the reason code alone remains.
  options.max_packet_size = 10;
  out.clear();
  REQUIRE(encode(ack, ProtocolVersion::v5, out, options) == EncodeError::kNone);
  CHECK(out == wire("40 03 00 01 97"));

  // Not even that fits.
  options.max_packet_size = 4;
  out.clear();
  CHECK(encode(ack, ProtocolVersion::v5, out, options) == EncodeError::kExceedsMaximumPacketSize);
  CHECK(out.empty());
}

TEST_CASE("a PUBLISH is never trimmed, only refused", "[mqtt][encoder]") {
  // Its user properties are application data [MQTT-3.3.2-17]; a too-large PUBLISH is discarded [MQTT-3.1.2-28].
  Publish p{"t", Bytes(100, 1), QoS::kAtMostOnce, false, false, 0, {}};
  p.properties.user_properties = {{"a", "b"}};
  std::vector<std::uint8_t> out;
  CHECK(encode(p, ProtocolVersion::v5, out, {.max_packet_size = 100}) == EncodeError::kExceedsMaximumPacketSize);
  CHECK(out.empty());
  CHECK(encoded_size(p, ProtocolVersion::v5, {.max_packet_size = 100}).error ==
        EncodeError::kExceedsMaximumPacketSize);
}

TEST_CASE("encoding a PUBLISH into a reused buffer does not allocate", "[mqtt][encoder]") {
  const Publish p{"chat/room/1", Bytes(512, 7), QoS::kAtLeastOnce, false, false, 42, {}};
  std::vector<std::uint8_t> out;
  out.reserve(4096);
  const auto* data = out.data();
  for (int i = 0; i < 4; ++i) {
    out.clear();
    REQUIRE(encode(p, ProtocolVersion::v5, out) == EncodeError::kNone);
  }
  CHECK(out.data() == data);
}

TEST_CASE("DecodeError and EncodeError describe themselves", "[mqtt][encoder]") {
  CHECK(describe(EncodeError::kFieldTooLong) != "unknown encode error");
  CHECK(name_of(DecodeError::kTopicNameHasWildcard) == "TopicNameHasWildcard");
  CHECK(describe(DecodeError::kTopicNameHasWildcard) == "topic name contains + or #");
  CHECK(to_string(PacketType::kUnsubscribe) == "UNSUBSCRIBE");
}

}  // namespace
}  // namespace herald::mqtt::test
