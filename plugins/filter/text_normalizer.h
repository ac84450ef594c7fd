// Normalizes text for matching against word lists: case folding, full-width to half-width, removal
// of zero-width and separator characters, and configurable extra folds (homoglyphs, leetspeak).
// Every normalized character remembers the original byte range it came from, so a match maps back
// to the original text (mask replaces exactly those bytes).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace herald::filter {

// The normalized form of one text: chars[i] came from original bytes [begin[i], end[i]).
struct NormalizedText {
  std::vector<char32_t> chars;
  std::vector<uint32_t> begin, end;
  void clear() {
    chars.clear();
    begin.clear();
    end.clear();
  }
};

struct NormalizerOptions {
  // Dropped wherever they occur ("b.a.d", "b a d"), after folding. Zero-width characters
  // (U+200B..U+200D, U+2060, U+FEFF) are always dropped.
  std::u32string separators = default_separators();
  // Extra one-to-one folds applied after case and width folding, e.g. {'@','a'}, {U+0430,'a'}.
  // A fold to U+0000 drops the character.
  std::unordered_map<char32_t, char32_t> folds;
  static std::u32string default_separators();
};

class TextNormalizer {
 public:
  explicit TextNormalizer(const NormalizerOptions& options = {});

  // Decodes UTF-8 (an invalid byte becomes U+FFFD, which no normalized word contains) and folds.
  // Reuses `out`'s buffers.
  void normalize(std::string_view utf8, NormalizedText& out) const;
  // The normalized characters of a word-list entry (separators inside it vanish the same way).
  std::u32string normalize_word(std::string_view utf8) const;
  // One character's fold; kDrop when it vanishes.
  char32_t fold(char32_t c) const;

  static constexpr char32_t kDrop = 0xFFFFFFFFu;

 private:
  std::vector<char32_t> bmp_;                          // fold of every BMP code point
  std::unordered_map<char32_t, char32_t> astral_;      // extra folds above the BMP
};

// Built-in width and case folding of one code point (no separators, no extra folds).
char32_t fold_width_and_case(char32_t c);

// Decodes one UTF-8 sequence at s[i]; advances i. Invalid: U+FFFD, one byte.
char32_t decode_utf8(std::string_view s, size_t& i);
void append_utf8(std::string& out, char32_t c);

}  // namespace herald::filter
