// The compiled word lists: every category's words (files and inline) normalized into one automaton,
// with the normalizer that built them. Immutable once built; a reload builds a new one and swaps it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "filter_config.h"
#include "pattern_automaton.h"
#include "text_normalizer.h"

namespace herald::filter {

// A match mapped back to the original text: bytes [begin, end) of it.
struct Hit {
  uint32_t begin, end;
  uint64_t categories;
};

class WordLists {
 public:
  // Reads every word and fold file; throws std::runtime_error naming the file and line on failure.
  static std::shared_ptr<const WordLists> load(const FilterConfig& config);

  const std::vector<CategoryConfig>& categories() const { return categories_; }
  const TextNormalizer& normalizer() const { return normalizer_; }
  size_t words() const { return automaton_.words(); }
  double load_ms() const { return load_ms_; }

  // Every occurrence in `text`; `scratch` is reused between calls (one per thread).
  void find(std::string_view text, NormalizedText& scratch, std::vector<Hit>& out) const;

 private:
  WordLists(const FilterConfig& config, const NormalizerOptions& options);
  std::vector<CategoryConfig> categories_;
  TextNormalizer normalizer_;
  PatternAutomaton automaton_;
  double load_ms_ = 0;
};

// `text` with each character in the hit ranges replaced by `mask` (overlaps merged).
std::string mask_ranges(std::string_view text, std::vector<Hit> hits, std::string_view mask);

}  // namespace herald::filter
