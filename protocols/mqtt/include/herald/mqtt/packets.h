// The typed packet model: one struct per MQTT control packet, shared by 3.1.1 and 5.0.
// Fields a version lacks (properties and most reason codes in 3.1.1) keep their defaults there.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "herald/mqtt/properties.h"
#include "herald/mqtt/protocol.h"
#include "herald/mqtt/reason_code.h"

namespace herald::mqtt {

struct Will {
  std::string topic;
  Bytes payload;
  QoS qos = QoS::kAtMostOnce;
  bool retain = false;
  Properties properties;  // v5 will properties
  bool operator==(const Will&) const = default;
};

struct Connect {
  ProtocolVersion version = ProtocolVersion::v5;  // the CONNECT chooses the session's version
  std::string client_id;
  bool clean_start = true;  // "clean session" in 3.1.1
  std::uint16_t keep_alive = 0;
  std::optional<std::string> username;
  std::optional<Bytes> password;
  std::optional<Will> will;
  Properties properties;
  bool operator==(const Connect&) const = default;
};

// In 3.1.1 the return code travels as the equivalent ReasonCode (see to_connect_return_code).
struct Connack {
  bool session_present = false;
  ReasonCode reason_code = ReasonCode::kSuccess;
  Properties properties;
  bool operator==(const Connack&) const = default;
};

struct Publish {
  std::string topic;  // empty only in v5 with a topic alias property
  Bytes payload;
  QoS qos = QoS::kAtMostOnce;
  bool retain = false;
  bool dup = false;
  std::uint16_t packet_id = 0;  // 0 exactly when qos is 0
  Properties properties;
  bool operator==(const Publish&) const = default;
};

// PUBACK, PUBREC, PUBREL and PUBCOMP share one shape; the type parameter keeps them distinct.
template <PacketType kType>
struct PublishResponse {
  static constexpr PacketType kPacketType = kType;
  std::uint16_t packet_id = 0;
  ReasonCode reason_code = ReasonCode::kSuccess;
  Properties properties;
  bool operator==(const PublishResponse&) const = default;
};
using Puback = PublishResponse<PacketType::kPuback>;
using Pubrec = PublishResponse<PacketType::kPubrec>;
using Pubrel = PublishResponse<PacketType::kPubrel>;
using Pubcomp = PublishResponse<PacketType::kPubcomp>;

enum class RetainHandling : std::uint8_t { kSendAtSubscribe = 0, kSendIfNewSubscription = 1, kDoNotSend = 2 };

// The SUBSCRIBE options byte. Only max_qos exists in 3.1.1.
struct SubscribeOptions {
  QoS max_qos = QoS::kAtMostOnce;
  bool no_local = false;
  bool retain_as_published = false;
  RetainHandling retain_handling = RetainHandling::kSendAtSubscribe;
  bool operator==(const SubscribeOptions&) const = default;
};

struct Subscription {
  std::string filter;  // may be a shared subscription "$share/<group>/<filter>"
  SubscribeOptions options;
  bool operator==(const Subscription&) const = default;
};

struct Subscribe {
  std::uint16_t packet_id = 0;
  std::vector<Subscription> subscriptions;
  Properties properties;
  bool operator==(const Subscribe&) const = default;
};

// 3.1.1 return codes 0x00, 0x01, 0x02, 0x80 have the same values as the MQTT 5 reason codes.
struct Suback {
  std::uint16_t packet_id = 0;
  std::vector<ReasonCode> reason_codes;
  Properties properties;
  bool operator==(const Suback&) const = default;
};

struct Unsubscribe {
  std::uint16_t packet_id = 0;
  std::vector<std::string> filters;
  Properties properties;
  bool operator==(const Unsubscribe&) const = default;
};

struct Unsuback {
  std::uint16_t packet_id = 0;
  std::vector<ReasonCode> reason_codes;  // v5 only; empty in 3.1.1
  Properties properties;
  bool operator==(const Unsuback&) const = default;
};

struct Pingreq {
  bool operator==(const Pingreq&) const = default;
};
struct Pingresp {
  bool operator==(const Pingresp&) const = default;
};

struct Disconnect {
  ReasonCode reason_code = ReasonCode::kNormalDisconnection;
  Properties properties;
  bool operator==(const Disconnect&) const = default;
};

struct Auth {  // v5 only
  ReasonCode reason_code = ReasonCode::kSuccess;
  Properties properties;
  bool operator==(const Auth&) const = default;
};

using Packet = std::variant<Connect, Connack, Publish, Puback, Pubrec, Pubrel, Pubcomp, Subscribe, Suback,
                            Unsubscribe, Unsuback, Pingreq, Pingresp, Disconnect, Auth>;

// True for the types Packet can hold (the encoder takes them directly, without building a Packet).
template <class T, class V = Packet>
struct is_packet_alternative;
template <class T, class... Ts>
struct is_packet_alternative<T, std::variant<Ts...>> : std::bool_constant<(std::is_same_v<T, Ts> || ...)> {};
template <class T>
concept PacketAlternative = is_packet_alternative<T>::value;

// Variant index + 1 equals the wire type because the alternatives are listed in wire order.
inline PacketType type_of(const Packet& packet) { return static_cast<PacketType>(packet.index() + 1); }

}  // namespace herald::mqtt
