// MQTT 5 properties (section 2.2.2): the 27 identifiers, where each may appear, and a typed holder.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "herald/mqtt/protocol.h"

namespace herald::mqtt {

using Bytes = std::vector<std::uint8_t>;

enum class PropertyId : std::uint8_t {
  kPayloadFormatIndicator = 0x01,
  kMessageExpiryInterval = 0x02,
  kContentType = 0x03,
  kResponseTopic = 0x08,
  kCorrelationData = 0x09,
  kSubscriptionIdentifier = 0x0B,
  kSessionExpiryInterval = 0x11,
  kAssignedClientIdentifier = 0x12,
  kServerKeepAlive = 0x13,
  kAuthenticationMethod = 0x15,
  kAuthenticationData = 0x16,
  kRequestProblemInformation = 0x17,
  kWillDelayInterval = 0x18,
  kRequestResponseInformation = 0x19,
  kResponseInformation = 0x1A,
  kServerReference = 0x1C,
  kReasonString = 0x1F,
  kReceiveMaximum = 0x21,
  kTopicAliasMaximum = 0x22,
  kTopicAlias = 0x23,
  kMaximumQos = 0x24,
  kRetainAvailable = 0x25,
  kUserProperty = 0x26,
  kMaximumPacketSize = 0x27,
  kWildcardSubscriptionAvailable = 0x28,
  kSubscriptionIdentifierAvailable = 0x29,
  kSharedSubscriptionAvailable = 0x2A,
};

// Where a property block sits: a packet's variable header, or the will properties inside CONNECT.
enum class PropertyScope : std::uint8_t {
  kConnect = 1, kConnack, kPublish, kPuback, kPubrec, kPubrel, kPubcomp, kSubscribe, kSuback,
  kUnsubscribe, kUnsuback, kPingreq, kPingresp, kDisconnect, kAuth, kWill,
};
constexpr PropertyScope scope_of(PacketType type) { return static_cast<PropertyScope>(type); }

// True when `id` is a defined identifier (section 2.2.2.2, table 2-4).
bool property_known(std::uint32_t id);
// True when table 2-4 lists `scope` for `id`; any other placement makes the packet malformed.
bool property_allowed(PropertyId id, PropertyScope scope);

enum class PayloadFormat : std::uint8_t { kUnspecified = 0, kUtf8 = 1 };

struct UserProperty {
  std::string name;
  std::string value;
  bool operator==(const UserProperty&) const = default;
};

// One packet's properties. Absent = not on the wire. Boolean-valued bytes (which must be 0 or 1)
// are bool. Subscription identifiers repeat only in PUBLISH; user properties keep wire order.
struct Properties {
  std::optional<PayloadFormat> payload_format_indicator;
  std::optional<std::uint32_t> message_expiry_interval;
  std::optional<std::string> content_type;
  std::optional<std::string> response_topic;
  std::optional<Bytes> correlation_data;
  std::vector<std::uint32_t> subscription_identifiers;
  std::optional<std::uint32_t> session_expiry_interval;
  std::optional<std::string> assigned_client_identifier;
  std::optional<std::uint16_t> server_keep_alive;
  std::optional<std::string> authentication_method;
  std::optional<Bytes> authentication_data;
  std::optional<bool> request_problem_information;
  std::optional<std::uint32_t> will_delay_interval;
  std::optional<bool> request_response_information;
  std::optional<std::string> response_information;
  std::optional<std::string> server_reference;
  std::optional<std::string> reason_string;
  std::optional<std::uint16_t> receive_maximum;
  std::optional<std::uint16_t> topic_alias_maximum;
  std::optional<std::uint16_t> topic_alias;
  std::optional<QoS> maximum_qos;
  std::optional<bool> retain_available;
  std::vector<UserProperty> user_properties;
  std::optional<std::uint32_t> maximum_packet_size;
  std::optional<bool> wildcard_subscription_available;
  std::optional<bool> subscription_identifier_available;
  std::optional<bool> shared_subscription_available;

  bool empty() const { return *this == Properties{}; }
  bool operator==(const Properties&) const = default;
};

}  // namespace herald::mqtt
