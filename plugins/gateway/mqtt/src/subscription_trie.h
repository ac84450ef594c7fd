// The subscription index: a topic-level trie of every session's filters (plain and shared), read by
// every publish and written by SUBSCRIBE/UNSUBSCRIBE and session end.
//
// Why one trie behind a std::shared_mutex rather than per-loop replicas: a publish takes the read lock
// once, walks only the levels of its topic and collects every target, so readers on all loops proceed
// in parallel; writes (subscribe, unsubscribe) are rare next to publishes and hold the lock for one
// path. Replicas would multiply the memory of 10,000-subscriber fan-outs by the loop count and turn
// every SUBSCRIBE into N posts with a window where loops disagree.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "shared_group.h"

namespace herald::gateway::mqtt {

class SubscriptionTrie {
 public:
  // `filter` is the matching filter (the part after "$share/<group>/" for shared ones); `group`
  // empty for a plain subscription. Returns true when this session had no such subscription yet.
  bool subscribe(std::string_view filter, std::string_view group, SubEntry entry);
  bool unsubscribe(std::string_view filter, std::string_view group, const SessionCell* cell);

  // Calls fn(entry, shared) for every plain subscription matching `topic` and, for every shared group
  // matching it, for the one member picked. Runs under the read lock: fn must not call back in.
  void match(std::string_view topic, const std::function<void(const SubEntry&, bool shared)>& fn) const;

  size_t size() const;

 private:
  struct Node {
    std::map<std::string, std::unique_ptr<Node>, std::less<>> children;
    std::unordered_map<const SessionCell*, SubEntry> subs;
    std::map<std::string, SharedGroup, std::less<>> groups;
    bool empty() const { return children.empty() && subs.empty() && groups.empty(); }
  };
  static void split(std::string_view s, std::vector<std::string_view>& out);
  void walk(const Node& node, const std::vector<std::string_view>& levels, size_t i, bool dollar,
            const std::function<void(const SubEntry&, bool)>& fn) const;
  static void emit(const Node& node, const std::function<void(const SubEntry&, bool)>& fn);

  mutable std::shared_mutex mutex_;
  Node root_;
  size_t count_ = 0;
};

}  // namespace herald::gateway::mqtt
