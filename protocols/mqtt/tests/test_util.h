// Test helpers: a small notation for wire bytes, and one fully populated sample of every packet.
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "herald/mqtt/mqtt.h"

namespace herald::mqtt::test {

// Wire bytes from a readable notation:  hex bytes ("10 0c"), 'raw ascii', "length-prefixed string"
// (two-byte length, then the text), and [ ... ] for a group prefixed by its Variable Byte Integer
// length (a property block). Example: "00 04 'MQTT' 05 02 00 3c [11 00 00 00 0a] \"id\"".
inline std::vector<std::uint8_t> wire(std::string_view text) {
  std::vector<std::vector<std::uint8_t>> stack(1);
  auto put_varint = [](std::vector<std::uint8_t>& out, std::size_t v) {
    do {
      auto b = static_cast<std::uint8_t>(v & 0x7F);
      v >>= 7;
      if (v) b |= 0x80;
      out.push_back(b);
    } while (v);
  };
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == ' ' || c == '\n') {
      ++i;
    } else if (c == '\'' || c == '"') {
      const std::size_t end = text.find(c, i + 1);
      if (end == std::string_view::npos) throw std::invalid_argument("unterminated quote");
      const std::string_view s = text.substr(i + 1, end - i - 1);
      auto& out = stack.back();
      if (c == '"') {
        out.push_back(static_cast<std::uint8_t>(s.size() >> 8));
        out.push_back(static_cast<std::uint8_t>(s.size()));
      }
      out.insert(out.end(), s.begin(), s.end());
      i = end + 1;
    } else if (c == '[') {
      stack.emplace_back();
      ++i;
    } else if (c == ']') {
      std::vector<std::uint8_t> group = std::move(stack.back());
      stack.pop_back();
      put_varint(stack.back(), group.size());
      stack.back().insert(stack.back().end(), group.begin(), group.end());
      ++i;
    } else {
      stack.back().push_back(static_cast<std::uint8_t>(std::stoul(std::string(text.substr(i, 2)), nullptr, 16)));
      i += 2;
    }
  }
  return stack.front();
}

// A whole packet: the first byte, the Remaining Length computed from the body, then the body.
inline std::vector<std::uint8_t> packet(std::uint8_t first_byte, std::string_view body) {
  std::vector<std::uint8_t> b = wire(body);
  std::vector<std::uint8_t> out{first_byte};
  std::size_t v = b.size();
  do {
    auto byte = static_cast<std::uint8_t>(v & 0x7F);
    v >>= 7;
    if (v) byte |= 0x80;
    out.push_back(byte);
  } while (v);
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

inline std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  for (std::uint8_t b : bytes) {
    if (!s.empty()) s += ' ';
    s += kDigits[b >> 4];
    s += kDigits[b & 15];
  }
  return s;
}

inline Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

// A value built by a function, so tests can set a few fields of a large aggregate without
// designated initializers (which g++ 12 flags under -Wmissing-field-initializers).
template <class T, class F>
T make(F set) {
  T value{};
  set(value);
  return value;
}
inline SubscribeOptions max_qos(QoS qos) {
  return make<SubscribeOptions>([qos](SubscribeOptions& o) { o.max_qos = qos; });
}

