// The encoder front end: sizes a packet, trims it to the peer's Maximum Packet Size where the spec
// allows, then appends the fixed header and body to the caller's buffer in one pass.
#include "herald/mqtt/encoder.h"

#include <new>

#include "packet_codec.h"

namespace herald::mqtt {
namespace {

template <class T, class V>
struct variant_index;
template <class T, class... Ts>
struct variant_index<T, std::variant<Ts...>> {
  static constexpr std::size_t value = [] {
    std::size_t i = 0;
    (void)((std::is_same_v<T, Ts> ? false : (++i, true)) && ...);
    return i;
  }();
};
// Packet lists its alternatives in wire order, so the index gives the packet type.
template <class P>
constexpr PacketType kTypeOf = static_cast<PacketType>(variant_index<P, Packet>::value + 1);

template <class P>
std::uint8_t first_byte(const P& p) {
  auto byte = static_cast<std::uint8_t>(static_cast<unsigned>(kTypeOf<P>) << 4);
  if constexpr (std::is_same_v<P, Publish>) {
    byte |= static_cast<std::uint8_t>((p.dup ? 0x08u : 0u) | static_cast<unsigned>(p.qos) << 1 | (p.retain ? 1u : 0u));
  } else {
    byte |= fixed_header_flags(kTypeOf<P>);
  }
  return byte;
}

// Encodes into `out` when it is given; otherwise only sizes. `size` receives the packet size.
template <class P>
EncodeError encode_packet(const P& p, ProtocolVersion v, std::vector<std::uint8_t>* out, const EncodeOptions& options,
                          std::size_t& size) {
  if constexpr (std::is_same_v<P, Connect>) v = p.version;
  if constexpr (std::is_same_v<P, Auth>) {
    if (v != ProtocolVersion::v5) return EncodeError::kNotInVersion;
  }
  // Reason String and User Properties may be dropped to fit, except from CONNECT and PUBLISH, where
  // they are the sender's data rather than diagnostics ([MQTT-3.2.2-19], [MQTT-3.4.2-2] and so on).
  constexpr bool kTrimmable = !std::is_same_v<P, Connect> && !std::is_same_v<P, Publish>;
  Trim trim;
  for (int attempt = 0;; ++attempt) {
    Writer counter;
    write_body(counter, p, v, trim);
    if (counter.error() != EncodeError::kNone) return counter.error();
    const std::size_t body = counter.size();
    if (body > kMaxVarint) return EncodeError::kPacketTooLarge;
    size = 1 + varint_size(static_cast<std::uint32_t>(body)) + body;
    if (size > options.max_packet_size) {
      if (!kTrimmable || v != ProtocolVersion::v5 || attempt == 2) return EncodeError::kExceedsMaximumPacketSize;
      (attempt == 0 ? trim.reason_string : trim.user_properties) = true;
      continue;
    }
    if (!out) return EncodeError::kNone;
    const std::size_t start = out->size();
    try {
      out->reserve(start + size);
      Writer w(*out);
      w.u8(first_byte(p));
      w.varint(static_cast<std::uint32_t>(body));
      write_body(w, p, v, trim);
    } catch (const std::bad_alloc&) {
      out->resize(start);
      return EncodeError::kOutOfMemory;
    }
    return EncodeError::kNone;
  }
}

}  // namespace

std::string_view describe(EncodeError error) {
  switch (error) {
    case EncodeError::kNone: return "no error";
    case EncodeError::kFieldTooLong: return "string or binary field longer than 65535 bytes";
    case EncodeError::kPropertyNotAllowed: return "property not allowed in this packet";
    case EncodeError::kInvalidPacket: return "field value the specification forbids";
    case EncodeError::kNotInVersion: return "packet type does not exist in this protocol version";
    case EncodeError::kPacketTooLarge: return "remaining length above 268435455";
    case EncodeError::kExceedsMaximumPacketSize: return "packet larger than the peer's maximum packet size";
    case EncodeError::kOutOfMemory: return "allocation failed while encoding";
  }
  return "unknown encode error";
}

template <PacketAlternative P>
EncodeError encode(const P& packet, ProtocolVersion version, std::vector<std::uint8_t>& out,
                   const EncodeOptions& options) {
  std::size_t size = 0;
  return encode_packet(packet, version, &out, options, size);
}

template <PacketAlternative P>
EncodedSize encoded_size(const P& packet, ProtocolVersion version, const EncodeOptions& options) {
  EncodedSize result;
  result.error = encode_packet(packet, version, nullptr, options, result.size);
  if (result.error != EncodeError::kNone) result.size = 0;
  return result;
}

EncodeError encode(const Packet& packet, ProtocolVersion version, std::vector<std::uint8_t>& out,
                   const EncodeOptions& options) {
  return std::visit([&](const auto& p) { return encode(p, version, out, options); }, packet);
}

EncodedSize encoded_size(const Packet& packet, ProtocolVersion version, const EncodeOptions& options) {
  return std::visit([&](const auto& p) { return encoded_size(p, version, options); }, packet);
}

#define HERALD_MQTT_INSTANTIATE_(P)                                                                      \
  template EncodeError encode<P>(const P&, ProtocolVersion, std::vector<std::uint8_t>&, const EncodeOptions&); \
  template EncodedSize encoded_size<P>(const P&, ProtocolVersion, const EncodeOptions&);
HERALD_MQTT_INSTANTIATE_(Connect)
HERALD_MQTT_INSTANTIATE_(Connack)
HERALD_MQTT_INSTANTIATE_(Publish)
HERALD_MQTT_INSTANTIATE_(Puback)
HERALD_MQTT_INSTANTIATE_(Pubrec)
HERALD_MQTT_INSTANTIATE_(Pubrel)
HERALD_MQTT_INSTANTIATE_(Pubcomp)
HERALD_MQTT_INSTANTIATE_(Subscribe)
HERALD_MQTT_INSTANTIATE_(Suback)
HERALD_MQTT_INSTANTIATE_(Unsubscribe)
HERALD_MQTT_INSTANTIATE_(Unsuback)
HERALD_MQTT_INSTANTIATE_(Pingreq)
HERALD_MQTT_INSTANTIATE_(Pingresp)
HERALD_MQTT_INSTANTIATE_(Disconnect)
HERALD_MQTT_INSTANTIATE_(Auth)
#undef HERALD_MQTT_INSTANTIATE_

}  // namespace herald::mqtt
