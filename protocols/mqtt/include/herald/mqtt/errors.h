// Why a packet failed to decode: one value per spec rule, its MQTT 5 reason code, and what a peer
// must do about it in each version (close, or first send CONNACK / DISCONNECT).
#pragma once

#include <cstdint>
#include <string_view>

#include "herald/mqtt/protocol.h"
#include "herald/mqtt/reason_code.h"

namespace herald::mqtt {

// X(name, MQTT 5 reason code sent for it, short text)
#define HERALD_MQTT_DECODE_ERRORS(X)                                                                  \
  X(kNone, kSuccess, "no error")                                                                      \
  /* fixed header and framing */                                                                      \
  X(kReservedPacketType, kMalformedPacket, "reserved control packet type")                            \
  X(kInvalidFixedHeaderFlags, kMalformedPacket, "fixed header flags differ from the required value") \
  X(kMalformedVarint, kMalformedPacket, "variable byte integer longer than 4 bytes or not minimal")    \
  X(kPacketTooLarge, kPacketTooLarge, "packet exceeds the maximum packet size")                       \
  X(kTruncated, kMalformedPacket, "packet ends before a field it must contain")                       \
  X(kTrailingBytes, kMalformedPacket, "bytes left over after the last field")                         \
  X(kUnexpectedPacketType, kProtocolError, "packet type may not be sent in this direction")           \
  /* UTF-8 strings */                                                                                 \
  X(kInvalidUtf8, kMalformedPacket, "string is not well-formed UTF-8")                                \
  X(kUtf8Surrogate, kMalformedPacket, "string encodes a UTF-16 surrogate (U+D800..U+DFFF)")           \
  X(kUtf8NullCharacter, kMalformedPacket, "string contains U+0000")                                   \
  X(kUtf8DiscouragedCodePoint, kMalformedPacket, "string contains a control character or non-character") \
  /* CONNECT and CONNACK */                                                                           \
  X(kProtocolNameInvalid, kUnsupportedProtocolVersion, "protocol name is not MQTT")                   \
  X(kUnsupportedProtocolVersion, kUnsupportedProtocolVersion, "protocol level is not 4 or 5")         \
  X(kConnectReservedFlag, kMalformedPacket, "CONNECT reserved flag is set")                           \
  X(kWillQosWithoutWill, kMalformedPacket, "will QoS is non-zero but the will flag is 0")             \
  X(kWillRetainWithoutWill, kMalformedPacket, "will retain is set but the will flag is 0")            \
  X(kPasswordWithoutUsername, kMalformedPacket, "password flag set without user name flag (3.1.1)")  \
  X(kClientIdentifierInvalid, kClientIdentifierNotValid, "empty client id requires clean session (3.1.1)") \
  X(kClientIdentifierTooLong, kClientIdentifierNotValid, "client id longer than this server accepts") \
  X(kConnackReservedFlags, kMalformedPacket, "CONNACK acknowledge flags bits 7-1 are not 0")          \
  X(kSessionPresentOnError, kProtocolError, "session present set with a non-zero return code")       \
  /* PUBLISH */                                                                                       \
  X(kInvalidQos, kMalformedPacket, "QoS value 3")                                                     \
  X(kDupOnQos0, kMalformedPacket, "DUP flag set on a QoS 0 PUBLISH")                                  \
  X(kPacketIdentifierZero, kProtocolError, "packet identifier 0 where a non-zero one is required")    \
  X(kTopicNameEmpty, kProtocolError, "empty topic name (without a topic alias)")                      \
  X(kTopicNameHasWildcard, kTopicNameInvalid, "topic name contains + or #")                           \
  X(kTopicNameTooLong, kTopicNameInvalid, "topic name longer than this server accepts")               \
  X(kTopicAliasInvalid, kTopicAliasInvalid, "topic alias 0 or above the topic alias maximum")         \
  X(kPayloadFormatInvalid, kPayloadFormatInvalid, "payload marked UTF-8 is not well-formed UTF-8")   \
  X(kResponseTopicInvalid, kProtocolError, "response topic is empty or contains wildcards")          \
  X(kSubscriptionIdentifierFromClient, kProtocolError, "client PUBLISH carries a subscription identifier") \
  /* SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK */                                                      \
  X(kNoTopicFilters, kProtocolError, "SUBSCRIBE or UNSUBSCRIBE without any topic filter")             \
  X(kTooManyTopicFilters, kImplementationSpecificError, "more topic filters than this server accepts") \
  X(kTopicFilterEmpty, kTopicFilterInvalid, "empty topic filter")                                     \
  X(kTopicFilterTooLong, kTopicFilterInvalid, "topic filter longer than this server accepts")         \
  X(kMultiLevelWildcardMisplaced, kTopicFilterInvalid, "# is not alone in the last level")           \
  X(kSingleLevelWildcardMisplaced, kTopicFilterInvalid, "+ is not alone in its level")               \
  X(kShareNameInvalid, kTopicFilterInvalid, "$share group name is empty or contains + or #")         \
  X(kSharedFilterMissing, kTopicFilterInvalid, "$share/<group> is not followed by /<filter>")         \
  X(kSubscriptionOptionsReserved, kMalformedPacket, "reserved bits of the subscription options set") \
  X(kSubscriptionQosInvalid, kProtocolError, "subscription maximum QoS 3")                            \
  X(kRetainHandlingInvalid, kProtocolError, "retain handling 3")                                      \
  X(kNoLocalOnSharedSubscription, kProtocolError, "no local set on a shared subscription")            \
  X(kNoReasonCodes, kProtocolError, "SUBACK or UNSUBACK without reason codes")                        \
  /* reason codes and properties */                                                                   \
  X(kInvalidReasonCode, kProtocolError, "reason code not allowed in this packet")                     \
  X(kUnknownProperty, kMalformedPacket, "undefined property identifier")                              \
  X(kPropertyNotAllowed, kMalformedPacket, "property not allowed in this packet")                     \
  X(kDuplicateProperty, kProtocolError, "single-valued property appears more than once")             \
  X(kPropertyValueInvalid, kProtocolError, "property byte value other than the ones allowed")        \
  X(kReceiveMaximumZero, kProtocolError, "receive maximum 0")                                         \
  X(kMaximumPacketSizeZero, kProtocolError, "maximum packet size 0")                                  \
  X(kSubscriptionIdentifierZero, kProtocolError, "subscription identifier 0")                         \
  X(kAuthDataWithoutMethod, kProtocolError, "authentication data without authentication method")     \
  X(kAuthMethodMissing, kProtocolError, "AUTH without authentication method")                        \
  X(kSessionExpiryFromServer, kProtocolError, "server DISCONNECT carries a session expiry interval") \
  X(kTooManyProperties, kImplementationSpecificError, "more properties than this server accepts")    \
  X(kTooManyUserProperties, kImplementationSpecificError, "more user properties than this server accepts") \
  X(kTooManySubscriptionIdentifiers, kImplementationSpecificError, "more subscription identifiers than accepted") \
  /* not the peer's fault */                                                                          \
  X(kOutOfMemory, kImplementationSpecificError, "allocation failed while decoding")

enum class DecodeError : std::uint8_t {
#define HERALD_MQTT_DECODE_ERROR_ENUM_(name, reason, text) name,
  HERALD_MQTT_DECODE_ERRORS(HERALD_MQTT_DECODE_ERROR_ENUM_)
#undef HERALD_MQTT_DECODE_ERROR_ENUM_
};

// The MQTT 5 reason code a peer sends (in CONNACK or DISCONNECT) for this error.
ReasonCode reason_code_for(DecodeError error);
// A short, lower-case description for logs.
std::string_view describe(DecodeError error);
// The enumerator's name without the k, e.g. "TopicNameHasWildcard" (for tests and metrics labels).
std::string_view name_of(DecodeError error);

// What to do after a decode error. MQTT 5 (section 4.13): send the reason code in a CONNACK if the
// bad packet was CONNECT, otherwise in a DISCONNECT, then close. MQTT 3.1.1 (section 4.8): close,
// except that a bad protocol level gets CONNACK 0x01 [MQTT-3.1.2-2] and a rejected client id gets
// CONNACK 0x02 [MQTT-3.1.3-9] first.
enum class ErrorResponse : std::uint8_t { kClose, kConnackThenClose, kDisconnectThenClose };
struct ErrorAction {
  ErrorResponse response = ErrorResponse::kClose;
  ProtocolVersion reply_version = ProtocolVersion::v311;  // wire format of the CONNACK / DISCONNECT
  std::uint8_t code = 0;  // v5 reason code, or the 3.1.1 CONNACK return code
  bool operator==(const ErrorAction&) const = default;
};
// `version` and `packet_type` are DecodeResult::version and DecodeResult::packet_type.
ErrorAction action_for(DecodeError error, ProtocolVersion version, PacketType packet_type);

}  // namespace herald::mqtt
