// DISCONNECT and AUTH (MQTT 5 sections 3.14, 3.15; 3.1.1 section 3.14). PINGREQ / PINGRESP have no
// body and are handled entirely by the fixed header (decoder.cc).
#include "packet_codec.h"

namespace herald::mqtt {

DecodeError decode_disconnect(Reader& r, const DecodeContext& ctx, Disconnect& out) {
  // v5: "The Reason Code and Property Length can be omitted if the Reason Code is 0x00 (Normal
  // disconnection) and there are no Properties" (3.14.2.1); with Remaining Length 1 the Property
  // Length is absent. 3.1.1 DISCONNECT has no body.
  if (ctx.v5() && !r.empty()) {
    std::uint8_t code = 0;
    r.u8(code);
    out.reason_code = static_cast<ReasonCode>(code);
    if (!reason_code_allowed(PacketType::kDisconnect, out.reason_code)) return DecodeError::kInvalidReasonCode;
    if (!r.empty()) {
      if (const DecodeError e = decode_properties(r, PropertyScope::kDisconnect, ctx, out.properties);
          e != DecodeError::kNone)
        return e;
    }
  }
  return r.empty() ? DecodeError::kNone : DecodeError::kTrailingBytes;
}

void write_body(Writer& w, const Disconnect& p, ProtocolVersion v, Trim trim) {
  if (v != ProtocolVersion::v5) return;
  w.check(reason_code_allowed(PacketType::kDisconnect, p.reason_code), EncodeError::kInvalidPacket);
  Writer props_size;
  write_properties(props_size, p.properties, PropertyScope::kDisconnect, trim);
  w.check(props_size.error() == EncodeError::kNone, props_size.error());
  const bool has_props = props_size.size() > 1;
  if (p.reason_code == ReasonCode::kNormalDisconnection && !has_props) return;
  w.u8(static_cast<std::uint8_t>(p.reason_code));
  if (has_props) write_properties(w, p.properties, PropertyScope::kDisconnect, trim);
}

DecodeError decode_auth(Reader& r, const DecodeContext& ctx, Auth& out) {
  // Remaining Length 0 means Success without properties (3.15.2.1). Otherwise the properties must
  // name the Authentication Method: "It is a Protocol Error to omit the Authentication Method" (3.15.2.2.2).
  if (r.empty()) return DecodeError::kNone;
  std::uint8_t code = 0;
  r.u8(code);
  out.reason_code = static_cast<ReasonCode>(code);
  if (!reason_code_allowed(PacketType::kAuth, out.reason_code)) return DecodeError::kInvalidReasonCode;  // [MQTT-3.15.2-1]
  if (!r.empty()) {
    if (const DecodeError e = decode_properties(r, PropertyScope::kAuth, ctx, out.properties); e != DecodeError::kNone)
      return e;
  }
  if (!out.properties.authentication_method) return DecodeError::kAuthMethodMissing;
  return r.empty() ? DecodeError::kNone : DecodeError::kTrailingBytes;
}

void write_body(Writer& w, const Auth& p, ProtocolVersion, Trim trim) {
  w.check(reason_code_allowed(PacketType::kAuth, p.reason_code), EncodeError::kInvalidPacket);
  if (p.reason_code == ReasonCode::kSuccess && p.properties.empty()) return;
  w.check(p.properties.authentication_method.has_value(), EncodeError::kInvalidPacket);
  w.u8(static_cast<std::uint8_t>(p.reason_code));
  write_properties(w, p.properties, PropertyScope::kAuth, trim);
}

}  // namespace herald::mqtt
