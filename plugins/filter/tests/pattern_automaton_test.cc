// Aho-Corasick: overlapping words, suffix outputs, categories, CJK, and a brute-force cross-check.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <set>
#include <tuple>

#include "pattern_automaton.h"

using namespace herald::filter;

namespace {
using Found = std::set<std::tuple<size_t, uint32_t, uint64_t>>;  // (last index, length, categories)
Found scan(const PatternAutomaton& a, std::u32string_view text) {
  Found out;
  a.scan(text.data(), text.size(), [&](size_t last, uint32_t len, uint64_t cats) { out.emplace(last, len, cats); });
  return out;
}
}  // namespace

TEST_CASE("automaton: the classic he/she/his/hers example") {
  PatternAutomaton::Builder b;
  b.add(U"he", 0);
  b.add(U"she", 1);
  b.add(U"his", 2);
  b.add(U"hers", 3);
  auto a = b.build();
  CHECK(a.words() == 4);
  CHECK(scan(a, U"ushers") == Found{{3, 3, 2}, {3, 2, 1}, {5, 4, 8}});
  CHECK(scan(a, U"nothing") == Found{});
}

TEST_CASE("automaton: one word in several categories, CJK and astral characters") {
  PatternAutomaton::Builder b;
  b.add(U"\u574f\u4eba", 0);  // 坏人
  b.add(U"\u574f\u4eba", 5);
  b.add(U"\U0001F4A9", 1);
  auto a = b.build();
  CHECK(scan(a, U"\u4ed6\u662f\u574f\u4eba") == Found{{3, 2, (1ULL << 0) | (1ULL << 5)}});
  CHECK(scan(a, U"x\U0001F4A9") == Found{{1, 1, 2}});
}

TEST_CASE("automaton: agrees with brute force on random words and texts") {
  std::mt19937 rng(42);
  auto rand_word = [&](size_t max_len) {
    std::u32string w;
    size_t len = 1 + rng() % max_len;
    for (size_t i = 0; i < len; ++i) w.push_back(U'a' + rng() % 3);  // small alphabet: many overlaps
    return w;
  };
  for (int round = 0; round < 20; ++round) {
    std::vector<std::u32string> words;
    PatternAutomaton::Builder b;
    for (int i = 0; i < 30; ++i) {
      words.push_back(rand_word(5));
      b.add(words.back(), static_cast<uint32_t>(i % 4));
    }
    auto a = b.build();
    const std::u32string text = rand_word(200);
    Found expected;
    std::map<std::pair<size_t, size_t>, uint64_t> merged;
    for (size_t wi = 0; wi < words.size(); ++wi)
      for (size_t pos = text.find(words[wi]); pos != std::u32string::npos; pos = text.find(words[wi], pos + 1))
        merged[{pos + words[wi].size() - 1, words[wi].size()}] |= 1ULL << (wi % 4);
    for (auto& [k, cats] : merged) expected.emplace(k.first, static_cast<uint32_t>(k.second), cats);
    REQUIRE(scan(a, text) == expected);
  }
}

TEST_CASE("automaton: an empty automaton finds nothing") {
  PatternAutomaton a;
  CHECK(scan(a, U"abc").empty());
  PatternAutomaton::Builder b;
  b.add(U"", 0);
  CHECK(scan(b.build(), U"abc").empty());
}
