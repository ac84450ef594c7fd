// Decoder limits: what this endpoint accepts beyond the spec's own maxima, so a hostile peer cannot
// make it buffer or allocate without bound. Defaults suit a server; tests and tools may raise them.
#pragma once

#include <cstddef>
#include <cstdint>

#include "herald/mqtt/protocol.h"

namespace herald::mqtt {

struct Limits {
  // Whole packet (fixed header included). Checked as soon as the fixed header has arrived.
  // A v5 server announces it in CONNACK (Maximum Packet Size) so clients never exceed it.
  std::uint32_t max_packet_size = 1u << 20;
  std::size_t max_topic_length = 4096;      // bytes, topic names and topic filters
  std::size_t max_client_id_length = 256;   // bytes; 3.1.1 requires at least 23 to be accepted
  std::size_t max_properties = 128;         // property entries in one property block
  std::size_t max_user_properties = 64;     // user properties in one property block
  std::size_t max_subscription_identifiers = 32;  // in one PUBLISH (server to client)
  std::size_t max_topic_filters = 128;      // per SUBSCRIBE / UNSUBSCRIBE
  // The Topic Alias Maximum this endpoint announced; a larger alias is rejected. The spec default
  // (property absent) is 0, but the codec leaves enforcement to the caller unless it lowers this.
  std::uint16_t topic_alias_maximum = 0xFFFF;
  // The spec allows (MQTT 5 1.5.4, 3.1.1 1.5.3) treating U+0001..U+001F, U+007F..U+009F and Unicode
  // non-characters in strings as malformed. Off by default: stock clients may send them.
  bool reject_discouraged_code_points = false;
  // Check that a payload marked Payload Format Indicator = 1 is UTF-8 (a MAY in 3.3.2.3.2).
  bool validate_utf8_payloads = false;
};

}  // namespace herald::mqtt
