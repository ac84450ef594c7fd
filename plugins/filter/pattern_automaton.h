// Aho-Corasick multi-pattern automaton over normalized code points: one pass over a text finds every
// occurrence of every word, whatever the list size. Words carry a category bit set (up to 64
// categories). Edges live in one open-addressing hash table (sparse alphabets such as CJK), with a
// dense table for the root so the common "no match here" step is one array read.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace herald::filter {

class PatternAutomaton {
 public:
  static constexpr uint32_t kMaxCategories = 64;

  class Builder {
   public:
    Builder();
    // Adds a word (already normalized) to `category` (< kMaxCategories). Empty words are ignored.
    void add(std::u32string_view word, uint32_t category);
    size_t words() const { return words_; }
    PatternAutomaton build();

   private:
    friend class PatternAutomaton;
    std::vector<uint64_t> categories_;  // per node: bits of the words ending here
    std::vector<uint32_t> depth_;
    struct Edge {
      uint32_t parent;
      char32_t c;
      uint32_t child;
    };
    std::vector<Edge> edges_;
    std::vector<std::vector<std::pair<char32_t, uint32_t>>> children_;
    std::vector<uint32_t> root_children_;  // the root's children by BMP code point (0: none)
    size_t words_ = 0;
  };

  PatternAutomaton() = default;

  // Calls on_match(last_index, length, categories) for every occurrence ending at each index of
  // text, in text order; length counts normalized characters.
  template <class F>
  void scan(const char32_t* text, size_t n, F&& on_match) const {
    if (nodes_.empty()) return;
    uint32_t state = 0;
    for (size_t i = 0; i < n; ++i) {
      const char32_t c = text[i];
      uint32_t next;
      for (;;) {
        next = step(state, c);
        if (next != kNone || state == 0) break;
        state = nodes_[state].fail;
      }
      if (next == kNone) {
        state = 0;
        continue;
      }
      state = next & kNodeMask;
      if (!(next & kOutputFlag)) continue;  // the common case: no node read at all
      uint32_t t = nodes_[state].categories ? state : nodes_[state].dict;
      while (t != 0) {
        on_match(i, nodes_[t].depth, nodes_[t].categories);
        t = nodes_[t].dict;
      }
    }
  }

  size_t nodes() const { return nodes_.size(); }
  size_t words() const { return words_; }

 private:
  static constexpr uint32_t kNone = 0xFFFFFFFFu;
  static constexpr uint32_t kOutputFlag = 0x80000000u;
  static constexpr uint32_t kNodeMask = 0x7FFFFFFFu;
  struct Slot {  // key and value side by side: one cache line read per probe
    uint64_t key;
    uint32_t value;
  };
  struct Node {
    uint32_t fail = 0;
    uint32_t dict = 0;  // nearest proper suffix that ends a word (0: none)
    uint32_t depth = 0;
    uint64_t categories = 0;
  };
  // The edge from `state` on `c`: the child, with kOutputFlag when a word ends there or at one of
  // its suffixes; kNone when there is no edge.
  uint32_t step(uint32_t state, char32_t c) const {
    if (state == 0 && c < root_.size()) return root_[c] ? root_[c] : kNone;
    const uint64_t key = (static_cast<uint64_t>(state) << 32) | c;
    size_t slot = hash(key) & mask_;
    for (;;) {
      const Slot& s = table_[slot];
      if (s.key == key) return s.value;
      if (s.key == kEmpty) return kNone;
      slot = (slot + 1) & mask_;
    }
  }
  static size_t hash(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return static_cast<size_t>(k);
  }
  static constexpr uint64_t kEmpty = ~0ULL;

  std::vector<Node> nodes_;
  std::vector<uint32_t> root_;  // dense root transitions for the BMP (0: none), encoded as step()
  std::vector<Slot> table_;
  size_t mask_ = 0;
  size_t words_ = 0;
};

}  // namespace herald::filter
