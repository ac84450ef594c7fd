// One row per form rule a receiver must enforce, from MQTT 3.1.1 (OASIS 2014) and MQTT 5.0 (OASIS
// 2019): the normative statement (or section where the rule has no statement id), the bytes, and
// the specific error and MQTT 5 reason code expected. Rows marked "limit" test Limits, not the spec.
#include "test_util.h"

namespace herald::mqtt::test {
namespace {

constexpr auto V3 = ProtocolVersion::v311;
constexpr auto V5 = ProtocolVersion::v5;
constexpr auto C = Sender::kClient;
constexpr auto S = Sender::kServer;
using E = DecodeError;
using R = ReasonCode;
using Tune = void (*)(Limits&);

struct Row {
  const char* rule;
  ProtocolVersion version;
  Sender from;
  std::vector<std::uint8_t> bytes;
  E error;
  R reason;
  Tune tune = nullptr;
};

std::vector<Row> rows() {
  return {
      // ---- fixed header and framing ------------------------------------------------------------
      {"3.1.1 2.2.1: packet type 0 is reserved", V3, C, wire("00 00"), E::kReservedPacketType, R::kMalformedPacket},
      {"v5 2.1.2: packet type 0 is reserved", V5, C, wire("00 00"), E::kReservedPacketType, R::kMalformedPacket},
      {"3.1.1 2.2.1: packet type 15 is reserved (AUTH is v5 only)", V3, C, wire("f0 00"), E::kReservedPacketType,
       R::kMalformedPacket},
      {"3.1.1 [MQTT-2.2.2-1], [MQTT-2.2.2-2]: CONNECT flags must be 0000", V3, C,
       packet(0x11, R"("MQTT" 04 02 00 3c "c")"), E::kInvalidFixedHeaderFlags, R::kMalformedPacket},
      {"v5 [MQTT-2.1.3-1]: CONNECT flags must be 0000", V5, C, packet(0x18, R"("MQTT" 05 02 00 3c 00 "c")"),
       E::kInvalidFixedHeaderFlags, R::kMalformedPacket},
      {"3.1.1 [MQTT-2.2.2-1]: PUBACK flags must be 0000", V3, C, wire("41 02 00 01"), E::kInvalidFixedHeaderFlags,
       R::kMalformedPacket},
      {"3.1.1 [MQTT-3.6.1-1]: PUBREL flags must be 0010", V3, C, wire("60 02 00 01"), E::kInvalidFixedHeaderFlags,
       R::kMalformedPacket},
      {"v5 [MQTT-3.6.1-1]: PUBREL flags must be 0010", V5, C, wire("63 02 00 01"), E::kInvalidFixedHeaderFlags,
       R::kMalformedPacket},
      {"3.1.1 [MQTT-3.8.1-1]: SUBSCRIBE flags must be 0010", V3, C, packet(0x80, R"(00 01 "a" 00)"),
       E::kInvalidFixedHeaderFlags, R::kMalformedPacket},
      {"v5 [MQTT-3.8.1-1]: SUBSCRIBE flags must be 0010", V5, C, packet(0x8a, R"(00 01 00 "a" 00)"),
       E::kInvalidFixedHeaderFlags, R::kMalformedPacket},
      {"3.1.1 [MQTT-3.10.1-1]: UNSUBSCRIBE flags must be 0010", V3, C, packet(0xa0, R"(00 01 "a")"),
       E::kInvalidFixedHeaderFlags, R::kMalformedPacket},
      {"v5 [MQTT-3.10.1-1]: UNSUBSCRIBE flags must be 0010", V5, C, packet(0xa3, R"(00 01 00 "a")"),
       E::kInvalidFixedHeaderFlags, R::kMalformedPacket},
      {"3.1.1 [MQTT-2.2.2-1]: PINGREQ flags must be 0000", V3, C, wire("c1 00"), E::kInvalidFixedHeaderFlags,
       R::kMalformedPacket},
      {"v5 [MQTT-3.14.1-1]: DISCONNECT flags must be 0000", V5, C, wire("e2 00"), E::kInvalidFixedHeaderFlags,
       R::kMalformedPacket},
      {"v5 [MQTT-3.15.1-1]: AUTH flags must be 0000", V5, C, wire("f1 00"), E::kInvalidFixedHeaderFlags,
       R::kMalformedPacket},
      {"3.1.1 [MQTT-3.3.1-4]: PUBLISH QoS 3", V3, C, packet(0x36, R"("t" 00 01)"), E::kInvalidQos,
       R::kMalformedPacket},
      {"v5 [MQTT-3.3.1-4]: PUBLISH QoS 3", V5, C, packet(0x36, R"("t" 00 01 00)"), E::kInvalidQos,
       R::kMalformedPacket},
      {"3.1.1 [MQTT-3.3.1-2]: DUP set on QoS 0", V3, C, packet(0x38, R"("t")"), E::kDupOnQos0, R::kMalformedPacket},
      {"v5 [MQTT-3.3.1-2]: DUP set on QoS 0", V5, C, packet(0x38, R"("t" 00)"), E::kDupOnQos0, R::kMalformedPacket},
      {"3.1.1 2.2.3: Remaining Length longer than 4 bytes", V3, C, wire("30 ff ff ff ff 01"), E::kMalformedVarint,
       R::kMalformedPacket},
      {"v5 [MQTT-1.5.5-1]: Remaining Length longer than 4 bytes", V5, C, wire("30 80 80 80 80 01"),
       E::kMalformedVarint, R::kMalformedPacket},
      {"v5 [MQTT-1.5.5-1]: Remaining Length not minimal", V5, C, wire("c0 80 00"), E::kMalformedVarint,
       R::kMalformedPacket},
      {"3.1.1 2.2.3: Remaining Length not minimal", V3, C, wire("e0 80 80 00"), E::kMalformedVarint,
       R::kMalformedPacket},
      {"v5 3.1.2.11.4 / [MQTT-3.2.2-15] + limit: packet above our Maximum Packet Size", V5, C,
       wire("30 ff ff ff 7f"), E::kPacketTooLarge, R::kPacketTooLarge},
      {"v5 2.1.4: Remaining Length shorter than the fields (string runs past the end)", V5, C,
       packet(0x30, "00 05 'ab'"), E::kTruncated, R::kMalformedPacket},
      {"3.1.1 3.12.1: PINGREQ has Remaining Length 0", V3, C, wire("c0 01 00"), E::kTrailingBytes,
       R::kMalformedPacket},
      {"v5 3.13.1: PINGRESP has Remaining Length 0", V5, S, wire("d0 01 00"), E::kTrailingBytes,
       R::kMalformedPacket},
      {"v5 2.1.2: CONNACK flows server to client only", V5, C, wire("20 03 00 00 00"), E::kUnexpectedPacketType,
       R::kProtocolError},
      {"v5 2.1.2: SUBACK flows server to client only", V5, C, wire("90 04 00 01 00 00"), E::kUnexpectedPacketType,
       R::kProtocolError},
      {"3.1.1 2.2.1: PINGRESP flows server to client only", V3, C, wire("d0 00"), E::kUnexpectedPacketType,
       R::kProtocolError},
      {"v5 2.1.2: CONNECT flows client to server only", V5, S, packet(0x10, R"("MQTT" 05 02 00 3c 00 "c")"),
       E::kUnexpectedPacketType, R::kProtocolError},
      {"3.1.1 2.2.1: DISCONNECT flows client to server only", V3, S, wire("e0 00"), E::kUnexpectedPacketType,
       R::kProtocolError},

      // ---- UTF-8 strings ---------------------------------------------------------------------
      {"3.1.1 [MQTT-1.5.3-1]: ill-formed UTF-8", V3, C, packet(0x30, "00 02 c3 28"), E::kInvalidUtf8,
       R::kMalformedPacket},
      {"v5 [MQTT-1.5.4-1]: ill-formed UTF-8 (overlong '/')", V5, C, packet(0x30, "00 02 c0 af 00"),
       E::kInvalidUtf8, R::kMalformedPacket},
      {"v5 [MQTT-1.5.4-1]: code point above U+10FFFF", V5, C, packet(0x30, "00 04 f4 90 80 80 00"),
       E::kInvalidUtf8, R::kMalformedPacket},
      {"v5 [MQTT-1.5.4-1]: truncated multi-byte sequence", V5, C, packet(0x30, "00 02 61 e2 00"), E::kInvalidUtf8,
       R::kMalformedPacket},
      {"3.1.1 [MQTT-1.5.3-1]: surrogate U+D800", V3, C, packet(0x30, "00 03 ed a0 80"), E::kUtf8Surrogate,
       R::kMalformedPacket},
      {"v5 [MQTT-1.5.4-1]: surrogate U+DFFF", V5, C, packet(0x30, "00 03 ed bf bf 00"), E::kUtf8Surrogate,
       R::kMalformedPacket},
      {"3.1.1 [MQTT-1.5.3-2], [MQTT-4.7.3-2]: U+0000 in a topic", V3, C, packet(0x30, "00 02 61 00"),
       E::kUtf8NullCharacter, R::kMalformedPacket},
      {"v5 [MQTT-1.5.4-2]: U+0000 in a client id", V5, C, packet(0x10, R"("MQTT" 05 02 00 3c 00 00 01 00)"),
       E::kUtf8NullCharacter, R::kMalformedPacket},
      {"v5 1.5.4 (MAY, opt-in): control character U+0001", V5, C, packet(0x30, "00 02 61 01 00"),
       E::kUtf8DiscouragedCodePoint, R::kMalformedPacket, [](Limits& l) { l.reject_discouraged_code_points = true; }},
      {"3.1.1 1.5.3 (MAY, opt-in): control character U+0085", V3, C, packet(0x30, "00 03 61 c2 85"),
       E::kUtf8DiscouragedCodePoint, R::kMalformedPacket, [](Limits& l) { l.reject_discouraged_code_points = true; }},
      {"v5 1.5.4 (MAY, opt-in): non-character U+FFFF", V5, C, packet(0x30, "00 03 ef bf bf 00"),
       E::kUtf8DiscouragedCodePoint, R::kMalformedPacket, [](Limits& l) { l.reject_discouraged_code_points = true; }},
      {"v5 [MQTT-1.5.7-1]: user property name must be UTF-8", V5, C, packet(0x30, R"("t" [26 00 01 ff "v"])"),
       E::kInvalidUtf8, R::kMalformedPacket},

      // ---- CONNECT ---------------------------------------------------------------------------
      {"3.1.1 [MQTT-3.1.2-1]: protocol name not MQTT", V3, C, packet(0x10, R"("MQTX" 04 02 00 3c "c")"),
       E::kProtocolNameInvalid, R::kUnsupportedProtocolVersion},
      {"v5 [MQTT-3.1.2-1]: protocol name not MQTT", V5, C, packet(0x10, R"("mqtt" 05 02 00 3c 00 "c")"),
       E::kProtocolNameInvalid, R::kUnsupportedProtocolVersion},
      {"3.1.1 [MQTT-3.1.2-2]: protocol level 3 (MQTT 3.1, MQIsdp)", V3, C,
       packet(0x10, R"("MQIsdp" 03 02 00 3c "c")"), E::kUnsupportedProtocolVersion,
       R::kUnsupportedProtocolVersion},
      {"3.1.1 [MQTT-3.1.2-2]: protocol level 3 with name MQTT", V3, C, packet(0x10, R"("MQTT" 03 02 00 3c "c")"),
       E::kUnsupportedProtocolVersion, R::kUnsupportedProtocolVersion},
      {"v5 [MQTT-3.1.2-2]: protocol level 6", V5, C, packet(0x10, R"("MQTT" 06 02 00 3c 00 "c")"),
       E::kUnsupportedProtocolVersion, R::kUnsupportedProtocolVersion},
      {"3.1.1 [MQTT-3.1.2-3]: CONNECT reserved flag set", V3, C, packet(0x10, R"("MQTT" 04 03 00 3c "c")"),
       E::kConnectReservedFlag, R::kMalformedPacket},
      {"v5 [MQTT-3.1.2-3]: CONNECT reserved flag set", V5, C, packet(0x10, R"("MQTT" 05 03 00 3c 00 "c")"),
       E::kConnectReservedFlag, R::kMalformedPacket},
      {"3.1.1 [MQTT-3.1.2-13]: will QoS without will flag", V3, C, packet(0x10, R"("MQTT" 04 0a 00 3c "c")"),
       E::kWillQosWithoutWill, R::kMalformedPacket},
      {"v5 [MQTT-3.1.2-11], [MQTT-3.1.2-13]: will QoS without will flag", V5, C,
       packet(0x10, R"("MQTT" 05 12 00 3c 00 "c")"), E::kWillQosWithoutWill, R::kMalformedPacket},
      {"3.1.1 [MQTT-3.1.2-14]: will QoS 3", V3, C, packet(0x10, R"("MQTT" 04 1e 00 3c "c" "w" "x")"),
       E::kInvalidQos, R::kMalformedPacket},
      {"v5 [MQTT-3.1.2-14] (3.1.2.6: 3 is malformed): will QoS 3", V5, C,
       packet(0x10, R"("MQTT" 05 1e 00 3c 00 "c" 00 "w" "x")"), E::kInvalidQos, R::kMalformedPacket},
      {"3.1.1 [MQTT-3.1.2-15]: will retain without will flag", V3, C, packet(0x10, R"("MQTT" 04 22 00 3c "c")"),
       E::kWillRetainWithoutWill, R::kMalformedPacket},
      {"v5 [MQTT-3.1.2-15]: will retain without will flag", V5, C, packet(0x10, R"("MQTT" 05 22 00 3c 00 "c")"),
       E::kWillRetainWithoutWill, R::kMalformedPacket},
      {"3.1.1 [MQTT-3.1.2-22]: password flag without user name flag", V3, C,
       packet(0x10, R"("MQTT" 04 42 00 3c "c" "pw")"), E::kPasswordWithoutUsername, R::kMalformedPacket},
      {"3.1.1 [MQTT-3.1.2-19]: user name flag set, user name missing", V3, C,
       packet(0x10, R"("MQTT" 04 82 00 3c "c")"), E::kTruncated, R::kMalformedPacket},
      {"v5 [MQTT-3.1.2-21]: password flag set, password missing", V5, C,
       packet(0x10, R"("MQTT" 05 c2 00 3c 00 "c" "u")"), E::kTruncated, R::kMalformedPacket},
      {"3.1.1 [MQTT-3.1.2-18]: user name present without its flag", V3, C,
       packet(0x10, R"("MQTT" 04 02 00 3c "c" "u")"), E::kTrailingBytes, R::kMalformedPacket},
      {"v5 [MQTT-3.1.2-20]: password present without its flag", V5, C,
       packet(0x10, R"("MQTT" 05 82 00 3c 00 "c" "u" "pw")"), E::kTrailingBytes, R::kMalformedPacket},
      {"3.1.1 [MQTT-3.1.2-9]: will flag set, will topic missing", V3, C, packet(0x10, R"("MQTT" 04 06 00 3c "c")"),
       E::kTruncated, R::kMalformedPacket},
      {"v5 [MQTT-3.1.2-9]: will flag set, will payload missing", V5, C,
       packet(0x10, R"("MQTT" 05 06 00 3c 00 "c" 00 "w")"), E::kTruncated, R::kMalformedPacket},
      {"3.1.1 [MQTT-3.1.3-3]: client id missing", V3, C, packet(0x10, R"("MQTT" 04 02 00 3c)"), E::kTruncated,
       R::kMalformedPacket},
      {"3.1.1 [MQTT-3.1.3-4]: client id not UTF-8", V3, C, packet(0x10, R"("MQTT" 04 02 00 3c 00 01 ff)"),
       E::kInvalidUtf8, R::kMalformedPacket},
      {"3.1.1 [MQTT-3.1.3-8]: empty client id with CleanSession 0", V3, C, packet(0x10, R"("MQTT" 04 00 00 3c "")"),
       E::kClientIdentifierInvalid, R::kClientIdentifierNotValid},
      {"3.1.1 [MQTT-3.1.3-9] + limit: client id longer than we accept", V3, C,
       packet(0x10, R"("MQTT" 04 02 00 3c "abcde")"), E::kClientIdentifierTooLong, R::kClientIdentifierNotValid,
       [](Limits& l) { l.max_client_id_length = 4; }},
      {"v5 [MQTT-3.1.3-8] + limit: client id longer than we accept", V5, C,
       packet(0x10, R"("MQTT" 05 02 00 3c 00 "abcde")"), E::kClientIdentifierTooLong, R::kClientIdentifierNotValid,
       [](Limits& l) { l.max_client_id_length = 4; }},
      {"3.1.1 [MQTT-3.1.3-10] + [MQTT-4.7.1-1]: will topic with wildcard", V3, C,
       packet(0x10, R"("MQTT" 04 06 00 3c "c" "w/#" "x")"), E::kTopicNameHasWildcard, R::kTopicNameInvalid},
      {"v5 [MQTT-3.1.3-9] + [MQTT-4.7.0-1]: will topic with wildcard", V5, C,
       packet(0x10, R"("MQTT" 05 06 00 3c 00 "c" 00 "w/+" "x")"), E::kTopicNameHasWildcard, R::kTopicNameInvalid},
      {"v5 [MQTT-4.7.3-1]: empty will topic", V5, C, packet(0x10, R"("MQTT" 05 06 00 3c 00 "c" 00 "" "x")"),
       E::kTopicNameEmpty, R::kProtocolError},
      {"v5 2.2.2.2: property not allowed in CONNECT (Server Keep Alive)", V5, C,
       packet(0x10, R"("MQTT" 05 02 00 3c [13 00 0a] "c")"), E::kPropertyNotAllowed, R::kMalformedPacket},
      {"v5 2.2.2.2: property not allowed in will properties (Topic Alias)", V5, C,
       packet(0x10, R"("MQTT" 05 06 00 3c 00 "c" [23 00 01] "w" "x")"), E::kPropertyNotAllowed,
       R::kMalformedPacket},
      {"v5 2.2.2.2: undefined property identifier", V5, C, packet(0x10, R"("MQTT" 05 02 00 3c [05 00] "c")"),
       E::kUnknownProperty, R::kMalformedPacket},
      {"v5 2.2.2.2 + [MQTT-1.5.5-1]: property identifier not a minimal varint", V5, C,
       packet(0x10, R"("MQTT" 05 02 00 3c [91 00 00 00 00 0a] "c")"), E::kMalformedVarint, R::kMalformedPacket},
      {"v5 2.2.2.1: Property Length beyond the packet", V5, C, packet(0x10, R"("MQTT" 05 02 00 3c 20 "c")"),
       E::kTruncated, R::kMalformedPacket},
      {"v5 2.2.2.1: Property Length not a minimal varint", V5, C, packet(0x10, R"("MQTT" 05 02 00 3c 80 00 "c")"),
       E::kMalformedVarint, R::kMalformedPacket},
      {"v5 2.2.2.2: property value cut short by Property Length", V5, C,
       packet(0x10, R"("MQTT" 05 02 00 3c [11 00 00] "c")"), E::kTruncated, R::kMalformedPacket},
      {"v5 3.1.2.11.2: Session Expiry Interval twice", V5, C,
       packet(0x10, R"("MQTT" 05 02 00 3c [11 00 00 00 01 11 00 00 00 02] "c")"), E::kDuplicateProperty,
       R::kProtocolError},
      {"v5 3.1.2.11.3: Receive Maximum 0", V5, C, packet(0x10, R"("MQTT" 05 02 00 3c [21 00 00] "c")"),
       E::kReceiveMaximumZero, R::kProtocolError},
      {"v5 3.1.2.11.4: Maximum Packet Size 0", V5, C, packet(0x10, R"("MQTT" 05 02 00 3c [27 00 00 00 00] "c")"),
       E::kMaximumPacketSizeZero, R::kProtocolError},
      {"v5 3.1.2.11.6: Request Response Information other than 0/1", V5, C,
       packet(0x10, R"("MQTT" 05 02 00 3c [19 02] "c")"), E::kPropertyValueInvalid, R::kProtocolError},
      {"v5 3.1.2.11.7: Request Problem Information other than 0/1", V5, C,
       packet(0x10, R"("MQTT" 05 02 00 3c [17 02] "c")"), E::kPropertyValueInvalid, R::kProtocolError},
      {"v5 3.1.2.11.10: Authentication Data without Authentication Method", V5, C,
       packet(0x10, R"("MQTT" 05 02 00 3c [16 "ab"] "c")"), E::kAuthDataWithoutMethod, R::kProtocolError},
      {"v5 3.1.3.2.3: will Payload Format Indicator other than 0/1", V5, C,
       packet(0x10, R"("MQTT" 05 06 00 3c 00 "c" [01 02] "w" "x")"), E::kPropertyValueInvalid, R::kProtocolError},
      {"v5 3.1.3.2.3 (MAY, opt-in): will payload marked UTF-8 is not", V5, C,
       packet(0x10, R"("MQTT" 05 06 00 3c 00 "c" [01 01] "w" 00 02 ff fe)"), E::kPayloadFormatInvalid,
       R::kPayloadFormatInvalid, [](Limits& l) { l.validate_utf8_payloads = true; }},
      {"v5 3.1.3.2.2: Will Delay Interval twice", V5, C,
       packet(0x10, R"("MQTT" 05 06 00 3c 00 "c" [18 00 00 00 01 18 00 00 00 01] "w" "x")"),
       E::kDuplicateProperty, R::kProtocolError},
      {"limit: more properties than accepted", V5, C,
       packet(0x10, R"("MQTT" 05 02 00 3c [11 00 00 00 01 21 00 05] "c")"), E::kTooManyProperties,
       R::kImplementationSpecificError, [](Limits& l) { l.max_properties = 1; }},

      // ---- CONNACK (server to client) ----------------------------------------------------------
      {"3.1.1 3.2.2.1: CONNACK flags bits 7-1 reserved", V3, S, wire("20 02 02 00"), E::kConnackReservedFlags,
       R::kMalformedPacket},
      {"v5 [MQTT-3.2.2-1]: CONNACK flags bits 7-1 reserved", V5, S, wire("20 03 80 00 00"),
       E::kConnackReservedFlags, R::kMalformedPacket},
      {"3.1.1 [MQTT-3.2.2-4]: session present with a refusal", V3, S, wire("20 02 01 05"),
       E::kSessionPresentOnError, R::kProtocolError},
      {"v5 [MQTT-3.2.2-6]: session present with a refusal", V5, S, wire("20 03 01 87 00"),
       E::kSessionPresentOnError, R::kProtocolError},
      {"3.1.1 3.2.2.3: return codes 6-255 are reserved", V3, S, wire("20 02 00 06"), E::kInvalidReasonCode,
       R::kProtocolError},
      {"v5 [MQTT-3.2.2-8]: reason code not in table 3-1", V5, S, wire("20 03 00 10 00"), E::kInvalidReasonCode,
       R::kProtocolError},
      {"3.1.1 3.2: CONNACK Remaining Length is 2", V3, S, wire("20 03 00 00 00"), E::kTrailingBytes,
       R::kMalformedPacket},
      {"v5 3.2.2.3.4: Maximum QoS other than 0/1", V5, S, packet(0x20, "00 00 [24 02]"), E::kPropertyValueInvalid,
       R::kProtocolError},
      {"v5 3.2.2.3.5: Retain Available other than 0/1", V5, S, packet(0x20, "00 00 [25 02]"),
       E::kPropertyValueInvalid, R::kProtocolError},
      {"v5 3.2.2.3.11: Wildcard Subscription Available other than 0/1", V5, S, packet(0x20, "00 00 [28 05]"),
       E::kPropertyValueInvalid, R::kProtocolError},
      {"v5 3.2.2.3.12: Subscription Identifiers Available other than 0/1", V5, S, packet(0x20, "00 00 [29 02]"),
       E::kPropertyValueInvalid, R::kProtocolError},
      {"v5 3.2.2.3.13: Shared Subscription Available other than 0/1", V5, S, packet(0x20, "00 00 [2a ff]"),
       E::kPropertyValueInvalid, R::kProtocolError},
      {"v5 3.2.2.3.3: Receive Maximum 0", V5, S, packet(0x20, "00 00 [21 00 00]"), E::kReceiveMaximumZero,
       R::kProtocolError},
      {"v5 3.2.2.3.6: Maximum Packet Size 0", V5, S, packet(0x20, "00 00 [27 00 00 00 00]"),
       E::kMaximumPacketSizeZero, R::kProtocolError},
      {"v5 3.2.2.3.8: Topic Alias Maximum twice", V5, S, packet(0x20, "00 00 [22 00 01 22 00 01]"),
       E::kDuplicateProperty, R::kProtocolError},
      {"v5 2.2.2.2: property not allowed in CONNACK (Will Delay Interval)", V5, S,
       packet(0x20, "00 00 [18 00 00 00 01]"), E::kPropertyNotAllowed, R::kMalformedPacket},

      // ---- PUBLISH ---------------------------------------------------------------------------
      {"3.1.1 [MQTT-3.3.2-2], [MQTT-4.7.1-1]: topic name with '#'", V3, C, packet(0x30, R"("a/#")"),
       E::kTopicNameHasWildcard, R::kTopicNameInvalid},
      {"v5 [MQTT-3.3.2-2], [MQTT-4.7.0-1]: topic name with '+'", V5, C, packet(0x30, R"("a/+/b" 00)"),
       E::kTopicNameHasWildcard, R::kTopicNameInvalid},
      {"3.1.1 [MQTT-4.7.3-1]: empty topic name", V3, C, packet(0x30, R"("" 'x')"), E::kTopicNameEmpty,
       R::kProtocolError},
      {"v5 3.3.2.1 + [MQTT-4.7.3-1]: empty topic name without Topic Alias", V5, C, packet(0x30, R"("" 00 'x')"),
       E::kTopicNameEmpty, R::kProtocolError},
      {"3.1.1 [MQTT-3.3.2-1]: topic name missing", V3, C, wire("30 01 00"), E::kTruncated, R::kMalformedPacket},
      {"3.1.1 [MQTT-2.3.1-1]: QoS 1 PUBLISH with packet id 0", V3, C, packet(0x32, R"("t" 00 00)"),
       E::kPacketIdentifierZero, R::kProtocolError},
      {"v5 [MQTT-2.2.1-3]: QoS 2 PUBLISH with packet id 0", V5, C, packet(0x34, R"("t" 00 00 00)"),
       E::kPacketIdentifierZero, R::kProtocolError},
      {"3.1.1 2.3.1: QoS 1 PUBLISH without packet id", V3, C, packet(0x32, R"("t" 00)"), E::kTruncated,
       R::kMalformedPacket},
      {"v5 [MQTT-3.3.2-8]: Topic Alias 0", V5, C, packet(0x30, R"("" [23 00 00])"), E::kTopicAliasInvalid,
       R::kTopicAliasInvalid},
      {"v5 [MQTT-3.3.2-12], [MQTT-3.2.2-17] + limit: Topic Alias above our maximum", V5, C,
       packet(0x30, R"("t" [23 00 0b])"), E::kTopicAliasInvalid, R::kTopicAliasInvalid,
       [](Limits& l) { l.topic_alias_maximum = 10; }},
      {"v5 3.3.2.3.4: Topic Alias twice", V5, C, packet(0x30, R"("t" [23 00 01 23 00 02])"), E::kDuplicateProperty,
       R::kProtocolError},
      {"v5 [MQTT-3.3.4-6]: Subscription Identifier in a client's PUBLISH", V5, C, packet(0x30, R"("t" [0b 01])"),
       E::kSubscriptionIdentifierFromClient, R::kProtocolError},
      {"v5 3.3.2.3.8: Subscription Identifier 0", V5, S, packet(0x30, R"("t" [0b 00])"),
       E::kSubscriptionIdentifierZero, R::kProtocolError},
      {"v5 [MQTT-3.3.2-14]: Response Topic with wildcard", V5, C, packet(0x30, R"("t" [08 "r/#"])"),
       E::kResponseTopicInvalid, R::kProtocolError},
      {"v5 [MQTT-3.3.2-13]: Response Topic not UTF-8", V5, C, packet(0x30, R"("t" [08 00 01 ff])"),
       E::kInvalidUtf8, R::kMalformedPacket},
      {"v5 [MQTT-3.3.2-19]: Content Type not UTF-8", V5, C, packet(0x30, R"("t" [03 00 02 c3 28])"),
       E::kInvalidUtf8, R::kMalformedPacket},
      {"v5 3.3.2.3.2: Payload Format Indicator other than 0/1", V5, C, packet(0x30, R"("t" [01 02])"),
       E::kPropertyValueInvalid, R::kProtocolError},
      {"v5 3.3.2.3.2 (MAY, opt-in): payload marked UTF-8 is not", V5, C, packet(0x30, R"("t" [01 01] ff fe)"),
       E::kPayloadFormatInvalid, R::kPayloadFormatInvalid, [](Limits& l) { l.validate_utf8_payloads = true; }},
      {"v5 3.3.2.3.3: Message Expiry Interval twice", V5, C,
       packet(0x30, R"("t" [02 00 00 00 01 02 00 00 00 01])"), E::kDuplicateProperty, R::kProtocolError},
      {"v5 3.3.2.3.6: Correlation Data twice", V5, C, packet(0x30, R"("t" [09 "a" 09 "b"])"), E::kDuplicateProperty,
       R::kProtocolError},
      {"v5 2.2.2.2: property not allowed in PUBLISH (Session Expiry Interval)", V5, C,
       packet(0x30, R"("t" [11 00 00 00 01])"), E::kPropertyNotAllowed, R::kMalformedPacket},
      {"limit: topic name longer than accepted", V3, C, packet(0x30, R"("abcd")"), E::kTopicNameTooLong,
       R::kTopicNameInvalid, [](Limits& l) { l.max_topic_length = 3; }},
      {"limit: more user properties than accepted", V5, C, packet(0x30, R"("t" [26 "a" "b" 26 "c" "d"])"),
       E::kTooManyUserProperties, R::kImplementationSpecificError, [](Limits& l) { l.max_user_properties = 1; }},
      {"limit: more subscription identifiers than accepted", V5, S, packet(0x30, R"("t" [0b 01 0b 02])"),
       E::kTooManySubscriptionIdentifiers, R::kImplementationSpecificError,
       [](Limits& l) { l.max_subscription_identifiers = 1; }},

      // ---- PUBACK, PUBREC, PUBREL, PUBCOMP -------------------------------------------------------
      {"3.1.1 [MQTT-2.3.1-6]: PUBACK with packet id 0", V3, C, wire("40 02 00 00"), E::kPacketIdentifierZero,
       R::kProtocolError},
      {"v5 [MQTT-2.2.1-5]: PUBCOMP with packet id 0", V5, C, wire("70 02 00 00"), E::kPacketIdentifierZero,
       R::kProtocolError},
      {"3.1.1 3.4.1: PUBACK Remaining Length is 2", V3, C, wire("40 03 00 01 00"), E::kTrailingBytes,
       R::kMalformedPacket},
      {"3.1.1 3.5.1: PUBREC missing its packet id", V3, C, wire("50 01 00"), E::kTruncated, R::kMalformedPacket},
      {"v5 [MQTT-3.4.2-1]: PUBACK reason code not in table 3-4", V5, C, wire("40 03 00 01 92"),
       E::kInvalidReasonCode, R::kProtocolError},
      {"v5 [MQTT-3.5.2-1]: PUBREC reason code not in table 3-5", V5, C, wire("50 03 00 01 81"),
       E::kInvalidReasonCode, R::kProtocolError},
      {"v5 [MQTT-3.6.2-1]: PUBREL reason code not in table 3-6", V5, C, wire("62 03 00 01 10"),
       E::kInvalidReasonCode, R::kProtocolError},
      {"v5 [MQTT-3.7.2-1]: PUBCOMP reason code not in table 3-7", V5, C, wire("70 03 00 01 80"),
       E::kInvalidReasonCode, R::kProtocolError},
      {"v5 2.2.2.2: property not allowed in PUBACK (Topic Alias)", V5, C, packet(0x40, "00 01 00 [23 00 01]"),
       E::kPropertyNotAllowed, R::kMalformedPacket},
      {"v5 3.4.2.2.2: Reason String twice", V5, C, packet(0x40, R"(00 01 80 [1f "a" 1f "b"])"),
       E::kDuplicateProperty, R::kProtocolError},
      {"v5 3.4.2.2: bytes after the properties", V5, C, packet(0x40, R"(00 01 80 [] 00)"), E::kTrailingBytes,
       R::kMalformedPacket},

      // ---- SUBSCRIBE -------------------------------------------------------------------------
      {"3.1.1 [MQTT-3.8.3-3]: SUBSCRIBE without topic filters", V3, C, wire("82 02 00 01"), E::kNoTopicFilters,
       R::kProtocolError},
      {"v5 [MQTT-3.8.3-2]: SUBSCRIBE without topic filters", V5, C, wire("82 03 00 01 00"), E::kNoTopicFilters,
       R::kProtocolError},
      {"3.1.1 [MQTT-2.3.1-1]: SUBSCRIBE with packet id 0", V3, C, packet(0x82, R"(00 00 "a" 00)"),
       E::kPacketIdentifierZero, R::kProtocolError},
      {"v5 [MQTT-2.2.1-3]: SUBSCRIBE with packet id 0", V5, C, packet(0x82, R"(00 00 00 "a" 00)"),
       E::kPacketIdentifierZero, R::kProtocolError},
      {"3.1.1 [MQTT-3.8.3-4]: reserved bits of the requested QoS byte", V3, C, packet(0x82, R"(00 01 "a" 04)"),
       E::kSubscriptionOptionsReserved, R::kMalformedPacket},
      {"3.1.1 [MQTT-3.8.3-4]: requested QoS 3", V3, C, packet(0x82, R"(00 01 "a" 03)"),
       E::kSubscriptionQosInvalid, R::kProtocolError},
      {"v5 [MQTT-3.8.3-5]: reserved bits of the Subscription Options", V5, C, packet(0x82, R"(00 01 00 "a" 40)"),
       E::kSubscriptionOptionsReserved, R::kMalformedPacket},
      {"v5 3.8.3.1: Maximum QoS 3", V5, C, packet(0x82, R"(00 01 00 "a" 03)"), E::kSubscriptionQosInvalid,
       R::kProtocolError},
      {"v5 3.8.3.1: Retain Handling 3", V5, C, packet(0x82, R"(00 01 00 "a" 30)"), E::kRetainHandlingInvalid,
       R::kProtocolError},
      {"v5 [MQTT-3.8.3-4]: No Local on a shared subscription", V5, C, packet(0x82, R"(00 01 00 "$share/g/a" 04)"),
       E::kNoLocalOnSharedSubscription, R::kProtocolError},
      {"3.1.1 [MQTT-3.8.3-1]: topic filter not UTF-8", V3, C, packet(0x82, "00 01 00 01 ff 00"), E::kInvalidUtf8,
       R::kMalformedPacket},
      {"v5 3.8.3: topic filter without its options byte", V5, C, packet(0x82, R"(00 01 00 "a")"), E::kTruncated,
       R::kMalformedPacket},
      {"3.1.1 [MQTT-4.7.1-2]: '#' not last", V3, C, packet(0x82, R"(00 01 "a/#/b" 00)"),
       E::kMultiLevelWildcardMisplaced, R::kTopicFilterInvalid},
      {"v5 [MQTT-4.7.1-1]: '#' not alone in its level", V5, C, packet(0x82, R"(00 01 00 "a/b#" 00)"),
       E::kMultiLevelWildcardMisplaced, R::kTopicFilterInvalid},
      {"3.1.1 [MQTT-4.7.1-3]: '+' not alone in its level", V3, C, packet(0x82, R"(00 01 "a+" 00)"),
       E::kSingleLevelWildcardMisplaced, R::kTopicFilterInvalid},
      {"v5 [MQTT-4.7.1-2]: '+' not alone in its level", V5, C, packet(0x82, R"(00 01 00 "a/+b/c" 00)"),
       E::kSingleLevelWildcardMisplaced, R::kTopicFilterInvalid},
      {"3.1.1 [MQTT-4.7.3-1]: empty topic filter", V3, C, packet(0x82, R"(00 01 "" 00)"), E::kTopicFilterEmpty,
       R::kTopicFilterInvalid},
      {"v5 [MQTT-4.8.2-1]: empty ShareName", V5, C, packet(0x82, R"(00 01 00 "$share//a" 00)"),
       E::kShareNameInvalid, R::kTopicFilterInvalid},
      {"v5 [MQTT-4.8.2-2]: ShareName with '+'", V5, C, packet(0x82, R"(00 01 00 "$share/g+/a" 00)"),
       E::kShareNameInvalid, R::kTopicFilterInvalid},
      {"v5 [MQTT-4.8.2-2]: ShareName not followed by '/'", V5, C, packet(0x82, R"(00 01 00 "$share/g" 00)"),
       E::kSharedFilterMissing, R::kTopicFilterInvalid},
      {"v5 [MQTT-4.8.2-2]: '/' after the ShareName not followed by a filter", V5, C,
       packet(0x82, R"(00 01 00 "$share/g/" 00)"), E::kSharedFilterMissing, R::kTopicFilterInvalid},
      {"v5 [MQTT-4.7.1-1] within $share: '#' not last", V5, C, packet(0x82, R"(00 01 00 "$share/g/#/a" 00)"),
       E::kMultiLevelWildcardMisplaced, R::kTopicFilterInvalid},
      {"v5 3.8.2.1.2: Subscription Identifier 0", V5, C, packet(0x82, R"(00 01 [0b 00] "a" 00)"),
       E::kSubscriptionIdentifierZero, R::kProtocolError},
      {"v5 3.8.2.1.2: Subscription Identifier twice", V5, C, packet(0x82, R"(00 01 [0b 01 0b 02] "a" 00)"),
       E::kDuplicateProperty, R::kProtocolError},
      {"v5 2.2.2.2: property not allowed in SUBSCRIBE (Reason String)", V5, C,
       packet(0x82, R"(00 01 [1f "x"] "a" 00)"), E::kPropertyNotAllowed, R::kMalformedPacket},
      {"limit: more topic filters than accepted", V3, C, packet(0x82, R"(00 01 "a" 00 "b" 00)"),
       E::kTooManyTopicFilters, R::kImplementationSpecificError, [](Limits& l) { l.max_topic_filters = 1; }},
      {"limit: topic filter longer than accepted", V5, C, packet(0x82, R"(00 01 00 "abcd" 00)"),
       E::kTopicFilterTooLong, R::kTopicFilterInvalid, [](Limits& l) { l.max_topic_length = 3; }},

      // ---- SUBACK (server to client) -----------------------------------------------------------
      {"3.1.1 [MQTT-3.9.3-2]: SUBACK return code 0x03", V3, S, wire("90 03 00 01 03"), E::kInvalidReasonCode,
       R::kProtocolError},
      {"v5 [MQTT-3.9.3-2]: SUBACK reason code not in table 3-8", V5, S, wire("90 04 00 01 00 11"),
       E::kInvalidReasonCode, R::kProtocolError},
      {"3.1.1 [MQTT-3.8.4-5]: SUBACK without return codes", V3, S, wire("90 02 00 01"), E::kNoReasonCodes,
       R::kProtocolError},
      {"v5 2.2.1: SUBACK with packet id 0", V5, S, wire("90 04 00 00 00 00"), E::kPacketIdentifierZero,
       R::kProtocolError},

      // ---- UNSUBSCRIBE / UNSUBACK ------------------------------------------------------------
      {"3.1.1 [MQTT-3.10.3-2]: UNSUBSCRIBE without topic filters", V3, C, wire("a2 02 00 01"), E::kNoTopicFilters,
       R::kProtocolError},
      {"v5 [MQTT-3.10.3-2]: UNSUBSCRIBE without topic filters", V5, C, wire("a2 03 00 01 00"), E::kNoTopicFilters,
       R::kProtocolError},
      {"3.1.1 [MQTT-2.3.1-1]: UNSUBSCRIBE with packet id 0", V3, C, packet(0xa2, R"(00 00 "a")"),
       E::kPacketIdentifierZero, R::kProtocolError},
      {"3.1.1 [MQTT-3.10.3-1]: topic filter not UTF-8", V3, C, packet(0xa2, "00 01 00 01 ff"), E::kInvalidUtf8,
       R::kMalformedPacket},
      {"v5 [MQTT-4.7.1-1]: '#' not last in an UNSUBSCRIBE filter", V5, C, packet(0xa2, R"(00 01 00 "#/a")"),
       E::kMultiLevelWildcardMisplaced, R::kTopicFilterInvalid},
      {"v5 2.2.2.2: property not allowed in UNSUBSCRIBE (Subscription Identifier)", V5, C,
       packet(0xa2, R"(00 01 [0b 01] "a")"), E::kPropertyNotAllowed, R::kMalformedPacket},
      {"3.1.1 3.11.1: UNSUBACK Remaining Length is 2", V3, S, wire("b0 03 00 01 00"), E::kTrailingBytes,
       R::kMalformedPacket},
      {"v5 [MQTT-3.11.3-2]: UNSUBACK reason code not in table 3-9", V5, S, wire("b0 04 00 01 00 01"),
       E::kInvalidReasonCode, R::kProtocolError},
      {"v5 [MQTT-3.11.3-1]: UNSUBACK without reason codes", V5, S, wire("b0 03 00 01 00"), E::kNoReasonCodes,
       R::kProtocolError},

      // ---- DISCONNECT ------------------------------------------------------------------------
      {"3.1.1 3.14.1: DISCONNECT Remaining Length is 0", V3, C, wire("e0 01 00"), E::kTrailingBytes,
       R::kMalformedPacket},
      {"v5 [MQTT-3.14.2-1]: DISCONNECT reason code not in table 3-10", V5, C, wire("e0 01 01"),
       E::kInvalidReasonCode, R::kProtocolError},
      {"v5 [MQTT-3.14.2-2]: Session Expiry Interval in a server DISCONNECT", V5, S,
       packet(0xe0, "00 [11 00 00 00 00]"), E::kSessionExpiryFromServer, R::kProtocolError},
      {"v5 2.2.2.2: property not allowed in DISCONNECT (Topic Alias)", V5, C, packet(0xe0, "00 [23 00 01]"),
       E::kPropertyNotAllowed, R::kMalformedPacket},
      {"v5 3.14.2.2.4: Server Reference twice", V5, S, packet(0xe0, R"(9c [1c "a" 1c "b"])"), E::kDuplicateProperty,
       R::kProtocolError},

      // ---- AUTH ------------------------------------------------------------------------------
      {"v5 [MQTT-3.15.2-1]: AUTH reason code not in table 3-11", V5, C, wire("f0 02 01 00"), E::kInvalidReasonCode,
       R::kProtocolError},
      {"v5 3.15.2.2.2: AUTH without Authentication Method", V5, C, wire("f0 02 18 00"), E::kAuthMethodMissing,
       R::kProtocolError},
      {"v5 3.15.2.2.3: AUTH with data but no method", V5, S, packet(0xf0, R"(18 [16 "ab"])"),
       E::kAuthDataWithoutMethod, R::kProtocolError},
      {"v5 2.2.2.2: property not allowed in AUTH (Receive Maximum)", V5, C,
       packet(0xf0, R"(18 [15 "m" 21 00 01])"), E::kPropertyNotAllowed, R::kMalformedPacket},
  };
}

TEST_CASE("malformed input: one row per spec rule", "[mqtt][malformed]") {
  std::size_t count = 0;
  std::set<DecodeError> seen;
  for (const Row& row : rows()) {
    INFO(row.rule << "\nbytes: " << to_hex(row.bytes));
    DecodeOptions options;
    options.version = row.version;
    options.sender = row.from;
    if (row.tune) row.tune(options.limits);
    const DecodeResult r = decode(row.bytes, options);
    REQUIRE(r.status == DecodeStatus::kError);
    CHECK(r.error == row.error);
    CHECK(reason_code_for(r.error) == row.reason);
    CHECK_FALSE(describe(r.error).empty());
    // Every prefix either waits for more or already fails the same way: splitting never changes the verdict.
    for (std::size_t cut = 0; cut < row.bytes.size(); ++cut) {
      const DecodeResult part = decode(std::span(row.bytes).first(cut), options);
      if (part.status == DecodeStatus::kError) CHECK(part.error == row.error);
      else CHECK(part.status == DecodeStatus::kNeedMore);
    }
    seen.insert(row.error);
    ++count;
  }
  // Every error the decoder can return has at least one row (kNone and kOutOfMemory excepted).
  for (int e = 1; e < static_cast<int>(DecodeError::kOutOfMemory); ++e) {
    INFO("no row for " << name_of(static_cast<DecodeError>(e)));
    CHECK(seen.count(static_cast<DecodeError>(e)) == 1);
  }
  WARN(count << " malformed-input rows");
}

TEST_CASE("what to do about an error depends on version and packet", "[mqtt][malformed]") {
  using Resp = ErrorResponse;
  // 3.1.1: close, but CONNACK 0x01 for a bad level [MQTT-3.1.2-2] and 0x02 for a rejected id [MQTT-3.1.3-9].
  CHECK(action_for(E::kUnsupportedProtocolVersion, V3, PacketType::kConnect) ==
        ErrorAction{Resp::kConnackThenClose, V3, 0x01});
  CHECK(action_for(E::kClientIdentifierInvalid, V3, PacketType::kConnect) ==
        ErrorAction{Resp::kConnackThenClose, V3, 0x02});
  CHECK(action_for(E::kClientIdentifierTooLong, V3, PacketType::kConnect) ==
        ErrorAction{Resp::kConnackThenClose, V3, 0x02});
  CHECK(action_for(E::kConnectReservedFlag, V3, PacketType::kConnect).response == Resp::kClose);
  CHECK(action_for(E::kTopicNameHasWildcard, V3, PacketType::kPublish).response == Resp::kClose);
  // v5: CONNACK with the reason code for CONNECT errors, DISCONNECT for the rest (4.13).
  CHECK(action_for(E::kReceiveMaximumZero, V5, PacketType::kConnect) ==
        ErrorAction{Resp::kConnackThenClose, V5, 0x82});
  CHECK(action_for(E::kTopicNameHasWildcard, V5, PacketType::kPublish) ==
        ErrorAction{Resp::kDisconnectThenClose, V5, 0x90});
  CHECK(action_for(E::kPacketTooLarge, V5, PacketType::kPublish) ==
        ErrorAction{Resp::kDisconnectThenClose, V5, 0x95});
  CHECK(action_for(E::kProtocolNameInvalid, V5, PacketType::kConnect).response == Resp::kClose);

  // The decoder reports the version to answer in: a CONNECT's own level, or 3.1.1 when it is unusable.
  DecodeOptions options;  // session version defaults to v5
  DecodeResult r = decode(packet(0x10, R"("MQTT" 06 02 00 3c 00 "c")"), options);
  CHECK(r.version == V3);
  CHECK(action_for(r.error, r.version, r.packet_type) == ErrorAction{Resp::kConnackThenClose, V3, 0x01});
  options.version = V3;
  r = decode(packet(0x10, R"("MQTT" 05 02 00 3c [21 00 00] "c")"), options);
  CHECK(r.version == V5);
  CHECK(r.packet_type == PacketType::kConnect);
  CHECK(action_for(r.error, r.version, r.packet_type) == ErrorAction{Resp::kConnackThenClose, V5, 0x82});
}

TEST_CASE("control characters pass unless the limit asks otherwise", "[mqtt][malformed]") {
  // 1.5.4 lets a receiver accept them, so by default we do.
  const auto bytes = packet(0x30, "00 03 61 0a 62 'x'");
  const DecodeResult r = decode(bytes, options_for(V3, C));
  REQUIRE(r.status == DecodeStatus::kOk);
  CHECK(std::get<Publish>(r.packet).topic == "a\nb");
  // U+FEFF is a character like any other and is kept [MQTT-1.5.4-3].
  const DecodeResult bom = decode(packet(0x30, "00 04 ef bb bf 61"), options_for(V3, C));
  REQUIRE(bom.status == DecodeStatus::kOk);
  CHECK(std::get<Publish>(bom.packet).topic == "\xEF\xBB\xBF" "a");
}

}  // namespace
}  // namespace herald::mqtt::test
