// Frame boundary detection for Herald binary and MQTT; a few lines each, kept here so the network
// layer does not depend on the full codecs.
#include "net/frame_splitter.h"

namespace herald::gateway {

Split split_frame(ListenerProtocol protocol, std::string_view bytes) {
  size_t start = protocol == ListenerProtocol::kMqtt ? 1 : 0;
  if (bytes.size() <= start) return {};
  uint64_t value = 0;
  for (size_t i = 0; i < 4; ++i) {
    size_t at = start + i;
    if (at >= bytes.size()) return {};
    auto b = static_cast<uint8_t>(bytes[at]);
    value |= static_cast<uint64_t>(b & 0x7F) << (7 * i);
    if ((b & 0x80) == 0) {
      size_t total = at + 1 + value;
      if (protocol == ListenerProtocol::kBinary && value < 3) return {SplitStatus::kMalformed, 0, total};
      if (bytes.size() < total) return {SplitStatus::kIncomplete, 0, total};
      return {SplitStatus::kFrame, total, total};
    }
  }
  return {SplitStatus::kMalformed, 0, 0};
}

int check_whole_frames(ListenerProtocol protocol, std::string_view body, size_t max_frame) {
  while (!body.empty()) {
    Split s = split_frame(protocol, body);
    if (s.declared > max_frame) return 413;
    if (s.status != SplitStatus::kFrame) return 400;
    body.remove_prefix(s.size);
  }
  return 0;
}

}  // namespace herald::gateway
