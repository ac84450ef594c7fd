// PUBLISH and its responses PUBACK, PUBREC, PUBREL, PUBCOMP (MQTT 5 sections 3.3-3.7; 3.1.1 3.3-3.7).
// This is the hot path: the decoder copies topic and payload once, the writer once.
#include "herald/mqtt/topic.h"
#include "packet_codec.h"

namespace herald::mqtt {

DecodeError check_payload_format(const Properties& props, const Bytes& payload, const DecodeContext& ctx) {
  if (!ctx.limits.validate_utf8_payloads || props.payload_format_indicator != PayloadFormat::kUtf8)
    return DecodeError::kNone;
  const std::string_view text(reinterpret_cast<const char*>(payload.data()), payload.size());
  // Well-formedness only: a payload may legitimately contain U+0000 or controls.
  const DecodeError e = validate_utf8(text);
  return e == DecodeError::kNone || e == DecodeError::kUtf8NullCharacter ? DecodeError::kNone
                                                                          : DecodeError::kPayloadFormatInvalid;
}

DecodeError decode_publish(Reader& r, std::uint8_t flags, const DecodeContext& ctx, Publish& out) {
  // QoS 3 and DUP on QoS 0 were refused with the fixed header (peek_fixed_header).
  out.dup = flags & 0x08;
  out.qos = static_cast<QoS>((flags >> 1) & 3);
  out.retain = flags & 0x01;
  if (!r.utf8(out.topic)) return r.error();
  if (out.topic.size() > ctx.limits.max_topic_length) return DecodeError::kTopicNameTooLong;
  if (out.qos != QoS::kAtMostOnce) {
    if (!r.u16(out.packet_id)) return r.error();
    if (out.packet_id == 0) return DecodeError::kPacketIdentifierZero;  // [MQTT-2.2.1-3] (3.1.1 [MQTT-2.3.1-1])
  }
  if (ctx.v5()) {
    if (const DecodeError e = decode_properties(r, PropertyScope::kPublish, ctx, out.properties); e != DecodeError::kNone)
      return e;
  }
  // An empty topic name is allowed only in v5 and only with a Topic Alias (3.3.2.3.4); otherwise
  // every topic name is at least one character and wildcard-free [MQTT-4.7.3-1], [MQTT-3.3.2-2].
  if (!(out.topic.empty() && ctx.v5() && out.properties.topic_alias)) {
    if (const DecodeError e = validate_topic_name(out.topic); e != DecodeError::kNone) return e;
  }
  r.rest(out.payload);
  return check_payload_format(out.properties, out.payload, ctx);
}

void write_body(Writer& w, const Publish& p, ProtocolVersion v, Trim trim) {
  if (w.counting()) {
    w.check(p.qos <= QoS::kExactlyOnce, EncodeError::kInvalidPacket);
    w.check((p.qos == QoS::kAtMostOnce) == (p.packet_id == 0), EncodeError::kInvalidPacket);
    w.check(!(p.dup && p.qos == QoS::kAtMostOnce), EncodeError::kInvalidPacket);
  }
  w.prefixed(p.topic);
  if (p.qos != QoS::kAtMostOnce) w.u16(p.packet_id);
  if (v == ProtocolVersion::v5) write_properties(w, p.properties, PropertyScope::kPublish, trim);
  w.raw(p.payload);
}

DecodeError decode_publish_response(Reader& r, PacketType type, const DecodeContext& ctx, std::uint16_t& packet_id,
                                    ReasonCode& reason, Properties& props) {
  if (!r.u16(packet_id)) return r.error();
  // An acknowledgement echoes the PUBLISH's identifier, which is never 0 [MQTT-2.2.1-3].
  if (packet_id == 0) return DecodeError::kPacketIdentifierZero;
  // v5: "The Reason Code and Property Length can be omitted if the Reason Code is 0x00 (Success)
  // and there are no Properties" (3.4.2.1); with Remaining Length < 4 there is no Property Length.
  if (ctx.v5() && !r.empty()) {
    std::uint8_t code = 0;
    if (!r.u8(code)) return r.error();
    reason = static_cast<ReasonCode>(code);
    if (!reason_code_allowed(type, reason)) return DecodeError::kInvalidReasonCode;
    if (!r.empty()) {
      if (const DecodeError e = decode_properties(r, scope_of(type), ctx, props); e != DecodeError::kNone) return e;
    }
  }
  return r.empty() ? DecodeError::kNone : DecodeError::kTrailingBytes;  // 3.1.1: exactly 2 bytes
}

void write_publish_response(Writer& w, PacketType type, std::uint16_t packet_id, ReasonCode reason,
                            const Properties& props, ProtocolVersion v, Trim trim) {
  w.check(packet_id != 0, EncodeError::kInvalidPacket);
  w.u16(packet_id);
  if (v != ProtocolVersion::v5) return;
  w.check(reason_code_allowed(type, reason), EncodeError::kInvalidPacket);
  // Shortest form: drop the properties, then the reason code, when they say nothing.
  Writer props_size;
  write_properties(props_size, props, scope_of(type), trim);
  w.check(props_size.error() == EncodeError::kNone, props_size.error());
  const bool has_props = props_size.size() > 1;  // more than a zero Property Length
  if (reason == ReasonCode::kSuccess && !has_props) return;
  w.u8(static_cast<std::uint8_t>(reason));
  if (has_props) write_properties(w, props, scope_of(type), trim);
}

}  // namespace herald::mqtt