// Every property filled, for the packet types that allow it (table 2-4).
inline Properties all_properties(PropertyScope scope) {
  Properties p;
  auto allowed = [scope](PropertyId id) { return property_allowed(id, scope); };
  if (allowed(PropertyId::kPayloadFormatIndicator)) p.payload_format_indicator = PayloadFormat::kUtf8;
  if (allowed(PropertyId::kMessageExpiryInterval)) p.message_expiry_interval = 3600;
  if (allowed(PropertyId::kContentType)) p.content_type = "text/plain";
  if (allowed(PropertyId::kResponseTopic)) p.response_topic = "reply/to/me";
  if (allowed(PropertyId::kCorrelationData)) p.correlation_data = Bytes{0x00, 0x01, 0xFF};
  if (allowed(PropertyId::kSubscriptionIdentifier)) {
    p.subscription_identifiers = {268'435'455};
    if (scope == PropertyScope::kPublish) p.subscription_identifiers.push_back(7);  // repeats in PUBLISH
  }
  if (allowed(PropertyId::kSessionExpiryInterval)) p.session_expiry_interval = 0xFFFFFFFF;
  if (allowed(PropertyId::kAssignedClientIdentifier)) p.assigned_client_identifier = "auto-1234";
  if (allowed(PropertyId::kServerKeepAlive)) p.server_keep_alive = 120;
  if (allowed(PropertyId::kAuthenticationMethod)) p.authentication_method = "SCRAM-SHA-256";
  if (allowed(PropertyId::kAuthenticationData)) p.authentication_data = Bytes{1, 2, 3, 4};
  if (allowed(PropertyId::kRequestProblemInformation)) p.request_problem_information = false;
  if (allowed(PropertyId::kWillDelayInterval)) p.will_delay_interval = 30;
  if (allowed(PropertyId::kRequestResponseInformation)) p.request_response_information = true;
  if (allowed(PropertyId::kResponseInformation)) p.response_information = "resp/base";
  if (allowed(PropertyId::kServerReference)) p.server_reference = "other.example:1883";
  if (allowed(PropertyId::kReasonString)) p.reason_string = "because";
  if (allowed(PropertyId::kReceiveMaximum)) p.receive_maximum = 100;
  if (allowed(PropertyId::kTopicAliasMaximum)) p.topic_alias_maximum = 10;
  if (allowed(PropertyId::kTopicAlias)) p.topic_alias = 5;
  if (allowed(PropertyId::kMaximumQos)) p.maximum_qos = QoS::kAtLeastOnce;
  if (allowed(PropertyId::kRetainAvailable)) p.retain_available = false;
  if (allowed(PropertyId::kUserProperty))
    p.user_properties = {{"b", "2"}, {"a", "1"}, {"a", "1"}, {"ключ", "значение"}};  // order and repeats kept
  if (allowed(PropertyId::kMaximumPacketSize)) p.maximum_packet_size = 65536;
  if (allowed(PropertyId::kWildcardSubscriptionAvailable)) p.wildcard_subscription_available = true;
  if (allowed(PropertyId::kSubscriptionIdentifierAvailable)) p.subscription_identifier_available = false;
  if (allowed(PropertyId::kSharedSubscriptionAvailable)) p.shared_subscription_available = true;
  return p;
}

