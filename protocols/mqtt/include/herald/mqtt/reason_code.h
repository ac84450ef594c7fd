// Every MQTT 5 reason code as a named value (MQTT 5 section 2.4). Values equal the registry in
// core/include/herald/reason_codes.h wherever both name the same code (a test checks that).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "herald/mqtt/protocol.h"

namespace herald::mqtt {

enum class ReasonCode : std::uint8_t {
  kSuccess = 0x00,
  kNormalDisconnection = 0x00,
  kGrantedQos0 = 0x00,
  kGrantedQos1 = 0x01,
  kGrantedQos2 = 0x02,
  kDisconnectWithWillMessage = 0x04,
  kNoMatchingSubscribers = 0x10,
  kNoSubscriptionExisted = 0x11,
  kContinueAuthentication = 0x18,
  kReAuthenticate = 0x19,
  kUnspecifiedError = 0x80,
  kMalformedPacket = 0x81,
  kProtocolError = 0x82,
  kImplementationSpecificError = 0x83,
  kUnsupportedProtocolVersion = 0x84,
  kClientIdentifierNotValid = 0x85,
  kBadUserNameOrPassword = 0x86,
  kNotAuthorized = 0x87,
  kServerUnavailable = 0x88,
  kServerBusy = 0x89,
  kBanned = 0x8A,
  kServerShuttingDown = 0x8B,
  kBadAuthenticationMethod = 0x8C,
  kKeepAliveTimeout = 0x8D,
  kSessionTakenOver = 0x8E,
  kTopicFilterInvalid = 0x8F,
  kTopicNameInvalid = 0x90,
  kPacketIdentifierInUse = 0x91,
  kPacketIdentifierNotFound = 0x92,
  kReceiveMaximumExceeded = 0x93,
  kTopicAliasInvalid = 0x94,
  kPacketTooLarge = 0x95,
  kMessageRateTooHigh = 0x96,
  kQuotaExceeded = 0x97,
  kAdministrativeAction = 0x98,
  kPayloadFormatInvalid = 0x99,
  kRetainNotSupported = 0x9A,
  kQosNotSupported = 0x9B,
  kUseAnotherServer = 0x9C,
  kServerMoved = 0x9D,
  kSharedSubscriptionsNotSupported = 0x9E,
  kConnectionRateExceeded = 0x9F,
  kMaximumConnectTime = 0xA0,
  kSubscriptionIdentifiersNotSupported = 0xA1,
  kWildcardSubscriptionsNotSupported = 0xA2,
};

// The spec's name for a code (the first meaning where one value has several); "unknown" otherwise.
std::string_view to_string(ReasonCode code);

// True when `code` is one the spec lists for `type` (MQTT 5 sections 3.2.2.2, 3.4.2.1, ... 3.15.2.1).
bool reason_code_allowed(PacketType type, ReasonCode code);

// MQTT 3.1.1 CONNACK return codes (section 3.2.2.3) and their MQTT 5 counterparts.
enum class ConnectReturnCode : std::uint8_t {
  kAccepted = 0,
  kUnacceptableProtocolVersion = 1,
  kIdentifierRejected = 2,
  kServerUnavailable = 3,
  kBadUserNameOrPassword = 4,
  kNotAuthorized = 5,
};
// Nearest 3.1.1 return code for an MQTT 5 CONNACK reason code (3.1.1 has only six).
ConnectReturnCode to_connect_return_code(ReasonCode code);
// The MQTT 5 reason code with the same meaning; nullopt for the reserved values 6..255.
std::optional<ReasonCode> from_connect_return_code(std::uint8_t code);

}  // namespace herald::mqtt
