// Implementation of TextNormalizer (see text_normalizer.h).
#include "text_normalizer.h"

namespace herald::filter {

std::u32string NormalizerOptions::default_separators() {
  // ASCII whitespace and punctuation that is not a common letter substitute ('@', '$', digits are
  // left to fold tables), plus CJK punctuation used as spacers.
  return U" \t\r\n\v\f.,-_*~|/\\+=:;'\"`!?^#&()[]{}<>%\u00A0\u00B7\u2022\u2027\u3001\u3002\u30FB";
}

char32_t fold_width_and_case(char32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 0x20 : c;
  if (c >= 0xFF01 && c <= 0xFF5E) return fold_width_and_case(c - 0xFEE0);  // full-width ASCII
  if (c == 0x3000) return ' ';                                             // ideographic space
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 0x20;                // Latin-1 capitals
  if (c >= 0x100 && c <= 0x17F) {                                          // Latin Extended-A pairs
    if (c == 0x178) return 0xFF;
    if ((c <= 0x137 || (c >= 0x14A && c <= 0x177)) && c % 2 == 0) return c + 1;
    if (((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) && c % 2 == 1) return c + 1;
    return c;
  }
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 0x20;  // Greek capitals
  if (c >= 0x410 && c <= 0x42F) return c + 0x20;                // Cyrillic capitals
  if (c >= 0x400 && c <= 0x40F) return c + 0x50;
  return c;
}

namespace {
bool zero_width(char32_t c) { return (c >= 0x200B && c <= 0x200D) || c == 0x2060 || c == 0xFEFF; }
}  // namespace

TextNormalizer::TextNormalizer(const NormalizerOptions& options) {
  // Keys of the extra folds are folded too, so "А" (Cyrillic capital) maps like "а".
  std::unordered_map<char32_t, char32_t> folds;
  for (auto [from, to] : options.folds) folds[fold_width_and_case(from)] = to == 0 ? kDrop : fold_width_and_case(to);
  std::unordered_map<char32_t, bool> seps;
  for (char32_t s : options.separators) seps[fold_width_and_case(s)] = true;
  bmp_.resize(0x10000);
  for (char32_t c = 0; c < 0x10000; ++c) {
    char32_t f = zero_width(c) ? kDrop : fold_width_and_case(c);
    if (f != kDrop) {
      if (auto it = folds.find(f); it != folds.end()) f = it->second;
      if (f != kDrop && seps.count(f)) f = kDrop;
    }
    bmp_[c] = f;
  }
  for (auto [from, to] : folds)
    if (from >= 0x10000) astral_[from] = to;
}

char32_t TextNormalizer::fold(char32_t c) const {
  if (c < 0x10000) return bmp_[c];
  if (auto it = astral_.find(c); it != astral_.end()) return it->second;
  return c;
}

char32_t decode_utf8(std::string_view s, size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int len = b0 >= 0xF0 && b0 <= 0xF4 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC2 && b0 < 0xE0 ? 2 : 0;
  if (len == 0 || i + static_cast<size_t>(len) > s.size()) {
    ++i;
    return 0xFFFD;
  }
  char32_t c = b0 & (0x7F >> len);
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    c = (c << 6) | (b & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are invalid.
  if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10FFFF)) || (c >= 0xD800 && c <= 0xDFFF)) {
    ++i;
    return 0xFFFD;
  }
  i += static_cast<size_t>(len);
  return c;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

void TextNormalizer::normalize(std::string_view utf8, NormalizedText& out) const {
  out.clear();
  out.chars.reserve(utf8.size());
  out.begin.reserve(utf8.size());
  out.end.reserve(utf8.size());
  size_t i = 0;
  while (i < utf8.size()) {
    const size_t start = i;
    const char32_t c = fold(decode_utf8(utf8, i));
    if (c == kDrop) continue;
    out.chars.push_back(c);
    out.begin.push_back(static_cast<uint32_t>(start));
    out.end.push_back(static_cast<uint32_t>(i));
  }
}

std::u32string TextNormalizer::normalize_word(std::string_view utf8) const {
  std::u32string out;
  size_t i = 0;
  while (i < utf8.size()) {
    const char32_t c = fold(decode_utf8(utf8, i));
    if (c != kDrop) out.push_back(c);
  }
  return out;
}

}  // namespace herald::filter