// One or more samples of every packet type for `v`; in v5 each carries every property it may.
inline std::vector<Packet> sample_packets(ProtocolVersion v) {
  const bool v5 = v == ProtocolVersion::v5;
  auto props = [v5](PropertyScope s) { return v5 ? all_properties(s) : Properties{}; };
  std::vector<Packet> out;

  Connect minimal;
  minimal.version = v;
  minimal.client_id = "c";
  out.emplace_back(minimal);
  Connect full;
  full.version = v;
  full.client_id = "client-1";
  full.clean_start = false;
  full.keep_alive = 65535;
  full.username = "user";
  full.password = Bytes{0x00, 'p', 0xFF};
  full.will = Will{"will/topic", bytes_of("gone"), QoS::kExactlyOnce, true, props(PropertyScope::kWill)};
  full.properties = props(PropertyScope::kConnect);
  out.emplace_back(full);

  out.emplace_back(Connack{true, ReasonCode::kSuccess, props(PropertyScope::kConnack)});
  out.emplace_back(Connack{false, ReasonCode::kNotAuthorized, {}});

  out.emplace_back(Publish{"a/b", bytes_of("hello"), QoS::kAtMostOnce, false, false, 0, {}});
  out.emplace_back(Publish{"a/b/c", Bytes(300, 0xAB), QoS::kExactlyOnce, true, true, 65535,
                           props(PropertyScope::kPublish)});
  if (v5) out.emplace_back(Publish{"", {}, QoS::kAtLeastOnce, false, false, 1, make<Properties>([](Properties& p) { p.topic_alias = 3; })});

  out.emplace_back(Puback{1, ReasonCode::kSuccess, {}});
  out.emplace_back(Pubrec{2, v5 ? ReasonCode::kNoMatchingSubscribers : ReasonCode::kSuccess, {}});
  out.emplace_back(Pubrel{3, ReasonCode::kSuccess, {}});
  out.emplace_back(Pubcomp{4, ReasonCode::kSuccess, {}});
  if (v5) {
    out.emplace_back(Puback{5, ReasonCode::kQuotaExceeded, props(PropertyScope::kPuback)});
    out.emplace_back(Pubrec{6, ReasonCode::kSuccess, props(PropertyScope::kPubrec)});
    out.emplace_back(Pubrel{7, ReasonCode::kPacketIdentifierNotFound, props(PropertyScope::kPubrel)});
    out.emplace_back(Pubcomp{8, ReasonCode::kSuccess, props(PropertyScope::kPubcomp)});
  }

  Subscribe sub{10, {}, props(PropertyScope::kSubscribe)};
  sub.subscriptions.push_back({"a/+/c", max_qos(QoS::kAtLeastOnce)});
  sub.subscriptions.push_back({"#", max_qos(QoS::kExactlyOnce)});
  if (v5) {
    sub.subscriptions.push_back(
        {"x/y", {QoS::kAtMostOnce, true, true, RetainHandling::kDoNotSend}});
    sub.subscriptions.push_back(
        {"$share/group/sport/#", {QoS::kAtLeastOnce, false, true, RetainHandling::kSendIfNewSubscription}});
  }
  out.emplace_back(sub);
  out.emplace_back(Suback{10,
                          {ReasonCode::kGrantedQos1, ReasonCode::kGrantedQos2, ReasonCode::kGrantedQos0,
                           ReasonCode::kUnspecifiedError},
                          props(PropertyScope::kSuback)});
  if (v5) out.emplace_back(Suback{11, {ReasonCode::kSharedSubscriptionsNotSupported}, {}});

  out.emplace_back(Unsubscribe{12, {"a/+/c", "#", "$SYS/x"}, props(PropertyScope::kUnsubscribe)});
  Unsuback unsuback{12, {}, props(PropertyScope::kUnsuback)};
  if (v5) unsuback.reason_codes = {ReasonCode::kSuccess, ReasonCode::kNoSubscriptionExisted, ReasonCode::kNotAuthorized};
  out.emplace_back(unsuback);

  out.emplace_back(Pingreq{});
  out.emplace_back(Pingresp{});
  out.emplace_back(Disconnect{});
  if (v5) {
    out.emplace_back(Disconnect{ReasonCode::kDisconnectWithWillMessage, {}});
    // A server's DISCONNECT never carries a session expiry interval [MQTT-3.14.2-2]; keep this one client-sent.
    out.emplace_back(Disconnect{ReasonCode::kServerMoved, props(PropertyScope::kDisconnect)});
    out.emplace_back(Auth{});
    out.emplace_back(Auth{ReasonCode::kContinueAuthentication, props(PropertyScope::kAuth)});
  }
  return out;
}

// Who sends a packet type (section 2.1.2), for decoding it with the right direction checks.
inline Sender sender_of(const Packet& p) {
  switch (type_of(p)) {
    case PacketType::kConnack:
    case PacketType::kSuback:
    case PacketType::kUnsuback:
    case PacketType::kPingresp:
      return Sender::kServer;
    case PacketType::kPublish:
      // Subscription identifiers only flow server to client [MQTT-3.3.4-6].
      return std::get<Publish>(p).properties.subscription_identifiers.empty() ? Sender::kClient : Sender::kServer;
    default:
      return Sender::kClient;
  }
}

inline DecodeOptions options_for(ProtocolVersion v, Sender s) {
  DecodeOptions o;
  o.version = v;
  o.sender = s;
  o.limits.max_packet_size = kMaxPacketSize;
  return o;
}

}  // namespace herald::mqtt::test

namespace Catch {
template <>
struct StringMaker<herald::mqtt::DecodeError> {
  static std::string convert(herald::mqtt::DecodeError e) { return std::string(herald::mqtt::name_of(e)); }
};
template <>
struct StringMaker<herald::mqtt::ReasonCode> {
  static std::string convert(herald::mqtt::ReasonCode c) {
    return std::string(herald::mqtt::to_string(c)) + " (" + std::to_string(static_cast<int>(c)) + ")";
  }
};
template <>
struct StringMaker<herald::mqtt::DecodeStatus> {
  static std::string convert(herald::mqtt::DecodeStatus s) {
    return s == herald::mqtt::DecodeStatus::kOk ? "Ok" : s == herald::mqtt::DecodeStatus::kNeedMore ? "NeedMore" : "Error";
  }
};
template <>
struct StringMaker<herald::mqtt::EncodeError> {
  static std::string convert(herald::mqtt::EncodeError e) { return std::string(herald::mqtt::describe(e)); }
};
}  // namespace Catch
