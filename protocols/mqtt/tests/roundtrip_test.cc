// Round trips of every packet type in both versions, and byte-exact encodings from the specs.
#include "test_util.h"

namespace herald::mqtt::test {
namespace {

std::vector<std::uint8_t> encode_ok(const Packet& p, ProtocolVersion v) {
  std::vector<std::uint8_t> out;
  REQUIRE(encode(p, v, out) == EncodeError::kNone);
  return out;
}

Packet decode_ok(std::span<const std::uint8_t> bytes, ProtocolVersion v, Sender s = Sender::kAny) {
  const DecodeResult r = decode(bytes, options_for(v, s));
  INFO("bytes: " << to_hex(bytes) << " error: " << name_of(r.error));
  REQUIRE(r.status == DecodeStatus::kOk);
  REQUIRE(r.consumed == bytes.size());
  return r.packet;
}

TEST_CASE("every packet type round-trips in both versions", "[mqtt][roundtrip]") {
  for (const ProtocolVersion v : {ProtocolVersion::v311, ProtocolVersion::v5}) {
    for (const Packet& p : sample_packets(v)) {
      INFO("version " << static_cast<int>(v) << " packet " << to_string(type_of(p)));
      const std::vector<std::uint8_t> bytes = encode_ok(p, v);
      const EncodedSize size = encoded_size(p, v);
      CHECK(size.error == EncodeError::kNone);
      CHECK(size.size == bytes.size());
      CHECK(decode_ok(bytes, v, sender_of(p)) == p);
      // The typed overload gives the same bytes as the variant one.
      std::vector<std::uint8_t> direct;
      std::visit([&](const auto& packet) { REQUIRE(encode(packet, v, direct) == EncodeError::kNone); }, p);
      CHECK(direct == bytes);
    }
  }
}

TEST_CASE("the samples cover every packet type and every property", "[mqtt][roundtrip]") {
  std::set<PacketType> types;
  for (const Packet& p : sample_packets(ProtocolVersion::v5)) types.insert(type_of(p));
  CHECK(types.size() == 15);
  std::size_t ids = 0;
  for (std::uint32_t id = 0; id < 0x80; ++id) ids += property_known(id);
  CHECK(ids == 27);
}

TEST_CASE("3.1.1 drops what it cannot carry", "[mqtt][roundtrip]") {
  // Properties and non-CONNACK/SUBACK reason codes have no 3.1.1 encoding.
  Puback ack{9, ReasonCode::kQuotaExceeded, all_properties(PropertyScope::kPuback)};
  std::vector<std::uint8_t> out;
  REQUIRE(encode(ack, ProtocolVersion::v311, out) == EncodeError::kNone);
  CHECK(out == wire("40 02 00 09"));
  // v5 refusals become the 3.1.1 SUBACK failure code 0x80 and the nearest CONNACK return code.
  out.clear();
  REQUIRE(encode(Suback{1, {ReasonCode::kNotAuthorized, ReasonCode::kGrantedQos1}, {}}, ProtocolVersion::v311, out) ==
          EncodeError::kNone);
  CHECK(out == wire("90 04 00 01 80 01"));
  out.clear();
  REQUIRE(encode(Connack{false, ReasonCode::kBanned, {}}, ProtocolVersion::v311, out) == EncodeError::kNone);
  CHECK(out == wire("20 02 00 05"));
}

TEST_CASE("byte-exact encodings", "[mqtt][vectors]") {
  struct Vector {
    const char* what;
    ProtocolVersion version;
    Packet packet;
    std::vector<std::uint8_t> bytes;
  };
  Connect v5_connect;  // MQTT 5 section 3.1.2.12, "Variable Header example" (flags 0xCE, keep alive 10)
  v5_connect.version = ProtocolVersion::v5;
  v5_connect.client_id = "id";
  v5_connect.keep_alive = 10;
  v5_connect.username = "u";
  v5_connect.password = bytes_of("p");
  v5_connect.will = Will{"w", bytes_of("x"), QoS::kAtLeastOnce, false, {}};
  v5_connect.properties.session_expiry_interval = 10;
  Connect v311_connect;  // as mosquitto_pub -V 311 sends it
  v311_connect.version = ProtocolVersion::v311;
  v311_connect.client_id = "abc";
  v311_connect.keep_alive = 60;

  const std::vector<Vector> vectors = {
      {"v5 CONNECT (spec example header)", ProtocolVersion::v5, v5_connect,
       wire("10 21 00 04 'MQTT' 05 ce 00 0a 05 11 00 00 00 0a \"id\" 00 \"w\" \"x\" \"u\" \"p\"")},
      {"3.1.1 CONNECT", ProtocolVersion::v311, v311_connect, wire("10 0f 00 04 'MQTT' 04 02 00 3c 00 03 'abc'")},
      {"3.1.1 CONNACK accepted", ProtocolVersion::v311, Connack{}, wire("20 02 00 00")},
      {"v5 CONNACK with properties", ProtocolVersion::v5,
       Connack{false, ReasonCode::kSuccess, make<Properties>([](Properties& p) {
                 p.receive_maximum = 20;
                 p.maximum_qos = QoS::kAtLeastOnce;
               })},
       wire("20 08 00 00 05 21 00 14 24 01")},
      {"3.1.1 PUBLISH QoS 1", ProtocolVersion::v311,
       Publish{"a/b", bytes_of("hi"), QoS::kAtLeastOnce, false, false, 10, {}},
       wire("32 09 00 03 'a/b' 00 0a 'hi'")},
      {"v5 PUBLISH QoS 0 retained, no properties", ProtocolVersion::v5,
       Publish{"t", bytes_of("x"), QoS::kAtMostOnce, true, false, 0, {}}, wire("31 05 00 01 't' 00 'x'")},
      {"v5 PUBLISH user property", ProtocolVersion::v5,
       Publish{"t", {}, QoS::kAtMostOnce, false, false, 0, make<Properties>([](Properties& p) { p.user_properties = {{"a", "b"}}; })},
       wire("30 0b 00 01 't' 07 26 00 01 'a' 00 01 'b'")},
      {"v5 PUBACK success is two bytes", ProtocolVersion::v5, Puback{1, ReasonCode::kSuccess, {}}, wire("40 02 00 01")},
      {"v5 PUBACK with reason only", ProtocolVersion::v5, Puback{1, ReasonCode::kNoMatchingSubscribers, {}},
       wire("40 03 00 01 10")},
      {"PUBREL flags", ProtocolVersion::v311, Pubrel{0x1234, ReasonCode::kSuccess, {}}, wire("62 02 12 34")},
      {"3.1.1 SUBSCRIBE", ProtocolVersion::v311,
       Subscribe{1, {{"a/b", max_qos(QoS::kAtLeastOnce)}, {"c/d", max_qos(QoS::kExactlyOnce)}}, {}},
       wire("82 0e 00 01 \"a/b\" 01 \"c/d\" 02")},
      {"v5 SUBSCRIBE options byte", ProtocolVersion::v5,
       Subscribe{2,
                 {{"a", {QoS::kExactlyOnce, true, true, RetainHandling::kDoNotSend}}},
                 make<Properties>([](Properties& p) { p.subscription_identifiers = {128}; })},
       wire("82 0a 00 02 03 0b 80 01 00 01 'a' 2e")},
      {"3.1.1 SUBACK", ProtocolVersion::v311,
       Suback{1, {ReasonCode::kGrantedQos0, ReasonCode::kUnspecifiedError}, {}}, wire("90 04 00 01 00 80")},
      {"3.1.1 UNSUBSCRIBE", ProtocolVersion::v311, Unsubscribe{3, {"a/b"}, {}}, wire("a2 07 00 03 \"a/b\"")},
      {"3.1.1 UNSUBACK", ProtocolVersion::v311, Unsuback{3, {}, {}}, wire("b0 02 00 03")},
      {"v5 UNSUBACK", ProtocolVersion::v5, Unsuback{3, {ReasonCode::kNoSubscriptionExisted}, {}},
       wire("b0 04 00 03 00 11")},
      {"PINGREQ", ProtocolVersion::v311, Pingreq{}, wire("c0 00")},
      {"PINGRESP", ProtocolVersion::v5, Pingresp{}, wire("d0 00")},
      {"3.1.1 DISCONNECT", ProtocolVersion::v311, Disconnect{}, wire("e0 00")},
      {"v5 DISCONNECT normal is two bytes", ProtocolVersion::v5, Disconnect{}, wire("e0 00")},
      {"v5 DISCONNECT with will", ProtocolVersion::v5, Disconnect{ReasonCode::kDisconnectWithWillMessage, {}},
       wire("e0 01 04")},
      {"v5 DISCONNECT session expiry", ProtocolVersion::v5,
       Disconnect{ReasonCode::kNormalDisconnection, make<Properties>([](Properties& p) { p.session_expiry_interval = 0; })},
       wire("e0 07 00 05 11 00 00 00 00")},
      {"v5 AUTH success is two bytes", ProtocolVersion::v5, Auth{}, wire("f0 00")},
      {"v5 AUTH continue", ProtocolVersion::v5,
       Auth{ReasonCode::kContinueAuthentication, make<Properties>([](Properties& p) { p.authentication_method = "m"; })},
       wire("f0 06 18 04 15 00 01 'm'")},
  };
  for (const Vector& vec : vectors) {
    INFO(vec.what);
    CHECK(to_hex(encode_ok(vec.packet, vec.version)) == to_hex(vec.bytes));
    CHECK(decode_ok(vec.bytes, vec.version) == vec.packet);
  }
}

TEST_CASE("the short forms of v5 acknowledgements decode to the same packet", "[mqtt][vectors]") {
  // 3.4.2.1: Remaining Length 2 means Success, < 4 means no Property Length.
  const Packet expected = Puback{1, ReasonCode::kSuccess, {}};
  CHECK(decode_ok(wire("40 02 00 01"), ProtocolVersion::v5) == expected);
  CHECK(decode_ok(wire("40 03 00 01 00"), ProtocolVersion::v5) == expected);
  CHECK(decode_ok(wire("40 04 00 01 00 00"), ProtocolVersion::v5) == expected);
  CHECK(decode_ok(wire("e0 01 00"), ProtocolVersion::v5) == Packet{Disconnect{}});
  CHECK(decode_ok(wire("e0 02 00 00"), ProtocolVersion::v5) == Packet{Disconnect{}});
  CHECK(decode_ok(wire("f0 00"), ProtocolVersion::v5) == Packet{Auth{}});
}

TEST_CASE("Remaining Length uses the spec's Variable Byte Integer table", "[mqtt][vectors]") {
  // MQTT 5 section 1.5.5 / 3.1.1 table 2.4: boundaries of 1, 2, 3 and 4 byte encodings.
  const std::vector<std::pair<std::uint32_t, std::vector<std::uint8_t>>> table = {
      {0, {0x00}},
      {127, {0x7F}},
      {128, {0x80, 0x01}},
      {16'383, {0xFF, 0x7F}},
      {16'384, {0x80, 0x80, 0x01}},
      {2'097'151, {0xFF, 0xFF, 0x7F}},
      {2'097'152, {0x80, 0x80, 0x80, 0x01}},
      {268'435'455, {0xFF, 0xFF, 0xFF, 0x7F}},
  };
  for (const auto& [value, encoding] : table) {
    std::vector<std::uint8_t> header = encoding;
    header.insert(header.begin(), 0x30);
    const PeekResult peek = peek_fixed_header(header, options_for(ProtocolVersion::v5, Sender::kClient));
    REQUIRE(peek.status == DecodeStatus::kOk);
    CHECK(peek.header.remaining_length == value);
    CHECK(peek.header.header_size == header.size());
    CHECK(peek.header.type == PacketType::kPublish);
  }
  // And the encoder picks the same lengths.
  for (const std::size_t payload : {0u, 120u, 125u, 16'380u, 16'400u}) {
    const Publish p{"t", Bytes(payload, 1), QoS::kAtMostOnce, false, false, 0, {}};
    std::vector<std::uint8_t> out;
    REQUIRE(encode(p, ProtocolVersion::v311, out) == EncodeError::kNone);
    const PeekResult peek = peek_fixed_header(out, options_for(ProtocolVersion::v311, Sender::kClient));
    REQUIRE(peek.status == DecodeStatus::kOk);
    CHECK(peek.header.packet_size() == out.size());
  }
}

TEST_CASE("a PUBLISH with a 2 MB payload round-trips", "[mqtt][roundtrip]") {
  const Publish p{"big", Bytes(2'000'000, 0x5A), QoS::kAtLeastOnce, false, false, 1, {}};
  std::vector<std::uint8_t> out;
  REQUIRE(encode(p, ProtocolVersion::v5, out) == EncodeError::kNone);
  CHECK(decode_ok(out, ProtocolVersion::v5) == Packet{p});
}

TEST_CASE("v5 accepts a password without a user name, 3.1.1 does not", "[mqtt][connect]") {
  // 3.1.2.9 (v5) dropped the 3.1.1 rule [MQTT-3.1.2-22].
  const auto bytes = packet(0x10, "00 04 'MQTT' 05 42 00 00 00 \"c\" \"pw\"");
  const Packet p = decode_ok(bytes, ProtocolVersion::v5);
  CHECK(std::get<Connect>(p).password == bytes_of("pw"));
  CHECK_FALSE(std::get<Connect>(p).username.has_value());
}

}  // namespace
}  // namespace herald::mqtt::test
