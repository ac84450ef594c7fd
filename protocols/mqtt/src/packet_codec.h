// Internal interface between the decode/encode front ends (decoder.cc, encoder.cc) and the per-packet
// codecs (connect.cc, publish.cc, subscribe.cc, control.cc, properties.cc).
#pragma once

#include <cstdint>

#include "herald/mqtt/decoder.h"
#include "herald/mqtt/errors.h"
#include "herald/mqtt/limits.h"
#include "herald/mqtt/packets.h"
#include "reader.h"
#include "writer.h"

namespace herald::mqtt {

struct DecodeContext {
  ProtocolVersion version;
  Sender sender;
  const Limits& limits;
  bool v5() const { return version == ProtocolVersion::v5; }
};

// Table 2-2 (v5) / 2.2.2 (3.1.1): the fixed flag nibble of every type but PUBLISH.
constexpr std::uint8_t fixed_header_flags(PacketType type) {
  switch (type) {
    case PacketType::kPubrel:
    case PacketType::kSubscribe:
    case PacketType::kUnsubscribe:
      return 0x2;  // [MQTT-3.6.1-1], [MQTT-3.8.1-1], [MQTT-3.10.1-1]
    default:
      return 0x0;  // e.g. [MQTT-3.14.1-1], [MQTT-3.15.1-1]
  }
}

// Properties the encoder may leave out to fit the peer's Maximum Packet Size.
struct Trim {
  bool reason_string = false;
  bool user_properties = false;
};

// Property Length, then the properties. Checks table 2-4, duplicates, values and limits.
DecodeError decode_properties(Reader& r, PropertyScope scope, const DecodeContext& ctx, Properties& out);
void write_properties(Writer& w, const Properties& props, PropertyScope scope, Trim trim);

// Body decoders: `r` holds exactly the Remaining Length bytes. Each rejects trailing bytes.
DecodeError decode_connect(Reader& r, const DecodeContext& ctx, Connect& out);  // ctx.version unused
DecodeError decode_connack(Reader& r, const DecodeContext& ctx, Connack& out);
DecodeError decode_publish(Reader& r, std::uint8_t flags, const DecodeContext& ctx, Publish& out);
DecodeError decode_publish_response(Reader& r, PacketType type, const DecodeContext& ctx,
                                    std::uint16_t& packet_id, ReasonCode& reason, Properties& props);
DecodeError decode_subscribe(Reader& r, const DecodeContext& ctx, Subscribe& out);
DecodeError decode_suback(Reader& r, const DecodeContext& ctx, Suback& out);
DecodeError decode_unsubscribe(Reader& r, const DecodeContext& ctx, Unsubscribe& out);
DecodeError decode_unsuback(Reader& r, const DecodeContext& ctx, Unsuback& out);
DecodeError decode_disconnect(Reader& r, const DecodeContext& ctx, Disconnect& out);
DecodeError decode_auth(Reader& r, const DecodeContext& ctx, Auth& out);

// Body writers (everything after the Remaining Length). Field checks go through Writer::check.
void write_body(Writer& w, const Connect& p, ProtocolVersion v, Trim trim);
void write_body(Writer& w, const Connack& p, ProtocolVersion v, Trim trim);
void write_body(Writer& w, const Publish& p, ProtocolVersion v, Trim trim);
void write_publish_response(Writer& w, PacketType type, std::uint16_t packet_id, ReasonCode reason,
                            const Properties& props, ProtocolVersion v, Trim trim);
template <PacketType kType>
void write_body(Writer& w, const PublishResponse<kType>& p, ProtocolVersion v, Trim trim) {
  write_publish_response(w, kType, p.packet_id, p.reason_code, p.properties, v, trim);
}
void write_body(Writer& w, const Subscribe& p, ProtocolVersion v, Trim trim);
void write_body(Writer& w, const Suback& p, ProtocolVersion v, Trim trim);
void write_body(Writer& w, const Unsubscribe& p, ProtocolVersion v, Trim trim);
void write_body(Writer& w, const Unsuback& p, ProtocolVersion v, Trim trim);
inline void write_body(Writer&, const Pingreq&, ProtocolVersion, Trim) {}
inline void write_body(Writer&, const Pingresp&, ProtocolVersion, Trim) {}
void write_body(Writer& w, const Disconnect& p, ProtocolVersion v, Trim trim);
void write_body(Writer& w, const Auth& p, ProtocolVersion v, Trim trim);

// Shared field rules.
DecodeError check_topic_name_field(const std::string& topic, const DecodeContext& ctx);
DecodeError check_topic_filter_field(const std::string& filter, const DecodeContext& ctx);
DecodeError check_payload_format(const Properties& props, const Bytes& payload, const DecodeContext& ctx);

}  // namespace herald::mqtt
