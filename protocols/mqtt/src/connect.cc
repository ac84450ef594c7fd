// CONNECT and CONNACK (MQTT 5 sections 3.1, 3.2; 3.1.1 sections 3.1, 3.2): the handshake that fixes
// the session's protocol version.
#include "packet_codec.h"

namespace herald::mqtt {
namespace {

// CONNECT flag bits (3.1.2.3).
constexpr std::uint8_t kReservedFlag = 0x01;
constexpr std::uint8_t kCleanStart = 0x02;
constexpr std::uint8_t kWillFlag = 0x04;
constexpr unsigned kWillQosShift = 3;
constexpr std::uint8_t kWillRetain = 0x20;
constexpr std::uint8_t kPasswordFlag = 0x40;
constexpr std::uint8_t kUserNameFlag = 0x80;

constexpr std::string_view kProtocolName = "MQTT";

}  // namespace

DecodeError decode_connect(Reader& r, const DecodeContext& session, Connect& out) {
  std::string_view name;
  if (!r.raw_string(name)) return r.error();
  // "MQIsdp" is MQTT 3.1, which we do not speak: answer as for an unsupported level.
  if (name != kProtocolName)
    return name == "MQIsdp" ? DecodeError::kUnsupportedProtocolVersion : DecodeError::kProtocolNameInvalid;
  std::uint8_t level = 0;
  if (!r.u8(level)) return r.error();
  if (level != 4 && level != 5) return DecodeError::kUnsupportedProtocolVersion;  // [MQTT-3.1.2-2]
  out.version = static_cast<ProtocolVersion>(level);
  const DecodeContext ctx{out.version, session.sender, session.limits};

  std::uint8_t flags = 0;
  if (!r.u8(flags)) return r.error();
  if (flags & kReservedFlag) return DecodeError::kConnectReservedFlag;  // [MQTT-3.1.2-3]
  const bool will = flags & kWillFlag;
  const auto will_qos = static_cast<std::uint8_t>((flags >> kWillQosShift) & 3);
  if (!will && will_qos != 0) return DecodeError::kWillQosWithoutWill;               // [MQTT-3.1.2-13]
  if (will_qos == 3) return DecodeError::kInvalidQos;                                // [MQTT-3.1.2-14]
  if (!will && (flags & kWillRetain)) return DecodeError::kWillRetainWithoutWill;    // [MQTT-3.1.2-15]
  const bool has_password = flags & kPasswordFlag;
  const bool has_username = flags & kUserNameFlag;
  if (!ctx.v5() && has_password && !has_username) return DecodeError::kPasswordWithoutUsername;  // [MQTT-3.1.2-22]
  out.clean_start = flags & kCleanStart;
  if (!r.u16(out.keep_alive)) return r.error();
  if (ctx.v5()) {
    if (const DecodeError e = decode_properties(r, PropertyScope::kConnect, ctx, out.properties); e != DecodeError::kNone)
      return e;
  }

  if (!r.utf8(out.client_id)) return r.error();
  if (out.client_id.size() > ctx.limits.max_client_id_length) return DecodeError::kClientIdentifierTooLong;
  // 3.1.1: a zero-byte id needs CleanSession = 1 [MQTT-3.1.3-7], else CONNACK 0x02 [MQTT-3.1.3-8].
  if (!ctx.v5() && out.client_id.empty() && !out.clean_start) return DecodeError::kClientIdentifierInvalid;

  if (will) {
    Will& w = out.will.emplace();
    w.qos = static_cast<QoS>(will_qos);
    w.retain = flags & kWillRetain;
    if (ctx.v5()) {
      if (const DecodeError e = decode_properties(r, PropertyScope::kWill, ctx, w.properties); e != DecodeError::kNone)
        return e;
    }
    if (!r.utf8(w.topic)) return r.error();
    if (const DecodeError e = check_topic_name_field(w.topic, ctx); e != DecodeError::kNone) return e;
    if (!r.binary(w.payload)) return r.error();
    if (const DecodeError e = check_payload_format(w.properties, w.payload, ctx); e != DecodeError::kNone) return e;
  }
  if (has_username && !r.utf8(out.username.emplace())) return r.error();
  if (has_password && !r.binary(out.password.emplace())) return r.error();
  return r.empty() ? DecodeError::kNone : DecodeError::kTrailingBytes;
}

void write_body(Writer& w, const Connect& p, ProtocolVersion, Trim trim) {
  const bool v5 = p.version == ProtocolVersion::v5;
  if (w.counting()) {
    w.check(p.version == ProtocolVersion::v5 || p.version == ProtocolVersion::v311, EncodeError::kInvalidPacket);
    w.check(v5 || p.password.has_value() <= p.username.has_value(), EncodeError::kInvalidPacket);
    w.check(!p.will || p.will->qos <= QoS::kExactlyOnce, EncodeError::kInvalidPacket);
  }
  w.prefixed(kProtocolName);
  w.u8(static_cast<std::uint8_t>(p.version));
  std::uint8_t flags = p.clean_start ? kCleanStart : 0;
  if (p.will) {
    flags |= kWillFlag | static_cast<std::uint8_t>(static_cast<unsigned>(p.will->qos) << kWillQosShift);
    if (p.will->retain) flags |= kWillRetain;
  }
  if (p.username) flags |= kUserNameFlag;
  if (p.password) flags |= kPasswordFlag;
  w.u8(flags);
  w.u16(p.keep_alive);
  if (v5) write_properties(w, p.properties, PropertyScope::kConnect, trim);
  w.prefixed(p.client_id);
  if (p.will) {
    if (v5) write_properties(w, p.will->properties, PropertyScope::kWill, trim);
    w.prefixed(p.will->topic);
    w.prefixed(p.will->payload);
  }
  if (p.username) w.prefixed(*p.username);
  if (p.password) w.prefixed(*p.password);
}

DecodeError decode_connack(Reader& r, const DecodeContext& ctx, Connack& out) {
  std::uint8_t ack_flags = 0, code = 0;
  if (!r.u8(ack_flags) || !r.u8(code)) return r.error();
  if (ack_flags & 0xFE) return DecodeError::kConnackReservedFlags;  // v5 [MQTT-3.2.2-1], 3.1.1 3.2.2.1
  out.session_present = ack_flags & 1;
  if (ctx.v5()) {
    out.reason_code = static_cast<ReasonCode>(code);
    if (!reason_code_allowed(PacketType::kConnack, out.reason_code)) return DecodeError::kInvalidReasonCode;
    if (const DecodeError e = decode_properties(r, PropertyScope::kConnack, ctx, out.properties); e != DecodeError::kNone)
      return e;
  } else {
    const std::optional<ReasonCode> reason = from_connect_return_code(code);
    if (!reason) return DecodeError::kInvalidReasonCode;  // 6..255 are reserved (3.2.2.3)
    out.reason_code = *reason;
  }
  // A refusal never reports a session [MQTT-3.2.2-6] (3.1.1: [MQTT-3.2.2-4]).
  if (out.session_present && out.reason_code != ReasonCode::kSuccess) return DecodeError::kSessionPresentOnError;
  return r.empty() ? DecodeError::kNone : DecodeError::kTrailingBytes;
}

void write_body(Writer& w, const Connack& p, ProtocolVersion v, Trim trim) {
  w.check(!(p.session_present && p.reason_code != ReasonCode::kSuccess), EncodeError::kInvalidPacket);
  w.u8(p.session_present ? 1 : 0);
  if (v == ProtocolVersion::v5) {
    w.check(reason_code_allowed(PacketType::kConnack, p.reason_code), EncodeError::kInvalidPacket);
    w.u8(static_cast<std::uint8_t>(p.reason_code));
    write_properties(w, p.properties, PropertyScope::kConnack, trim);
  } else {
    w.u8(static_cast<std::uint8_t>(to_connect_return_code(p.reason_code)));
  }
}

}  // namespace herald::mqtt
