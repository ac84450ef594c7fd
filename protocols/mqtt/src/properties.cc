// MQTT 5 property blocks (section 2.2.2): which identifier may appear where (table 2-4), decoding
// with the duplicate / value / limit rules, and encoding in identifier order.
#include "herald/mqtt/properties.h"

#include <array>

#include "herald/mqtt/topic.h"
#include "packet_codec.h"

namespace herald::mqtt {
namespace {

using S = PropertyScope;

constexpr std::uint32_t bit(S s) { return 1u << static_cast<unsigned>(s); }
constexpr std::uint32_t kWillAndPublish = bit(S::kPublish) | bit(S::kWill);
constexpr std::uint32_t kAcks = bit(S::kPuback) | bit(S::kPubrec) | bit(S::kPubrel) | bit(S::kPubcomp);
constexpr std::uint32_t kReasonStringScopes = bit(S::kConnack) | kAcks | bit(S::kSuback) |
                                              bit(S::kUnsuback) | bit(S::kDisconnect) | bit(S::kAuth);
constexpr std::uint32_t kUserPropertyScopes = kReasonStringScopes | bit(S::kConnect) | kWillAndPublish |
                                              bit(S::kSubscribe) | bit(S::kUnsubscribe);

// Table 2-4: bit s set in kAllowed[id] when the property may appear in scope s. 0 = undefined id.
constexpr std::array<std::uint32_t, 0x2B> kAllowed = [] {
  std::array<std::uint32_t, 0x2B> t{};
  auto at = [&t](PropertyId id) -> std::uint32_t& { return t[static_cast<std::size_t>(id)]; };
  at(PropertyId::kPayloadFormatIndicator) = kWillAndPublish;
  at(PropertyId::kMessageExpiryInterval) = kWillAndPublish;
  at(PropertyId::kContentType) = kWillAndPublish;
  at(PropertyId::kResponseTopic) = kWillAndPublish;
  at(PropertyId::kCorrelationData) = kWillAndPublish;
  at(PropertyId::kSubscriptionIdentifier) = bit(S::kPublish) | bit(S::kSubscribe);
  at(PropertyId::kSessionExpiryInterval) = bit(S::kConnect) | bit(S::kConnack) | bit(S::kDisconnect);
  at(PropertyId::kAssignedClientIdentifier) = bit(S::kConnack);
  at(PropertyId::kServerKeepAlive) = bit(S::kConnack);
  at(PropertyId::kAuthenticationMethod) = bit(S::kConnect) | bit(S::kConnack) | bit(S::kAuth);
  at(PropertyId::kAuthenticationData) = bit(S::kConnect) | bit(S::kConnack) | bit(S::kAuth);
  at(PropertyId::kRequestProblemInformation) = bit(S::kConnect);
  at(PropertyId::kWillDelayInterval) = bit(S::kWill);
  at(PropertyId::kRequestResponseInformation) = bit(S::kConnect);
  at(PropertyId::kResponseInformation) = bit(S::kConnack);
  at(PropertyId::kServerReference) = bit(S::kConnack) | bit(S::kDisconnect);
  at(PropertyId::kReasonString) = kReasonStringScopes;
  at(PropertyId::kReceiveMaximum) = bit(S::kConnect) | bit(S::kConnack);
  at(PropertyId::kTopicAliasMaximum) = bit(S::kConnect) | bit(S::kConnack);
  at(PropertyId::kTopicAlias) = bit(S::kPublish);
  at(PropertyId::kMaximumQos) = bit(S::kConnack);
  at(PropertyId::kRetainAvailable) = bit(S::kConnack);
  at(PropertyId::kUserProperty) = kUserPropertyScopes;
  at(PropertyId::kMaximumPacketSize) = bit(S::kConnect) | bit(S::kConnack);
  at(PropertyId::kWildcardSubscriptionAvailable) = bit(S::kConnack);
  at(PropertyId::kSubscriptionIdentifierAvailable) = bit(S::kConnack);
  at(PropertyId::kSharedSubscriptionAvailable) = bit(S::kConnack);
  return t;
}();

// Reads a single-valued property into `field`; a second occurrence is a Protocol Error (2.2.2.2).
template <class T, class ReadFn>
DecodeError once(std::optional<T>& field, ReadFn read) {
  if (field) return DecodeError::kDuplicateProperty;
  field.emplace();
  return read(*field);
}

// Byte properties whose only values are 0 and 1 (Request Problem Information, Retain Available, ...).
DecodeError read_flag(Reader& r, bool& out) {
  std::uint8_t b = 0;
  if (!r.u8(b)) return r.error();
  if (b > 1) return DecodeError::kPropertyValueInvalid;
  out = b == 1;
  return DecodeError::kNone;
}

}  // namespace

bool property_known(std::uint32_t id) { return id < kAllowed.size() && kAllowed[id] != 0; }

bool property_allowed(PropertyId id, PropertyScope scope) {
  const auto i = static_cast<std::size_t>(id);
  return i < kAllowed.size() && (kAllowed[i] & bit(scope)) != 0;
}

DecodeError decode_properties(Reader& outer, PropertyScope scope, const DecodeContext& ctx, Properties& p) {
  std::uint32_t length = 0;
  if (!outer.varint(length)) return outer.error();
  if (length > outer.remaining()) return DecodeError::kTruncated;
  Reader r = outer.take(length);
  const Limits& limits = ctx.limits;
  std::size_t count = 0;
  while (!r.empty()) {
    if (++count > limits.max_properties) return DecodeError::kTooManyProperties;
    // The identifier is a Variable Byte Integer (2.2.2.2), so a non-minimal one is malformed too.
    std::uint32_t raw_id = 0;
    if (!r.varint(raw_id)) return r.error();
    if (!property_known(raw_id)) return DecodeError::kUnknownProperty;
    const auto id = static_cast<PropertyId>(raw_id);
    if (!property_allowed(id, scope)) return DecodeError::kPropertyNotAllowed;

    auto u16 = [&r](std::uint16_t& v) { return r.u16(v) ? DecodeError::kNone : r.error(); };
    auto u32 = [&r](std::uint32_t& v) { return r.u32(v) ? DecodeError::kNone : r.error(); };
    auto str = [&r](std::string& v) { return r.utf8(v) ? DecodeError::kNone : r.error(); };
    auto bin = [&r](Bytes& v) { return r.binary(v) ? DecodeError::kNone : r.error(); };
    auto flag = [&r](bool& v) { return read_flag(r, v); };

    DecodeError e = DecodeError::kNone;
    switch (id) {
      case PropertyId::kPayloadFormatIndicator:
        e = once(p.payload_format_indicator, [&](PayloadFormat& v) {
          bool utf8 = false;
          const DecodeError fe = flag(utf8);
          v = utf8 ? PayloadFormat::kUtf8 : PayloadFormat::kUnspecified;
          return fe;
        });
        break;
      case PropertyId::kMessageExpiryInterval: e = once(p.message_expiry_interval, u32); break;
      case PropertyId::kContentType: e = once(p.content_type, str); break;
      case PropertyId::kResponseTopic:
        e = once(p.response_topic, str);
        // A Topic Name: non-empty, no wildcards [MQTT-3.3.2-14].
        if (e == DecodeError::kNone && validate_topic_name(*p.response_topic) != DecodeError::kNone)
          e = DecodeError::kResponseTopicInvalid;
        break;
      case PropertyId::kCorrelationData: e = once(p.correlation_data, bin); break;
      case PropertyId::kSubscriptionIdentifier: {
        // Repeats only in PUBLISH (one per matching subscription, 3.3.2.3.8); once in SUBSCRIBE.
        if (scope == S::kSubscribe && !p.subscription_identifiers.empty()) return DecodeError::kDuplicateProperty;
        // A client never sends it in PUBLISH [MQTT-3.3.4-6].
        if (scope == S::kPublish && ctx.sender == Sender::kClient)
          return DecodeError::kSubscriptionIdentifierFromClient;
        if (p.subscription_identifiers.size() >= limits.max_subscription_identifiers)
          return DecodeError::kTooManySubscriptionIdentifiers;
        std::uint32_t v = 0;
        if (!r.varint(v)) return r.error();
        if (v == 0) return DecodeError::kSubscriptionIdentifierZero;  // 3.3.2.3.8, 3.8.2.1.2
        p.subscription_identifiers.push_back(v);
        break;
      }
      case PropertyId::kSessionExpiryInterval:
        // The server never sends it in DISCONNECT [MQTT-3.14.2-2].
        if (scope == S::kDisconnect && ctx.sender == Sender::kServer) return DecodeError::kSessionExpiryFromServer;
        e = once(p.session_expiry_interval, u32);
        break;
      case PropertyId::kAssignedClientIdentifier: e = once(p.assigned_client_identifier, str); break;
      case PropertyId::kServerKeepAlive: e = once(p.server_keep_alive, u16); break;
      case PropertyId::kAuthenticationMethod: e = once(p.authentication_method, str); break;
      case PropertyId::kAuthenticationData: e = once(p.authentication_data, bin); break;
      case PropertyId::kRequestProblemInformation: e = once(p.request_problem_information, flag); break;
      case PropertyId::kWillDelayInterval: e = once(p.will_delay_interval, u32); break;
      case PropertyId::kRequestResponseInformation: e = once(p.request_response_information, flag); break;
      case PropertyId::kResponseInformation: e = once(p.response_information, str); break;
      case PropertyId::kServerReference: e = once(p.server_reference, str); break;
      case PropertyId::kReasonString: e = once(p.reason_string, str); break;
      case PropertyId::kReceiveMaximum:
        e = once(p.receive_maximum, u16);
        if (e == DecodeError::kNone && *p.receive_maximum == 0) e = DecodeError::kReceiveMaximumZero;
        break;
      case PropertyId::kTopicAliasMaximum: e = once(p.topic_alias_maximum, u16); break;
      case PropertyId::kTopicAlias:
        e = once(p.topic_alias, u16);
        // 0 is never valid [MQTT-3.3.2-8]; above our announced maximum neither [MQTT-3.3.2-9].
        if (e == DecodeError::kNone && (*p.topic_alias == 0 || *p.topic_alias > limits.topic_alias_maximum))
          e = DecodeError::kTopicAliasInvalid;
        break;
      case PropertyId::kMaximumQos:
        e = once(p.maximum_qos, [&](QoS& v) {
          bool one = false;
          const DecodeError fe = flag(one);  // only 0 or 1 (3.2.2.3.4)
          v = one ? QoS::kAtLeastOnce : QoS::kAtMostOnce;
          return fe;
        });
        break;
      case PropertyId::kRetainAvailable: e = once(p.retain_available, flag); break;
      case PropertyId::kUserProperty: {
        if (p.user_properties.size() >= limits.max_user_properties) return DecodeError::kTooManyUserProperties;
        UserProperty up;
        if (!r.utf8(up.name) || !r.utf8(up.value)) return r.error();
        p.user_properties.push_back(std::move(up));
        break;
      }
      case PropertyId::kMaximumPacketSize:
        e = once(p.maximum_packet_size, u32);
        if (e == DecodeError::kNone && *p.maximum_packet_size == 0) e = DecodeError::kMaximumPacketSizeZero;
        break;
      case PropertyId::kWildcardSubscriptionAvailable: e = once(p.wildcard_subscription_available, flag); break;
      case PropertyId::kSubscriptionIdentifierAvailable:
        e = once(p.subscription_identifier_available, flag);
        break;
      case PropertyId::kSharedSubscriptionAvailable: e = once(p.shared_subscription_available, flag); break;
    }
    if (e != DecodeError::kNone) return e;
  }
  // "It is a Protocol Error to include Authentication Data if there is no Authentication Method"
  // (3.1.2.11.10; the same rule governs CONNACK and AUTH).
  if (p.authentication_data && !p.authentication_method) return DecodeError::kAuthDataWithoutMethod;
  return DecodeError::kNone;
}

namespace {

// Writes the properties in identifier order; the counting pass uses the same code to size them.
void write_property_list(Writer& w, const Properties& p, Trim trim) {
  auto id = [&w](PropertyId i) { w.u8(static_cast<std::uint8_t>(i)); };
  auto byte = [&](PropertyId i, const auto& v) {
    if (v) {
      id(i);
      w.u8(static_cast<std::uint8_t>(*v));
    }
  };
  auto two = [&](PropertyId i, const std::optional<std::uint16_t>& v) {
    if (v) {
      id(i);
      w.u16(*v);
    }
  };
  auto four = [&](PropertyId i, const std::optional<std::uint32_t>& v) {
    if (v) {
      id(i);
      w.u32(*v);
    }
  };
  auto prefixed = [&](PropertyId i, const auto& v) {
    if (v) {
      id(i);
      w.prefixed(*v);
    }
  };
  byte(PropertyId::kPayloadFormatIndicator, p.payload_format_indicator);
  four(PropertyId::kMessageExpiryInterval, p.message_expiry_interval);
  prefixed(PropertyId::kContentType, p.content_type);
  prefixed(PropertyId::kResponseTopic, p.response_topic);
  prefixed(PropertyId::kCorrelationData, p.correlation_data);
  for (const std::uint32_t sub_id : p.subscription_identifiers) {
    w.check(sub_id != 0 && sub_id <= kMaxVarint, EncodeError::kInvalidPacket);
    id(PropertyId::kSubscriptionIdentifier);
    w.varint(sub_id);
  }
  four(PropertyId::kSessionExpiryInterval, p.session_expiry_interval);
  prefixed(PropertyId::kAssignedClientIdentifier, p.assigned_client_identifier);
  two(PropertyId::kServerKeepAlive, p.server_keep_alive);
  prefixed(PropertyId::kAuthenticationMethod, p.authentication_method);
  prefixed(PropertyId::kAuthenticationData, p.authentication_data);
  byte(PropertyId::kRequestProblemInformation, p.request_problem_information);
  four(PropertyId::kWillDelayInterval, p.will_delay_interval);
  byte(PropertyId::kRequestResponseInformation, p.request_response_information);
  prefixed(PropertyId::kResponseInformation, p.response_information);
  prefixed(PropertyId::kServerReference, p.server_reference);
  if (!trim.reason_string) prefixed(PropertyId::kReasonString, p.reason_string);
  two(PropertyId::kReceiveMaximum, p.receive_maximum);
  two(PropertyId::kTopicAliasMaximum, p.topic_alias_maximum);
  two(PropertyId::kTopicAlias, p.topic_alias);
  byte(PropertyId::kMaximumQos, p.maximum_qos);
  byte(PropertyId::kRetainAvailable, p.retain_available);
  if (!trim.user_properties) {
    for (const UserProperty& up : p.user_properties) {
      id(PropertyId::kUserProperty);
      w.prefixed(up.name);
      w.prefixed(up.value);
    }
  }
  four(PropertyId::kMaximumPacketSize, p.maximum_packet_size);
  byte(PropertyId::kWildcardSubscriptionAvailable, p.wildcard_subscription_available);
  byte(PropertyId::kSubscriptionIdentifierAvailable, p.subscription_identifier_available);
  byte(PropertyId::kSharedSubscriptionAvailable, p.shared_subscription_available);
}

// Identifiers present in `p`, as a bit set indexed by identifier, to check against table 2-4.
std::uint64_t present(const Properties& p) {
  std::uint64_t mask = 0;
  auto mark = [&mask](PropertyId id, bool there) {
    if (there) mask |= std::uint64_t{1} << static_cast<unsigned>(id);
  };
  mark(PropertyId::kPayloadFormatIndicator, p.payload_format_indicator.has_value());
  mark(PropertyId::kMessageExpiryInterval, p.message_expiry_interval.has_value());
  mark(PropertyId::kContentType, p.content_type.has_value());
  mark(PropertyId::kResponseTopic, p.response_topic.has_value());
  mark(PropertyId::kCorrelationData, p.correlation_data.has_value());
  mark(PropertyId::kSubscriptionIdentifier, !p.subscription_identifiers.empty());
  mark(PropertyId::kSessionExpiryInterval, p.session_expiry_interval.has_value());
  mark(PropertyId::kAssignedClientIdentifier, p.assigned_client_identifier.has_value());
  mark(PropertyId::kServerKeepAlive, p.server_keep_alive.has_value());
  mark(PropertyId::kAuthenticationMethod, p.authentication_method.has_value());
  mark(PropertyId::kAuthenticationData, p.authentication_data.has_value());
  mark(PropertyId::kRequestProblemInformation, p.request_problem_information.has_value());
  mark(PropertyId::kWillDelayInterval, p.will_delay_interval.has_value());
  mark(PropertyId::kRequestResponseInformation, p.request_response_information.has_value());
  mark(PropertyId::kResponseInformation, p.response_information.has_value());
  mark(PropertyId::kServerReference, p.server_reference.has_value());
  mark(PropertyId::kReasonString, p.reason_string.has_value());
  mark(PropertyId::kReceiveMaximum, p.receive_maximum.has_value());
  mark(PropertyId::kTopicAliasMaximum, p.topic_alias_maximum.has_value());
  mark(PropertyId::kTopicAlias, p.topic_alias.has_value());
  mark(PropertyId::kMaximumQos, p.maximum_qos.has_value());
  mark(PropertyId::kRetainAvailable, p.retain_available.has_value());
  mark(PropertyId::kUserProperty, !p.user_properties.empty());
  mark(PropertyId::kMaximumPacketSize, p.maximum_packet_size.has_value());
  mark(PropertyId::kWildcardSubscriptionAvailable, p.wildcard_subscription_available.has_value());
  mark(PropertyId::kSubscriptionIdentifierAvailable, p.subscription_identifier_available.has_value());
  mark(PropertyId::kSharedSubscriptionAvailable, p.shared_subscription_available.has_value());
  return mask;
}

// kAllowed transposed: per scope, the identifiers allowed there as a bit set.
constexpr std::array<std::uint64_t, 17> kAllowedByScope = [] {
  std::array<std::uint64_t, 17> t{};
  for (std::size_t s = 0; s < t.size(); ++s)
    for (std::size_t i = 0; i < kAllowed.size(); ++i)
      if (kAllowed[i] & (1u << s)) t[s] |= std::uint64_t{1} << i;
  return t;
}();

}  // namespace

void write_properties(Writer& w, const Properties& p, PropertyScope scope, Trim trim) {
  const std::uint64_t mask = present(p);
  if (mask == 0) {  // the common case on the PUBLISH path: just a zero Property Length
    w.u8(0);
    return;
  }
  if (w.counting()) {
    w.check((mask & ~kAllowedByScope[static_cast<std::size_t>(scope)]) == 0, EncodeError::kPropertyNotAllowed);
    w.check(!(scope == S::kSubscribe && p.subscription_identifiers.size() > 1), EncodeError::kInvalidPacket);
  }
  Writer counter;
  write_property_list(counter, p, trim);
  w.check(counter.error() == EncodeError::kNone, counter.error());
  w.check(counter.size() <= kMaxVarint, EncodeError::kPacketTooLarge);
  w.varint(static_cast<std::uint32_t>(counter.size()));
  if (w.counting()) {
    w.skip(counter.size());
  } else {
    write_property_list(w, p, trim);
  }
}

}  // namespace herald::mqtt
