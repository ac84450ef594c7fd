// Retained message map: set/clear by topic, match by filter.
#include "retained_store.h"

#include <mutex>

#include "herald/mqtt/topic.h"

namespace herald::gateway::mqtt {

int RetainedStore::set(const MessagePtr& msg) {
  std::unique_lock lock(mutex_);
  if (msg->payload.empty()) return by_topic_.erase(msg->topic) > 0 ? -1 : 0;
  auto [it, inserted] = by_topic_.insert_or_assign(msg->topic, msg);
  return inserted ? 1 : 0;
}

std::vector<MessagePtr> RetainedStore::match(std::string_view filter, uint64_t now) const {
  std::vector<MessagePtr> out;
  std::shared_lock lock(mutex_);
  // A filter without wildcards is one lookup; otherwise a scan (retained sets are small next to
  // subscriptions, and this runs once per SUBSCRIBE, not per publish).
  if (filter.find_first_of("+#") == std::string_view::npos) {
    if (auto it = by_topic_.find(filter); it != by_topic_.end() && !expired(*it->second, now)) out.push_back(it->second);
    return out;
  }
  for (const auto& [topic, msg] : by_topic_)
    if (!expired(*msg, now) && herald::mqtt::topic_matches(filter, topic)) out.push_back(msg);
  return out;
}

std::vector<std::string> RetainedStore::erase_expired(uint64_t now) {
  std::vector<std::string> gone;
  std::unique_lock lock(mutex_);
  for (auto it = by_topic_.begin(); it != by_topic_.end();) {
    if (expired(*it->second, now)) {
      gone.push_back(it->first);
      it = by_topic_.erase(it);
    } else {
      ++it;
    }
  }
  return gone;
}

size_t RetainedStore::size() const {
  std::shared_lock lock(mutex_);
  return by_topic_.size();
}

}  // namespace herald::gateway::mqtt
