// SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK (MQTT 5 sections 3.8-3.11; 3.1.1 sections 3.8-3.11).
#include "herald/mqtt/topic.h"
#include "packet_codec.h"

namespace herald::mqtt {
namespace {

// Subscription Options (3.8.3.1): bits 0-1 maximum QoS, 2 no local, 3 retain as published,
// 4-5 retain handling, 6-7 reserved. 3.1.1 has only the QoS bits; the other six are reserved.
constexpr std::uint8_t kNoLocal = 0x04;
constexpr std::uint8_t kRetainAsPublished = 0x08;
constexpr unsigned kRetainHandlingShift = 4;

DecodeError read_packet_id(Reader& r, std::uint16_t& packet_id) {
  if (!r.u16(packet_id)) return r.error();
  // SUBSCRIBE / UNSUBSCRIBE carry a non-zero id [MQTT-2.2.1-3] (3.1.1 [MQTT-2.3.1-1]); the acks echo it.
  return packet_id == 0 ? DecodeError::kPacketIdentifierZero : DecodeError::kNone;
}

// The reason codes that close SUBACK (one per filter) and v5 UNSUBACK: at least one.
DecodeError read_reason_codes(Reader& r, PacketType type, const DecodeContext& ctx, std::vector<ReasonCode>& out) {
  if (r.empty()) return DecodeError::kNoReasonCodes;
  out.reserve(r.remaining());
  while (!r.empty()) {
    std::uint8_t code = 0;
    r.u8(code);
    const auto reason = static_cast<ReasonCode>(code);
    // 3.1.1 SUBACK return codes are 0x00, 0x01, 0x02 and 0x80 only [MQTT-3.9.3-2].
    const bool allowed = ctx.v5() ? reason_code_allowed(type, reason) : (code <= 2 || code == 0x80);
    if (!allowed) return DecodeError::kInvalidReasonCode;
    out.push_back(reason);
  }
  return DecodeError::kNone;
}

}  // namespace

DecodeError decode_subscribe(Reader& r, const DecodeContext& ctx, Subscribe& out) {
  if (const DecodeError e = read_packet_id(r, out.packet_id); e != DecodeError::kNone) return e;
  if (ctx.v5()) {
    if (const DecodeError e = decode_properties(r, PropertyScope::kSubscribe, ctx, out.properties); e != DecodeError::kNone)
      return e;
  }
  if (r.empty()) return DecodeError::kNoTopicFilters;  // v5 [MQTT-3.8.3-2], 3.1.1 [MQTT-3.8.3-3]
  while (!r.empty()) {
    if (out.subscriptions.size() == ctx.limits.max_topic_filters) return DecodeError::kTooManyTopicFilters;
    Subscription& s = out.subscriptions.emplace_back();
    std::uint8_t options = 0;
    if (!r.utf8(s.filter) || !r.u8(options)) return r.error();
    if (const DecodeError e = check_topic_filter_field(s.filter, ctx); e != DecodeError::kNone) return e;
    // Reserved bits are malformed: v5 [MQTT-3.8.3-5], 3.1.1 [MQTT-3.8.3-4].
    if (options & (ctx.v5() ? 0xC0 : 0xFC)) return DecodeError::kSubscriptionOptionsReserved;
    if ((options & 3) == 3) return DecodeError::kSubscriptionQosInvalid;  // 3.8.3.1; 3.1.1 [MQTT-3.8.3-4]
    s.options.max_qos = static_cast<QoS>(options & 3);
    s.options.no_local = options & kNoLocal;
    s.options.retain_as_published = options & kRetainAsPublished;
    const unsigned retain_handling = (options >> kRetainHandlingShift) & 3;
    if (retain_handling == 3) return DecodeError::kRetainHandlingInvalid;  // 3.8.3.1
    s.options.retain_handling = static_cast<RetainHandling>(retain_handling);
    if (s.options.no_local && parse_shared_subscription(s.filter)) return DecodeError::kNoLocalOnSharedSubscription;  // [MQTT-3.8.3-4]
  }
  return DecodeError::kNone;
}

void write_body(Writer& w, const Subscribe& p, ProtocolVersion v, Trim trim) {
  w.check(p.packet_id != 0 && !p.subscriptions.empty(), EncodeError::kInvalidPacket);
  w.u16(p.packet_id);
  const bool v5 = v == ProtocolVersion::v5;
  if (v5) write_properties(w, p.properties, PropertyScope::kSubscribe, trim);
  for (const Subscription& s : p.subscriptions) {
    w.prefixed(s.filter);
    const SubscribeOptions& o = s.options;
    w.check(o.max_qos <= QoS::kExactlyOnce && o.retain_handling <= RetainHandling::kDoNotSend,
            EncodeError::kInvalidPacket);
    auto options = static_cast<std::uint8_t>(o.max_qos);
    if (v5) {
      if (o.no_local) options |= kNoLocal;
      if (o.retain_as_published) options |= kRetainAsPublished;
      options |= static_cast<std::uint8_t>(static_cast<unsigned>(o.retain_handling) << kRetainHandlingShift);
    }
    w.u8(options);
  }
}

DecodeError decode_suback(Reader& r, const DecodeContext& ctx, Suback& out) {
  if (const DecodeError e = read_packet_id(r, out.packet_id); e != DecodeError::kNone) return e;
  if (ctx.v5()) {
    if (const DecodeError e = decode_properties(r, PropertyScope::kSuback, ctx, out.properties); e != DecodeError::kNone)
      return e;
  }
  return read_reason_codes(r, PacketType::kSuback, ctx, out.reason_codes);
}

void write_body(Writer& w, const Suback& p, ProtocolVersion v, Trim trim) {
  w.check(p.packet_id != 0 && !p.reason_codes.empty(), EncodeError::kInvalidPacket);
  w.u16(p.packet_id);
  const bool v5 = v == ProtocolVersion::v5;
  if (v5) write_properties(w, p.properties, PropertyScope::kSuback, trim);
  for (const ReasonCode code : p.reason_codes) {
    w.check(reason_code_allowed(PacketType::kSuback, code), EncodeError::kInvalidPacket);
    // 3.1.1 knows one failure code, 0x80, for every v5 refusal (3.9.3).
    const auto byte = static_cast<std::uint8_t>(code);
    w.u8(v5 || byte <= 2 ? byte : 0x80);
  }
}

DecodeError decode_unsubscribe(Reader& r, const DecodeContext& ctx, Unsubscribe& out) {
  if (const DecodeError e = read_packet_id(r, out.packet_id); e != DecodeError::kNone) return e;
  if (ctx.v5()) {
    if (const DecodeError e = decode_properties(r, PropertyScope::kUnsubscribe, ctx, out.properties);
        e != DecodeError::kNone)
      return e;
  }
  if (r.empty()) return DecodeError::kNoTopicFilters;  // [MQTT-3.10.3-2]
  while (!r.empty()) {
    if (out.filters.size() == ctx.limits.max_topic_filters) return DecodeError::kTooManyTopicFilters;
    std::string& filter = out.filters.emplace_back();
    if (!r.utf8(filter)) return r.error();
    if (const DecodeError e = check_topic_filter_field(filter, ctx); e != DecodeError::kNone) return e;
  }
  return DecodeError::kNone;
}

void write_body(Writer& w, const Unsubscribe& p, ProtocolVersion v, Trim trim) {
  w.check(p.packet_id != 0 && !p.filters.empty(), EncodeError::kInvalidPacket);
  w.u16(p.packet_id);
  if (v == ProtocolVersion::v5) write_properties(w, p.properties, PropertyScope::kUnsubscribe, trim);
  for (const std::string& filter : p.filters) w.prefixed(filter);
}

DecodeError decode_unsuback(Reader& r, const DecodeContext& ctx, Unsuback& out) {
  if (const DecodeError e = read_packet_id(r, out.packet_id); e != DecodeError::kNone) return e;
  if (!ctx.v5()) return r.empty() ? DecodeError::kNone : DecodeError::kTrailingBytes;  // 3.1.1: id only
  if (const DecodeError e = decode_properties(r, PropertyScope::kUnsuback, ctx, out.properties); e != DecodeError::kNone)
    return e;
  return read_reason_codes(r, PacketType::kUnsuback, ctx, out.reason_codes);
}

void write_body(Writer& w, const Unsuback& p, ProtocolVersion v, Trim trim) {
  w.check(p.packet_id != 0, EncodeError::kInvalidPacket);
  w.u16(p.packet_id);
  if (v != ProtocolVersion::v5) return;
  w.check(!p.reason_codes.empty(), EncodeError::kInvalidPacket);
  write_properties(w, p.properties, PropertyScope::kUnsuback, trim);
  for (const ReasonCode code : p.reason_codes) {
    w.check(reason_code_allowed(PacketType::kUnsuback, code), EncodeError::kInvalidPacket);
    w.u8(static_cast<std::uint8_t>(code));
  }
}

}  // namespace herald::mqtt
