// The decoder front end: fixed header checks (type, direction, flags, Remaining Length, size limit)
// and dispatch of the body to the per-packet codecs. Hand-written rather than taken from a library:
// no Debian package offers a pure, incremental, server-side MQTT 5 codec with limits (libmosquitto's
// is internal), and the gateway needs every rule as a specific error value.
#include "herald/mqtt/decoder.h"

#include <new>

#include "packet_codec.h"

namespace herald::mqtt {
namespace {

// Which side may send each type (section 2.1.2, "Direction of flow"). 3.1.1 has no server DISCONNECT.
bool direction_allowed(PacketType type, Sender sender, ProtocolVersion version) {
  switch (type) {
    case PacketType::kConnect:
    case PacketType::kSubscribe:
    case PacketType::kUnsubscribe:
    case PacketType::kPingreq:
      return sender != Sender::kServer;
    case PacketType::kConnack:
    case PacketType::kSuback:
    case PacketType::kUnsuback:
    case PacketType::kPingresp:
      return sender != Sender::kClient;
    case PacketType::kDisconnect:
      return sender != Sender::kServer || version == ProtocolVersion::v5;
    default:
      return true;
  }
}

template <class Ack>
DecodeError decode_ack(Reader& r, const DecodeContext& ctx, Packet& packet) {
  Ack& ack = packet.emplace<Ack>();
  return decode_publish_response(r, Ack::kPacketType, ctx, ack.packet_id, ack.reason_code, ack.properties);
}

DecodeError decode_body(const FixedHeader& h, Reader& r, const DecodeContext& ctx, DecodeResult& out) {
  Packet& p = out.packet;
  switch (h.type) {
    case PacketType::kConnect: {
      Connect& c = p.emplace<Connect>();
      // Until the protocol level has been read, errors are answered in 3.1.1 form (see action_for).
      c.version = ProtocolVersion::v311;
      const DecodeError e = decode_connect(r, ctx, c);
      out.version = c.version;
      return e;
    }
    case PacketType::kConnack: return decode_connack(r, ctx, p.emplace<Connack>());
    case PacketType::kPublish: return decode_publish(r, h.flags, ctx, p.emplace<Publish>());
    case PacketType::kPuback: return decode_ack<Puback>(r, ctx, p);
    case PacketType::kPubrec: return decode_ack<Pubrec>(r, ctx, p);
    case PacketType::kPubrel: return decode_ack<Pubrel>(r, ctx, p);
    case PacketType::kPubcomp: return decode_ack<Pubcomp>(r, ctx, p);
    case PacketType::kSubscribe: return decode_subscribe(r, ctx, p.emplace<Subscribe>());
    case PacketType::kSuback: return decode_suback(r, ctx, p.emplace<Suback>());
    case PacketType::kUnsubscribe: return decode_unsubscribe(r, ctx, p.emplace<Unsubscribe>());
    case PacketType::kUnsuback: return decode_unsuback(r, ctx, p.emplace<Unsuback>());
    case PacketType::kPingreq:
      p.emplace<Pingreq>();
      return r.empty() ? DecodeError::kNone : DecodeError::kTrailingBytes;
    case PacketType::kPingresp:
      p.emplace<Pingresp>();
      return r.empty() ? DecodeError::kNone : DecodeError::kTrailingBytes;
    case PacketType::kDisconnect: return decode_disconnect(r, ctx, p.emplace<Disconnect>());
    case PacketType::kAuth: return decode_auth(r, ctx, p.emplace<Auth>());
    case PacketType::kReserved: break;
  }
  return DecodeError::kReservedPacketType;
}

}  // namespace

PeekResult peek_fixed_header(std::span<const std::uint8_t> bytes, const DecodeOptions& options) {
  PeekResult res;
  if (bytes.empty()) return res;
  auto fail = [&res](DecodeError e) {
    res.status = DecodeStatus::kError;
    res.error = e;
    return res;
  };
  FixedHeader& h = res.header;
  h.type = static_cast<PacketType>(bytes[0] >> 4);
  h.flags = bytes[0] & 0x0F;
  // Refuse what the first byte alone betrays, before waiting for more.
  if (h.type == PacketType::kReserved || (h.type == PacketType::kAuth && options.version != ProtocolVersion::v5))
    return fail(DecodeError::kReservedPacketType);
  if (!direction_allowed(h.type, options.sender, options.version)) return fail(DecodeError::kUnexpectedPacketType);
  if (h.type == PacketType::kPublish) {
    const unsigned qos = (h.flags >> 1) & 3;
    if (qos == 3) return fail(DecodeError::kInvalidQos);                       // [MQTT-3.3.1-4]
    if (qos == 0 && (h.flags & 0x08)) return fail(DecodeError::kDupOnQos0);    // [MQTT-3.3.1-2]
  } else if (h.flags != fixed_header_flags(h.type)) {
    return fail(DecodeError::kInvalidFixedHeaderFlags);  // v5 [MQTT-2.1.3-1], 3.1.1 [MQTT-2.2.2-1]
  }
  const VarintRead length = read_varint(bytes.subspan(1));
  if (length.status == VarintStatus::kNeedMore) return res;
  if (length.status == VarintStatus::kMalformed) return fail(DecodeError::kMalformedVarint);  // [MQTT-1.5.5-1]
  h.remaining_length = length.value;
  h.header_size = static_cast<std::uint8_t>(1 + length.length);
  // Checked now, so a hostile length never makes the caller buffer the body.
  if (h.packet_size() > options.limits.max_packet_size) return fail(DecodeError::kPacketTooLarge);
  res.status = DecodeStatus::kOk;
  return res;
}

DecodeResult decode(std::span<const std::uint8_t> bytes, const DecodeOptions& options) {
  DecodeResult out;
  out.version = options.version;
  const PeekResult peek = peek_fixed_header(bytes, options);
  if (!bytes.empty()) out.packet_type = peek.header.type;
  if (out.packet_type == PacketType::kConnect) out.version = ProtocolVersion::v311;  // level not read yet
  if (peek.status == DecodeStatus::kError) {
    out.status = DecodeStatus::kError;
    out.error = peek.error;
    return out;
  }
  if (peek.status == DecodeStatus::kNeedMore) return out;
  const FixedHeader& h = peek.header;
  if (bytes.size() < h.packet_size()) {
    out.needed = h.packet_size();
    return out;
  }
  Reader body(bytes.subspan(h.header_size, h.remaining_length), options.limits.reject_discouraged_code_points);
  const DecodeContext ctx{options.version, options.sender, options.limits};
  DecodeError error = DecodeError::kNone;
  try {
    error = decode_body(h, body, ctx, out);
  } catch (const std::bad_alloc&) {
    error = DecodeError::kOutOfMemory;
  }
  if (error != DecodeError::kNone) {
    out.status = DecodeStatus::kError;
    out.error = error;
    return out;
  }
  out.status = DecodeStatus::kOk;
  out.consumed = h.packet_size();
  return out;
}

}  // namespace herald::mqtt
