// MsgIdGenerator: snowflake-style 64-bit message ids, time-ordered across nodes.
// Layout: milliseconds since 2024-01-01 (42 bits) | node (10 bits, hash of node_id) | sequence (12 bits).
#pragma once

#include <cstdint>
#include <string_view>

#include <herald/binary/identifiers.h>

namespace herald::messaging {

class MsgIdGenerator {
 public:
  // `floor`: the largest msg_id already stored; ids handed out stay above it even if the clock went
  // back across a restart.
  MsgIdGenerator(std::string_view node_id, binary::MsgId floor);
  // Writer thread only (not synchronised). Strictly increasing.
  binary::MsgId next(uint64_t now_ms);
  binary::MsgId last() const { return last_; }
  // Cluster mode: every node generates the same ids from the same records, so the node bits are the
  // same everywhere and the floor is the one persisted with the applied log position.
  void reset(std::string_view node_id, binary::MsgId floor);

  static constexpr uint64_t kEpochMs = 1704067200000ull;  // 2024-01-01T00:00:00Z
  static uint64_t timestamp_ms(binary::MsgId id) { return (id >> 22) + kEpochMs; }

 private:
  uint64_t node_;
  binary::MsgId last_;
};

}  // namespace herald::messaging
