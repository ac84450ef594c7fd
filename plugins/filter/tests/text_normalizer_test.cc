// Normalization: case, width, zero-width and separator removal, extra folds, byte ranges, bad UTF-8.
#include <catch2/catch.hpp>

#include "text_normalizer.h"

using namespace herald::filter;

namespace {
std::u32string norm(const TextNormalizer& n, std::string_view s) { return n.normalize_word(s); }
}  // namespace

TEST_CASE("normalizer: case, full-width and zero-width characters fold away") {
  TextNormalizer n;
  CHECK(norm(n, "BaD") == U"bad");
  CHECK(norm(n, "\xEF\xBC\xA2\xEF\xBD\x81\xEF\xBC\xA4") == U"bad");  // ＢａＤ
  CHECK(norm(n, "b\xE2\x80\x8B" "a\xE2\x80\x8D" "d\xEF\xBB\xBF") == U"bad");  // U+200B, U+200D, U+FEFF
  CHECK(norm(n, "b\xE2\x81\xA0" "a\xE2\x80\x8C" "d") == U"bad");  // U+2060, U+200C
  CHECK(norm(n, "\xC3\x89t\xC3\xa9") == U"\u00e9t\u00e9");        // Latin-1 É
  CHECK(norm(n, "\xD0\x9F\xD1\x80") == U"\u043f\u0440");          // Cyrillic capital
}

TEST_CASE("normalizer: separators between letters vanish, others stay") {
  TextNormalizer n;
  CHECK(norm(n, "b.a-d") == U"bad");
  CHECK(norm(n, "b a_d") == U"bad");
  CHECK(norm(n, "b\xE3\x80\x80" "a\xE3\x80\x82" "d") == U"bad");  // ideographic space, 。
  CHECK(norm(n, "b@d") == U"b@d");                                 // '@' is left to fold tables
  NormalizerOptions o;
  o.separators.assign(1, U' ');  // (assigning a literal trips a GCC 12 -Wrestrict false positive)
  TextNormalizer only_space(o);
  CHECK(norm(only_space, "b.a d") == U"b.ad");
}

TEST_CASE("normalizer: extra fold tables (homoglyphs, leetspeak), applied after case folding") {
  NormalizerOptions o;
  o.folds = {{U'@', U'a'}, {U'0', U'o'}, {U'\u0430', U'a'}, {U'\u0421', U'c'}, {U'!', 0}};
  TextNormalizer n(o);
  CHECK(norm(n, "b@d") == U"bad");
  CHECK(norm(n, "F00") == U"foo");
  CHECK(norm(n, "b\xD0\xB0" "d") == U"bad");   // Cyrillic а
  CHECK(norm(n, "\xD0\xA1" "at") == U"cat");   // Cyrillic С: its fold key is folded too
}

TEST_CASE("normalizer: every character keeps its original byte range") {
  TextNormalizer n;
  NormalizedText t;
  const std::string s = "x\xE2\x80\x8B\xEF\xBC\xA2y";  // x, ZWSP, Ｂ, y
  n.normalize(s, t);
  REQUIRE(t.chars == std::vector<char32_t>{U'x', U'b', U'y'});
  CHECK(t.begin == std::vector<uint32_t>{0, 4, 7});
  CHECK(t.end == std::vector<uint32_t>{1, 7, 8});
}

TEST_CASE("normalizer: invalid UTF-8 becomes U+FFFD per byte, overlongs and surrogates included") {
  TextNormalizer n;
  CHECK(norm(n, "a\xFF" "b") == U"a\uFFFDb");
  CHECK(norm(n, "\xC0\xAF") == U"\uFFFD\uFFFD");          // overlong '/'
  CHECK(norm(n, "\xED\xA0\x80") == U"\uFFFD\uFFFD\uFFFD"); // surrogate
  CHECK(norm(n, "\xE4\xBD") == U"\uFFFD\uFFFD");          // truncated
  CHECK(norm(n, "\xF0\x9F\x98\x80") == U"\U0001F600");    // astral is fine
}
