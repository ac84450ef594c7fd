// Construction of the Aho-Corasick automaton (see pattern_automaton.h): a trie, then failure and
// dictionary links in breadth-first order.
#include "pattern_automaton.h"

#include <stdexcept>

namespace herald::filter {

PatternAutomaton::Builder::Builder() : root_children_(0x10000, 0) {
  categories_.push_back(0);
  depth_.push_back(0);
  children_.emplace_back();
}

void PatternAutomaton::Builder::add(std::u32string_view word, uint32_t category) {
  if (word.empty()) return;
  if (category >= kMaxCategories) throw std::invalid_argument("too many categories");
  uint32_t node = 0;
  for (char32_t c : word) {
    const bool dense = node == 0 && c < root_children_.size();
    uint32_t next = dense ? root_children_[c] : 0;
    // Linear search below the root: build-time only, and most nodes have one or two children; the
    // root (thousands of children in a CJK list) is indexed densely.
    if (!dense)
      for (const auto& [kc, child] : children_[node])
        if (kc == c) {
          next = child;
          break;
        }
    if (next == 0) {
      next = static_cast<uint32_t>(categories_.size());
      categories_.push_back(0);
      depth_.push_back(depth_[node] + 1);
      children_.emplace_back();
      children_[node].emplace_back(c, next);
      if (dense) root_children_[c] = next;
      edges_.push_back({node, c, next});
    }
    node = next;
  }
  categories_[node] |= 1ULL << category;
  ++words_;
}

PatternAutomaton PatternAutomaton::Builder::build() {
  PatternAutomaton a;
  const size_t n = categories_.size();
  a.nodes_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    a.nodes_[i].depth = depth_[i];
    a.nodes_[i].categories = categories_[i];
  }
  a.words_ = words_;
  size_t cap = 16;
  while (cap < edges_.size() * 2) cap <<= 1;
  a.table_.assign(cap, Slot{kEmpty, 0});
  a.mask_ = cap - 1;
  a.root_.assign(0x10000, 0);
  for (const Edge& e : edges_) {
    if (e.parent == 0 && e.c < 0x10000) a.root_[e.c] = e.child;
    const uint64_t key = (static_cast<uint64_t>(e.parent) << 32) | e.c;
    size_t slot = hash(key) & a.mask_;
    while (a.table_[slot].key != kEmpty) slot = (slot + 1) & a.mask_;
    a.table_[slot] = Slot{key, e.child};
  }
  // Breadth-first: a node's failure link points at a shallower node, already linked.
  std::vector<uint32_t> queue;
  queue.reserve(n);
  for (const auto& [c, child] : children_[0]) {
    a.nodes_[child].fail = 0;
    queue.push_back(child);
  }
  for (size_t qi = 0; qi < queue.size(); ++qi) {
    const uint32_t u = queue[qi];
    for (const auto& [c, child] : children_[u]) {
      uint32_t f = a.nodes_[u].fail;
      uint32_t target = kNone;
      for (;;) {
        target = a.step(f, c);
        if (target != kNone || f == 0) break;
        f = a.nodes_[f].fail;
      }
      a.nodes_[child].fail = target == kNone ? 0 : (target & kNodeMask);
      const uint32_t fl = a.nodes_[child].fail;
      a.nodes_[child].dict = a.nodes_[fl].categories ? fl : a.nodes_[fl].dict;
      queue.push_back(child);
    }
  }
  // Mark the edges into nodes with output, so scan() reads a node only when it must.
  if (n > kNodeMask) throw std::length_error("word lists too large for the automaton");
  auto mark = [&](uint32_t& v) {
    const Node& node = a.nodes_[v & kNodeMask];
    if (node.categories || node.dict) v |= kOutputFlag;
  };
  for (Slot& s : a.table_)
    if (s.key != kEmpty) mark(s.value);
  for (uint32_t& v : a.root_)
    if (v) mark(v);
  // The builder is spent: release its memory now rather than with the caller's scope.
  categories_ = {};
  depth_ = {};
  edges_ = {};
  children_ = {};
  root_children_ = {};
  return a;
}

}  // namespace herald::filter
