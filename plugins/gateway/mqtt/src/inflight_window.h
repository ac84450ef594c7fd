// The outbound in-flight window of one session: QoS 1/2 messages sent (or to resend) and not yet
// acknowledged, in send order, found by packet identifier. Also allocates packet identifiers.
#pragma once

#include <cstdint>
#include <list>
#include <unordered_map>

#include "message.h"

namespace herald::gateway::mqtt {

class InflightWindow {
 public:
  using List = std::list<OutMsg>;

  size_t size() const { return order_.size(); }
  bool empty() const { return order_.empty(); }
  // A free identifier (never 0, never one in use). Call only when size() < 65535.
  uint16_t next_packet_id();
  // Takes `msg` (its packet_id set) to the back of the window.
  OutMsg& add(OutMsg msg);
  OutMsg* find(uint16_t packet_id);
  // Removes and returns the entry (nullopt-like: false when absent).
  bool take(uint16_t packet_id, OutMsg& out);
  List& entries() { return order_; }
  void clear() {
    order_.clear();
    index_.clear();
  }
  // Restored state: makes sure next_packet_id() continues after the highest identifier seen.
  void note_used(uint16_t packet_id) {
    if (packet_id >= next_) next_ = static_cast<uint16_t>(packet_id + 1);
  }

 private:
  List order_;
  std::unordered_map<uint16_t, List::iterator> index_;
  uint16_t next_ = 1;
};

}  // namespace herald::gateway::mqtt
