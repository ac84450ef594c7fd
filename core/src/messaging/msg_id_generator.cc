#include "messaging/msg_id_generator.h"

#include <functional>
#include <string>

namespace herald::messaging {

MsgIdGenerator::MsgIdGenerator(std::string_view node_id, binary::MsgId floor)
    : node_(std::hash<std::string_view>{}(node_id) & 0x3FFu), last_(floor) {}

void MsgIdGenerator::reset(std::string_view node_id, binary::MsgId floor) {
  node_ = std::hash<std::string_view>{}(node_id) & 0x3FFu;
  last_ = floor;
}

binary::MsgId MsgIdGenerator::next(uint64_t now_ms) {
  uint64_t since = now_ms > kEpochMs ? now_ms - kEpochMs : 0;
  binary::MsgId candidate = (since << 22) | (node_ << 12);
  // Same millisecond (sequence exhausted too) or a clock step back: continue from the last id, which
  // borrows from the future by at most a few ms under load instead of ever repeating an id.
  last_ = candidate > last_ ? candidate : last_ + 1;
  return last_;
}

}  // namespace herald::messaging
