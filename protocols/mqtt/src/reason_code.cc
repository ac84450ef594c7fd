// Reason code names, the per-packet lists of MQTT 5 (section 2.4 and each packet's Reason Code table),
// and the mapping to 3.1.1 CONNACK return codes.
#include "herald/mqtt/reason_code.h"

#include <algorithm>
#include <initializer_list>

namespace herald::mqtt {

std::string_view to_string(ReasonCode code) {
  switch (code) {
    case ReasonCode::kSuccess: return "success";
    case ReasonCode::kGrantedQos1: return "granted qos 1";
    case ReasonCode::kGrantedQos2: return "granted qos 2";
    case ReasonCode::kDisconnectWithWillMessage: return "disconnect with will message";
    case ReasonCode::kNoMatchingSubscribers: return "no matching subscribers";
    case ReasonCode::kNoSubscriptionExisted: return "no subscription existed";
    case ReasonCode::kContinueAuthentication: return "continue authentication";
    case ReasonCode::kReAuthenticate: return "re-authenticate";
    case ReasonCode::kUnspecifiedError: return "unspecified error";
    case ReasonCode::kMalformedPacket: return "malformed packet";
    case ReasonCode::kProtocolError: return "protocol error";
    case ReasonCode::kImplementationSpecificError: return "implementation specific error";
    case ReasonCode::kUnsupportedProtocolVersion: return "unsupported protocol version";
    case ReasonCode::kClientIdentifierNotValid: return "client identifier not valid";
    case ReasonCode::kBadUserNameOrPassword: return "bad user name or password";
    case ReasonCode::kNotAuthorized: return "not authorized";
    case ReasonCode::kServerUnavailable: return "server unavailable";
    case ReasonCode::kServerBusy: return "server busy";
    case ReasonCode::kBanned: return "banned";
    case ReasonCode::kServerShuttingDown: return "server shutting down";
    case ReasonCode::kBadAuthenticationMethod: return "bad authentication method";
    case ReasonCode::kKeepAliveTimeout: return "keep alive timeout";
    case ReasonCode::kSessionTakenOver: return "session taken over";
    case ReasonCode::kTopicFilterInvalid: return "topic filter invalid";
    case ReasonCode::kTopicNameInvalid: return "topic name invalid";
    case ReasonCode::kPacketIdentifierInUse: return "packet identifier in use";
    case ReasonCode::kPacketIdentifierNotFound: return "packet identifier not found";
    case ReasonCode::kReceiveMaximumExceeded: return "receive maximum exceeded";
    case ReasonCode::kTopicAliasInvalid: return "topic alias invalid";
    case ReasonCode::kPacketTooLarge: return "packet too large";
    case ReasonCode::kMessageRateTooHigh: return "message rate too high";
    case ReasonCode::kQuotaExceeded: return "quota exceeded";
    case ReasonCode::kAdministrativeAction: return "administrative action";
    case ReasonCode::kPayloadFormatInvalid: return "payload format invalid";
    case ReasonCode::kRetainNotSupported: return "retain not supported";
    case ReasonCode::kQosNotSupported: return "qos not supported";
    case ReasonCode::kUseAnotherServer: return "use another server";
    case ReasonCode::kServerMoved: return "server moved";
    case ReasonCode::kSharedSubscriptionsNotSupported: return "shared subscriptions not supported";
    case ReasonCode::kConnectionRateExceeded: return "connection rate exceeded";
    case ReasonCode::kMaximumConnectTime: return "maximum connect time";
    case ReasonCode::kSubscriptionIdentifiersNotSupported: return "subscription identifiers not supported";
    case ReasonCode::kWildcardSubscriptionsNotSupported: return "wildcard subscriptions not supported";
  }
  return "unknown";
}

bool reason_code_allowed(PacketType type, ReasonCode code) {
  auto in = [code](std::initializer_list<std::uint8_t> list) {
    return std::find(list.begin(), list.end(), static_cast<std::uint8_t>(code)) != list.end();
  };
  switch (type) {
    case PacketType::kConnack:  // Table 3-1
      return in({0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97,
                 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F});
    case PacketType::kPuback:  // Table 3-4
    case PacketType::kPubrec:  // Table 3-5
      return in({0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99});
    case PacketType::kPubrel:   // Table 3-6
    case PacketType::kPubcomp:  // Table 3-7
      return in({0x00, 0x92});
    case PacketType::kSuback:  // Table 3-8
      return in({0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2});
    case PacketType::kUnsuback:  // Table 3-9
      return in({0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91});
    case PacketType::kDisconnect:  // Table 3-10
      return in({0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D, 0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95,
                 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2});
    case PacketType::kAuth:  // Table 3-11
      return in({0x00, 0x18, 0x19});
    default:
      return false;
  }
}

ConnectReturnCode to_connect_return_code(ReasonCode code) {
  switch (code) {
    case ReasonCode::kSuccess: return ConnectReturnCode::kAccepted;
    case ReasonCode::kUnsupportedProtocolVersion: return ConnectReturnCode::kUnacceptableProtocolVersion;
    case ReasonCode::kClientIdentifierNotValid: return ConnectReturnCode::kIdentifierRejected;
    case ReasonCode::kBadUserNameOrPassword:
    case ReasonCode::kBadAuthenticationMethod: return ConnectReturnCode::kBadUserNameOrPassword;
    case ReasonCode::kNotAuthorized:
    case ReasonCode::kBanned: return ConnectReturnCode::kNotAuthorized;
    default: return ConnectReturnCode::kServerUnavailable;  // every other refusal: busy, moved, quota, ...
  }
}

std::optional<ReasonCode> from_connect_return_code(std::uint8_t code) {
  switch (static_cast<ConnectReturnCode>(code)) {
    case ConnectReturnCode::kAccepted: return ReasonCode::kSuccess;
    case ConnectReturnCode::kUnacceptableProtocolVersion: return ReasonCode::kUnsupportedProtocolVersion;
    case ConnectReturnCode::kIdentifierRejected: return ReasonCode::kClientIdentifierNotValid;
    case ConnectReturnCode::kServerUnavailable: return ReasonCode::kServerUnavailable;
    case ConnectReturnCode::kBadUserNameOrPassword: return ReasonCode::kBadUserNameOrPassword;
    case ConnectReturnCode::kNotAuthorized: return ReasonCode::kNotAuthorized;
  }
  return std::nullopt;
}

}  // namespace herald::mqtt
