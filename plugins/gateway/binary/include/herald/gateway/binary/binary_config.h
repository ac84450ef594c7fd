// Settings of the Herald binary protocol front (the `binary:` section of the gateway config) and
// their parser. Every key, default and bound is listed in plugins/gateway/binary/README.md.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "herald/gateway/auth/config_errors.h"

namespace herald::gateway::binary {

using ConfigErrors = auth::ConfigErrors;

struct BinaryConfig {
  // Suggested client PING interval (CONNECT_ACK / PONG heartbeat_s), clamped to [min, max].
  std::chrono::milliseconds heartbeat{30'000};
  std::chrono::milliseconds heartbeat_min{10'000};
  std::chrono::milliseconds heartbeat_max{600'000};
  // Silence after which the server KICKs with KEEPALIVE_TIMEOUT; must exceed the heartbeat so one
  // late PING (network latency) is not a false alarm (seed 002, lesson 8). Default 2.5 x heartbeat.
  std::chrono::milliseconds idle_timeout{75'000};
  // From accept to a CONNECT_ACK (authentication included).
  std::chrono::milliseconds connect_timeout{10'000};
  // What the server accepts after the handshake (CONNECT_ACK.max_frame_size); also capped by the
  // listener's max_packet_size. Before the handshake the protocol's 64 KiB applies.
  uint32_t max_frame_size = 1u << 20;
  // Features offered (answered as requested ∩ offered).
  bool compression = true;
  bool batch_ack = true;
  // How often a session re-checks its token's expiry against the clock at the latest (the timer
  // normally fires at expiry; the cap keeps a wall-clock step from delaying the kick for long).
  std::chrono::milliseconds token_recheck{60'000};
  // Decode errors (frames answered with ERROR) tolerated per connection before KICK PROTOCOL_ERROR.
  uint32_t max_decode_errors = 10;
};

// Parses the `binary:` map (absent/null = defaults). `path` is the YAML path of `node` ("binary") so
// errors read like `binary.heartbeat: expected a duration such as 30s, got "x"`.
BinaryConfig parse_binary_config(const YAML::Node& node, const std::string& path, ConfigErrors& errors);

}  // namespace herald::gateway::binary
