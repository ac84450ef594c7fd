// Round-robin member choice for shared subscriptions.
#include "shared_group.h"

#include "session.h"

namespace herald::gateway::mqtt {

bool SharedGroup::add(SubEntry entry) {
  for (auto& m : members_) {
    if (m.cell == entry.cell) {
      m = std::move(entry);
      return false;
    }
  }
  members_.push_back(std::move(entry));
  return true;
}

bool SharedGroup::remove(const SessionCell* cell) {
  for (auto it = members_.begin(); it != members_.end(); ++it) {
    if (it->cell.get() == cell) {
      members_.erase(it);
      return true;
    }
  }
  return false;
}

const SubEntry* SharedGroup::pick() const {
  const size_t n = members_.size();
  if (n == 0) return nullptr;
  const uint32_t start = cursor_.fetch_add(1, std::memory_order_relaxed);
  for (size_t i = 0; i < n; ++i) {
    const SubEntry& m = members_[(start + i) % n];
    if (m.cell->online.load(std::memory_order_relaxed)) return &m;
  }
  return &members_[start % n];
}

}  // namespace herald::gateway::mqtt
