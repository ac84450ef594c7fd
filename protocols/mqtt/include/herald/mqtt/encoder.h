// MQTT encoding: appends one packet's minimal wire bytes to a caller-owned buffer, so a connection
// can batch many packets into one write and reuse the buffer (no allocation once it has grown).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "herald/mqtt/packets.h"
#include "herald/mqtt/protocol.h"

namespace herald::mqtt {

enum class EncodeError : std::uint8_t {
  kNone,
  kFieldTooLong,              // a string or binary field over 65,535 bytes
  kPropertyNotAllowed,        // v5: a property table 2-4 does not list for this packet
  kInvalidPacket,             // a field value the spec forbids (packet id 0, empty filter list, ...)
  kNotInVersion,              // AUTH in 3.1.1
  kPacketTooLarge,            // Remaining Length over 268,435,455
  kExceedsMaximumPacketSize,  // over EncodeOptions::max_packet_size even after trimming
  kOutOfMemory,               // growing `out` failed
};
std::string_view describe(EncodeError error);

struct EncodeOptions {
  // The peer's Maximum Packet Size (v5 CONNECT / CONNACK property). When a packet is larger, the
  // encoder drops its Reason String, then its User Properties, where the spec allows that
  // (every packet but CONNECT and PUBLISH) [MQTT-3.2.2-19], [MQTT-3.4.2-2] etc.; if still too large it
  // appends nothing and returns kExceedsMaximumPacketSize (a PUBLISH is then discarded [MQTT-3.1.2-25]).
  std::uint32_t max_packet_size = kMaxPacketSize;
};

// Appends the packet to `out`; on error `out` is unchanged. A Connect is encoded in its own
// `version` field; `version` applies to every other packet. In 3.1.1 properties and the reason
// codes 3.1.1 cannot carry are left out; CONNACK and SUBACK codes map to their 3.1.1 equivalents.
EncodeError encode(const Packet& packet, ProtocolVersion version, std::vector<std::uint8_t>& out,
                   const EncodeOptions& options = {});
// Same, for a packet not wrapped in a Packet (saves a copy on the PUBLISH path).
template <PacketAlternative P>
EncodeError encode(const P& packet, ProtocolVersion version, std::vector<std::uint8_t>& out,
                   const EncodeOptions& options = {});

struct EncodedSize {
  EncodeError error = EncodeError::kNone;
  std::size_t size = 0;  // whole packet, fixed header included, after any trimming
};
EncodedSize encoded_size(const Packet& packet, ProtocolVersion version, const EncodeOptions& options = {});
template <PacketAlternative P>
EncodedSize encoded_size(const P& packet, ProtocolVersion version, const EncodeOptions& options = {});

}  // namespace herald::mqtt
