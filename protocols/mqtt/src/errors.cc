// Decode errors: their MQTT 5 reason codes, texts, and the response each version prescribes.
#include "herald/mqtt/errors.h"

namespace herald::mqtt {

ReasonCode reason_code_for(DecodeError error) {
  switch (error) {
#define HERALD_MQTT_REASON_(name, reason, text) \
  case DecodeError::name: return ReasonCode::reason;
    HERALD_MQTT_DECODE_ERRORS(HERALD_MQTT_REASON_)
#undef HERALD_MQTT_REASON_
  }
  return ReasonCode::kUnspecifiedError;
}

std::string_view describe(DecodeError error) {
  switch (error) {
#define HERALD_MQTT_TEXT_(name, reason, text) \
  case DecodeError::name: return text;
    HERALD_MQTT_DECODE_ERRORS(HERALD_MQTT_TEXT_)
#undef HERALD_MQTT_TEXT_
  }
  return "unknown decode error";
}

std::string_view name_of(DecodeError error) {
  switch (error) {
#define HERALD_MQTT_NAME_(name, reason, text) \
  case DecodeError::name: return std::string_view(#name).substr(1);
    HERALD_MQTT_DECODE_ERRORS(HERALD_MQTT_NAME_)
#undef HERALD_MQTT_NAME_
  }
  return "Unknown";
}

ErrorAction action_for(DecodeError error, ProtocolVersion version, PacketType packet_type) {
  constexpr auto kClose = ErrorAction{ErrorResponse::kClose, ProtocolVersion::v311, 0};
  // Not the peer's fault, or not MQTT at all (we do not reveal ourselves: 3.1.2.1 makes that a MAY).
  if (error == DecodeError::kNone || error == DecodeError::kOutOfMemory || error == DecodeError::kProtocolNameInvalid)
    return kClose;
  if (version == ProtocolVersion::v311) {
    // 3.1.1 closes on every protocol violation [MQTT-4.8.0-1], except these CONNECT refusals.
    if (packet_type != PacketType::kConnect) return kClose;
    switch (error) {
      case DecodeError::kUnsupportedProtocolVersion:  // [MQTT-3.1.2-2]
        return {ErrorResponse::kConnackThenClose, ProtocolVersion::v311,
                static_cast<std::uint8_t>(ConnectReturnCode::kUnacceptableProtocolVersion)};
      case DecodeError::kClientIdentifierInvalid:  // [MQTT-3.1.3-8]
      case DecodeError::kClientIdentifierTooLong:  // [MQTT-3.1.3-9]
        return {ErrorResponse::kConnackThenClose, ProtocolVersion::v311,
                static_cast<std::uint8_t>(ConnectReturnCode::kIdentifierRejected)};
      default:
        return kClose;  // [MQTT-3.1.4-1]: close without CONNACK
    }
  }
  // MQTT 5 section 4.13: the reason code goes in a CONNACK for CONNECT, otherwise in a DISCONNECT.
  const auto code = static_cast<std::uint8_t>(reason_code_for(error));
  if (packet_type == PacketType::kConnect) return {ErrorResponse::kConnackThenClose, ProtocolVersion::v5, code};
  return {ErrorResponse::kDisconnectThenClose, ProtocolVersion::v5, code};
}

}  // namespace herald::mqtt
