// One `$share/<group>/<filter>` group: its members and the round-robin choice of the one member that
// gets each message (connected members first).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "herald/mqtt/packets.h"

namespace herald::gateway::mqtt {

struct SessionCell;

// One subscription of one session, as the index stores it.
struct SubEntry {
  std::shared_ptr<SessionCell> cell;
  herald::mqtt::SubscribeOptions options;
  uint32_t sub_id = 0;  // v5 Subscription Identifier, 0 = none
};

class SharedGroup {
 public:
  // Returns true when the session was not a member yet (else its options are replaced).
  bool add(SubEntry entry);
  bool remove(const SessionCell* cell);
  bool empty() const { return members_.empty(); }
  // Safe under a shared (read) lock: only the atomic cursor changes. Prefers a member whose session
  // is online; falls back to the next one in turn (its session queues the message).
  const SubEntry* pick() const;

 private:
  std::vector<SubEntry> members_;
  mutable std::atomic<uint32_t> cursor_{0};
};

}  // namespace herald::gateway::mqtt
