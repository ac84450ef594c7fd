// Reason codes: every MQTT 5 value is named, and values agree with Herald's shared registry.
#include "herald/reason_codes.h"

#include "test_util.h"

namespace herald::mqtt::test {
namespace {

TEST_CASE("reason code values match core/include/herald/reason_codes.h", "[mqtt][reason]") {
  struct Entry {
    const char* name;
    unsigned value;
    unsigned mqtt5;
  };
  const std::vector<Entry> registry = {
#define HERALD_MQTT_TEST_ENTRY_(name, value, mqtt5, text) {#name, value, mqtt5},
      HERALD_REASON_CODES(HERALD_MQTT_TEST_ENTRY_)
#undef HERALD_MQTT_TEST_ENTRY_
  };
  for (const Entry& e : registry) {
    INFO(e.name);
    // Every code the registry maps to MQTT 5 is one our enum names.
    CHECK(to_string(static_cast<ReasonCode>(e.mqtt5)) != "unknown");
    if (e.value < 0x100) CHECK(e.value == e.mqtt5);
  }
  CHECK(static_cast<unsigned>(ReasonCode::kMalformedPacket) == HERALD_REASON_MALFORMED);
  CHECK(static_cast<unsigned>(ReasonCode::kProtocolError) == HERALD_REASON_PROTOCOL_ERROR);
  CHECK(static_cast<unsigned>(ReasonCode::kTopicNameInvalid) == HERALD_REASON_TOPIC_NAME_INVALID);
  CHECK(static_cast<unsigned>(ReasonCode::kTopicFilterInvalid) == HERALD_REASON_TOPIC_FILTER_INVALID);
  CHECK(static_cast<unsigned>(ReasonCode::kPacketTooLarge) == HERALD_REASON_PACKET_TOO_LARGE);
  CHECK(static_cast<unsigned>(ReasonCode::kTopicAliasInvalid) == HERALD_REASON_TOPIC_ALIAS_INVALID);
  CHECK(static_cast<unsigned>(ReasonCode::kUnsupportedProtocolVersion) == HERALD_REASON_UNSUPPORTED_VERSION);
  CHECK(static_cast<unsigned>(ReasonCode::kClientIdentifierNotValid) == HERALD_REASON_CLIENT_ID_INVALID);
  CHECK(static_cast<unsigned>(ReasonCode::kPayloadFormatInvalid) == HERALD_REASON_PAYLOAD_FORMAT_INVALID);
  CHECK(static_cast<unsigned>(ReasonCode::kQuotaExceeded) == HERALD_REASON_QUOTA_EXCEEDED);
}

TEST_CASE("all 43 MQTT 5 reason code values are named", "[mqtt][reason]") {
  int named = 0;
  for (int v = 0; v < 256; ++v) named += to_string(static_cast<ReasonCode>(v)) != "unknown";
  CHECK(named == 43);
}

TEST_CASE("every decode error maps to a reason code the spec allows where it is sent", "[mqtt][reason]") {
  // Errors only a CONNECT can raise travel in a CONNACK; every other one may travel in a DISCONNECT.
  const std::set<DecodeError> connect_only = {DecodeError::kProtocolNameInvalid, DecodeError::kUnsupportedProtocolVersion,
                                              DecodeError::kClientIdentifierInvalid,
                                              DecodeError::kClientIdentifierTooLong};
  for (int e = 1; e <= static_cast<int>(DecodeError::kOutOfMemory); ++e) {
    const auto error = static_cast<DecodeError>(e);
    INFO(name_of(error));
    const ReasonCode code = reason_code_for(error);
    CHECK(static_cast<unsigned>(code) >= 0x80);
    CHECK(reason_code_allowed(connect_only.count(error) ? PacketType::kConnack : PacketType::kDisconnect, code));
  }
  // Errors a CONNECT can raise fit table 3-1, as a CONNACK carries them.
  for (const DecodeError e : {DecodeError::kMalformedVarint, DecodeError::kPacketTooLarge, DecodeError::kInvalidUtf8,
                              DecodeError::kProtocolNameInvalid, DecodeError::kUnsupportedProtocolVersion,
                              DecodeError::kClientIdentifierInvalid, DecodeError::kClientIdentifierTooLong,
                              DecodeError::kTopicNameHasWildcard, DecodeError::kReceiveMaximumZero,
                              DecodeError::kPayloadFormatInvalid, DecodeError::kTooManyUserProperties}) {
    INFO(name_of(e));
    CHECK(reason_code_allowed(PacketType::kConnack, reason_code_for(e)));
  }
}

TEST_CASE("3.1.1 CONNACK return codes map both ways", "[mqtt][reason]") {
  for (std::uint8_t rc = 0; rc <= 5; ++rc) {
    const std::optional<ReasonCode> reason = from_connect_return_code(rc);
    REQUIRE(reason);
    CHECK(static_cast<std::uint8_t>(to_connect_return_code(*reason)) == rc);
  }
  CHECK_FALSE(from_connect_return_code(6));
  CHECK(to_connect_return_code(ReasonCode::kServerBusy) == ConnectReturnCode::kServerUnavailable);
}

}  // namespace
}  // namespace herald::mqtt::test
