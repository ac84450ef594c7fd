// Incremental MQTT decoding: hand it the bytes received so far; it answers with one packet and how
// many bytes it used, or "need more", or the specific rule the bytes break. Pure: no state, no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "herald/mqtt/errors.h"
#include "herald/mqtt/limits.h"
#include "herald/mqtt/packets.h"
#include "herald/mqtt/protocol.h"

namespace herald::mqtt {

struct DecodeOptions {
  // The session's version, from its CONNECT. A CONNECT packet is always read by its own level.
  ProtocolVersion version = ProtocolVersion::v5;
  Sender sender = Sender::kClient;  // who wrote the bytes (a server decodes kClient)
  Limits limits;
};

enum class DecodeStatus : std::uint8_t { kOk, kNeedMore, kError };

struct FixedHeader {
  PacketType type = PacketType::kReserved;
  std::uint8_t flags = 0;              // low nibble of the first byte
  std::uint32_t remaining_length = 0;
  std::uint8_t header_size = 0;        // 2..5
  std::size_t packet_size() const { return header_size + std::size_t{remaining_length}; }
};

struct PeekResult {
  DecodeStatus status = DecodeStatus::kNeedMore;
  FixedHeader header;                  // complete when kOk
  DecodeError error = DecodeError::kNone;
};

// Reads and checks only the fixed header: packet type for the version and sender, reserved flag bits,
// PUBLISH QoS/DUP, the Remaining Length encoding, and the packet size against limits.max_packet_size.
// So an oversize packet is refused after at most 5 bytes, before its body is buffered.
PeekResult peek_fixed_header(std::span<const std::uint8_t> bytes, const DecodeOptions& options);

struct DecodeResult {
  DecodeStatus status = DecodeStatus::kNeedMore;
  Packet packet{std::in_place_type<Pingreq>};  // kOk only (starts as the cheapest alternative)
  std::size_t consumed = 0;      // kOk: the packet's size; the caller drops these bytes
  // kNeedMore: the total bytes this packet needs once the fixed header is known, else 0.
  std::size_t needed = 0;
  DecodeError error = DecodeError::kNone;  // kError only
  // The type being decoded (kReserved if the first byte was not read yet) and the version it was
  // read as (a CONNECT's own level; v311 if that level is unsupported): inputs to action_for.
  PacketType packet_type = PacketType::kReserved;
  ProtocolVersion version = ProtocolVersion::v5;
};

// Decodes the first packet in `bytes`. A packet split at any byte boundary decodes identically.
// Never throws: even allocation failure comes back as DecodeError::kOutOfMemory.
DecodeResult decode(std::span<const std::uint8_t> bytes, const DecodeOptions& options);

}  // namespace herald::mqtt
