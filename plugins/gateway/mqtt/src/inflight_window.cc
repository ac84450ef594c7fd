// Packet identifier allocation and lookup for the outbound in-flight window.
#include "inflight_window.h"

namespace herald::gateway::mqtt {

uint16_t InflightWindow::next_packet_id() {
  // Sequential rather than lowest-free: a client's late acknowledgement of a recycled identifier is
  // then far less likely to hit a new message.
  for (;;) {
    uint16_t id = next_++;
    if (next_ == 0) next_ = 1;
    if (id != 0 && !index_.count(id)) return id;
  }
}

OutMsg& InflightWindow::add(OutMsg msg) {
  uint16_t id = msg.packet_id;
  order_.push_back(std::move(msg));
  auto it = std::prev(order_.end());
  index_[id] = it;
  return *it;
}

OutMsg* InflightWindow::find(uint16_t packet_id) {
  auto it = index_.find(packet_id);
  return it == index_.end() ? nullptr : &*it->second;
}

bool InflightWindow::take(uint16_t packet_id, OutMsg& out) {
  auto it = index_.find(packet_id);
  if (it == index_.end()) return false;
  out = std::move(*it->second);
  order_.erase(it->second);
  index_.erase(it);
  return true;
}

}  // namespace herald::gateway::mqtt
