// Parses the `binary:` config section (keys and defaults: plugins/gateway/binary/README.md).
#include "herald/gateway/binary/binary_config.h"

#include <algorithm>

#include "herald/binary/codec.h"
#include "herald/config_section.hpp"

namespace herald::gateway::binary {
BinaryConfig parse_binary_config(const YAML::Node& node, const std::string& path, ConfigErrors& errors) {
  BinaryConfig c;
  sdk::ConfigSection r(node, path, auth::report_to(errors));
  if (!r.present()) return c;
  r.allow_keys({"heartbeat", "heartbeat_min", "heartbeat_max", "idle_timeout", "connect_timeout", "max_frame_size",
                "compression", "batch_ack", "token_recheck", "max_decode_errors"});
  r.duration("heartbeat_min", c.heartbeat_min, false);
  r.duration("heartbeat_max", c.heartbeat_max, false);
  if (c.heartbeat_min > c.heartbeat_max) r.error("heartbeat_min", "must not exceed heartbeat_max");
  r.duration("heartbeat", c.heartbeat, false);
  // Clamped rather than refused: the bounds are the operator's guard rails for a tuned interval.
  c.heartbeat = std::clamp(c.heartbeat, std::min(c.heartbeat_min, c.heartbeat_max), c.heartbeat_max);
  c.idle_timeout = c.heartbeat * 5 / 2;
  if (r.duration("idle_timeout", c.idle_timeout, false) && c.idle_timeout <= c.heartbeat)
    r.error("idle_timeout", "must be greater than heartbeat (" + std::to_string(c.heartbeat.count()) +
                                "ms), or one late PING closes the connection");
  r.duration("connect_timeout", c.connect_timeout, false);
  r.size("max_frame_size", c.max_frame_size, 1024, herald::binary::kMaxFrameSizeCeiling);
  r.boolean("compression", c.compression);
  r.boolean("batch_ack", c.batch_ack);
  r.duration("token_recheck", c.token_recheck, false);
  r.integer("max_decode_errors", c.max_decode_errors, 0, 1'000'000);
  return c;
}

}  // namespace herald::gateway::binary
