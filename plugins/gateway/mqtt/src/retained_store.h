// Retained messages, one per topic, shared by every loop (read on SUBSCRIBE, written by retained
// publishes). Durability is the SessionStore's job; this is the in-memory view.
#pragma once

#include <map>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "message.h"

namespace herald::gateway::mqtt {

class RetainedStore {
 public:
  // An empty payload clears the topic. Returns +1 (new topic), 0 (replaced or no-op), -1 (cleared).
  int set(const MessagePtr& msg);
  // Every live retained message whose topic matches `filter` (a non-shared filter). Expired ones are
  // skipped and removed later by the caller through erase_expired().
  std::vector<MessagePtr> match(std::string_view filter, uint64_t now) const;
  // Removes expired messages; returns their topics (to delete from storage).
  std::vector<std::string> erase_expired(uint64_t now);
  size_t size() const;

 private:
  mutable std::shared_mutex mutex_;
  std::map<std::string, MessagePtr, std::less<>> by_topic_;
};

}  // namespace herald::gateway::mqtt
