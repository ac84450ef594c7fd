// Constants and small enums every MQTT 3.1.1 / 5.0 packet shares: versions, packet types, QoS.
#pragma once

#include <cstdint>
#include <string_view>

namespace herald::mqtt {

// The CONNECT "protocol level" byte. MQTT 3.1 ("MQIsdp", level 3) is rejected as unsupported.
enum class ProtocolVersion : std::uint8_t { v311 = 4, v5 = 5 };

// The high nibble of the fixed header's first byte.
enum class PacketType : std::uint8_t {
  kReserved = 0,
  kConnect = 1,
  kConnack = 2,
  kPublish = 3,
  kPuback = 4,
  kPubrec = 5,
  kPubrel = 6,
  kPubcomp = 7,
  kSubscribe = 8,
  kSuback = 9,
  kUnsubscribe = 10,
  kUnsuback = 11,
  kPingreq = 12,
  kPingresp = 13,
  kDisconnect = 14,
  kAuth = 15,  // MQTT 5 only; reserved in 3.1.1
};

enum class QoS : std::uint8_t { kAtMostOnce = 0, kAtLeastOnce = 1, kExactlyOnce = 2 };

// Which side of the connection produced the bytes being decoded. A server decodes kClient bytes;
// the load generator and tests decode kServer bytes. kAny skips the direction checks.
enum class Sender : std::uint8_t { kClient, kServer, kAny };

// Largest value a four-byte Variable Byte Integer holds (and so the largest Remaining Length).
inline constexpr std::uint32_t kMaxVarint = 268'435'455;
// Largest whole packet: one type byte, four length bytes, kMaxVarint body bytes.
inline constexpr std::uint32_t kMaxPacketSize = kMaxVarint + 5;

std::string_view to_string(PacketType type);

}  // namespace herald::mqtt
