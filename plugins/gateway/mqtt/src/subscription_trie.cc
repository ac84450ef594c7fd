// Topic-level trie matching with MQTT wildcards ('+', '#') and the '$' rule [MQTT-4.7.2-1].
#include "subscription_trie.h"

#include <mutex>

namespace herald::gateway::mqtt {

void SubscriptionTrie::split(std::string_view s, std::vector<std::string_view>& out) {
  out.clear();
  size_t start = 0;
  for (;;) {
    size_t slash = s.find('/', start);
    if (slash == std::string_view::npos) {
      out.push_back(s.substr(start));
      return;
    }
    out.push_back(s.substr(start, slash - start));
    start = slash + 1;
  }
}

bool SubscriptionTrie::subscribe(std::string_view filter, std::string_view group, SubEntry entry) {
  std::vector<std::string_view> levels;
  split(filter, levels);
  std::unique_lock lock(mutex_);
  Node* node = &root_;
  for (auto level : levels) {
    auto it = node->children.find(level);
    if (it == node->children.end()) it = node->children.emplace(std::string(level), std::make_unique<Node>()).first;
    node = it->second.get();
  }
  bool added;
  if (group.empty()) {
    const SessionCell* key = entry.cell.get();
    auto [it, inserted] = node->subs.try_emplace(key, entry);
    if (!inserted) it->second = std::move(entry);
    added = inserted;
  } else {
    auto it = node->groups.find(group);
    if (it == node->groups.end()) it = node->groups.try_emplace(std::string(group)).first;
    added = it->second.add(std::move(entry));
  }
  if (added) ++count_;
  return added;
}

bool SubscriptionTrie::unsubscribe(std::string_view filter, std::string_view group, const SessionCell* cell) {
  std::vector<std::string_view> levels;
  split(filter, levels);
  std::unique_lock lock(mutex_);
  // Remember the path so empty nodes can be pruned bottom-up (a long-lived broker sees many one-off
  // topics; the trie must not grow forever).
  std::vector<std::pair<Node*, std::string_view>> path;
  Node* node = &root_;
  for (auto level : levels) {
    auto it = node->children.find(level);
    if (it == node->children.end()) return false;
    path.emplace_back(node, level);
    node = it->second.get();
  }
  bool removed = false;
  if (group.empty()) {
    removed = node->subs.erase(cell) > 0;
  } else if (auto it = node->groups.find(group); it != node->groups.end()) {
    removed = it->second.remove(cell);
    if (it->second.empty()) node->groups.erase(it);
  }
  if (!removed) return false;
  --count_;
  for (auto it = path.rbegin(); it != path.rend(); ++it) {
    auto child = it->first->children.find(it->second);
    if (!child->second->empty()) break;
    it->first->children.erase(child);
  }
  return true;
}

void SubscriptionTrie::emit(const Node& node, const std::function<void(const SubEntry&, bool)>& fn) {
  for (const auto& [cell, entry] : node.subs) fn(entry, false);
  for (const auto& [name, group] : node.groups)
    if (const SubEntry* e = group.pick()) fn(*e, true);
}

void SubscriptionTrie::walk(const Node& node, const std::vector<std::string_view>& levels, size_t i, bool dollar,
                            const std::function<void(const SubEntry&, bool)>& fn) const {
  // A filter starting with a wildcard never matches a topic starting with '$'.
  const bool wild_ok = !(i == 0 && dollar);
  if (wild_ok) {
    if (auto it = node.children.find("#"); it != node.children.end()) emit(*it->second, fn);
  }
  if (i == levels.size()) {
    emit(node, fn);
    return;
  }
  if (auto it = node.children.find(levels[i]); it != node.children.end()) walk(*it->second, levels, i + 1, dollar, fn);
  if (wild_ok) {
    if (auto it = node.children.find("+"); it != node.children.end()) walk(*it->second, levels, i + 1, dollar, fn);
  }
}

void SubscriptionTrie::match(std::string_view topic, const std::function<void(const SubEntry&, bool)>& fn) const {
  thread_local std::vector<std::string_view> levels;
  split(topic, levels);
  const bool dollar = !topic.empty() && topic.front() == '$';
  std::shared_lock lock(mutex_);
  walk(root_, levels, 0, dollar, fn);
}

size_t SubscriptionTrie::size() const {
  std::shared_lock lock(mutex_);
  return count_;
}

}  // namespace herald::gateway::mqtt
