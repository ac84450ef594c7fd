// Word lists: files and inline words, categories, masking original bytes, config errors with paths,
// and a 100,000-word list (its load time is printed, not asserted: speed lives in tests/bench).
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <random>

#include <unistd.h>

#include "word_lists.h"

using namespace herald::filter;

namespace {
struct TempFile {
  std::string path;
  explicit TempFile(const std::string& text) {
    char tmpl[] = "/tmp/herald-filter-XXXXXX";
    int fd = mkstemp(tmpl);
    REQUIRE(fd >= 0);
    path = tmpl;
    std::ofstream(path) << text;
    ::close(fd);
  }
  ~TempFile() { std::remove(path.c_str()); }
};

FilterConfig config(const std::string& yaml, std::vector<std::string>* errors = nullptr) {
  std::vector<std::string> local;
  auto& errs = errors ? *errors : local;
  FilterConfig c = parse_filter_config(YAML::Load(yaml), [&](std::string p, std::string m) { errs.push_back(p + ": " + m); });
  if (!errors) REQUIRE(local.empty());
  return c;
}

std::vector<Hit> find(const WordLists& w, std::string_view text) {
  NormalizedText scratch;
  std::vector<Hit> hits;
  w.find(text, scratch, hits);
  return hits;
}
}  // namespace

TEST_CASE("word lists: files and inline words by category, mask replaces the original characters") {
  TempFile words("# profanity\nbadword\n  darn \r\n\nheck\n");
  auto lists = WordLists::load(config("categories:\n"
                                      "  - {name: profanity, action: mask, files: [" + words.path + "]}\n"
                                      "  - {name: spam, action: reject, words: [\"buy now\"]}\n"));
  CHECK(lists->words() == 4);
  auto hits = find(*lists, "oh D\xE2\x80\x8B" "A\xEF\xBC\xB2N it");  // D ZWSP A Ｒ N
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].categories == 1);
  CHECK(hits[0].begin == 3);
  CHECK(mask_ranges("oh D\xE2\x80\x8B" "A\xEF\xBC\xB2N it", hits, "*") == "oh ***** it");
  auto spam = find(*lists, "BUY.NOW!");
  REQUIRE(spam.size() == 1);
  CHECK(spam[0].categories == 2);
  CHECK(mask_ranges("BUY.NOW!", spam, "#") == "#######!");
}

TEST_CASE("word lists: overlapping matches merge when masked") {
  auto lists = WordLists::load(config("categories: [{name: a, action: mask, words: [abc, bcd]}]"));
  auto hits = find(*lists, "xabcdx");
  CHECK(hits.size() == 2);
  CHECK(mask_ranges("xabcdx", hits, "*") == "x****x");
}

TEST_CASE("word lists: fold files add homoglyphs") {
  TempFile folds("# homoglyphs\n@ a\n\xD0\xB5 e\n");
  auto lists = WordLists::load(config("normalize: {fold_files: [" + folds.path +
                                      "]}\ncategories: [{name: a, action: flag, words: [bed]}]"));
  CHECK(find(*lists, "B\xD0\xB5" "D").size() == 1);  // Cyrillic е
}

TEST_CASE("word lists: config errors carry their YAML path") {
  std::vector<std::string> errors;
  config("categories:\n"
         "  - {name: a, action: bleep}\n"
         "  - {name: a, action: mask, colour: red}\n"
         "penalty: {hits: 3, mute: [1m, soon]}\n"
         "im_types: [text, image]\n"
         "mask_char: \"**\"\n",
         &errors);
  auto has = [&](std::string_view prefix) {
    for (const auto& e : errors)
      if (e.starts_with(prefix)) return true;
    return false;
  };
  CHECK(has("categories[0].action: expected mask, reject or flag"));
  CHECK(has("categories[1].name: duplicate"));
  CHECK(has("categories[1].colour: unknown key"));
  CHECK(has("penalty.mute[1]: expected a duration"));
  CHECK(has("im_types[1]: expected text or custom"));
  CHECK(has("mask_char: expected one character"));
}

TEST_CASE("word lists: a missing file names itself") {
  CHECK_THROWS_WITH(WordLists::load(config("categories: [{name: a, files: [/nonexistent/words.txt]}]")),
                    Catch::Contains("/nonexistent/words.txt"));
}

TEST_CASE("word lists: a 100,000-word list loads and matches") {
  std::mt19937 rng(7);
  std::string text;
  std::vector<std::string> words;
  for (int i = 0; i < 100'000; ++i) {
    std::string w;
    const size_t len = 4 + rng() % 6;
    for (size_t k = 0; k < len; ++k) w += static_cast<char>('a' + rng() % 26);
    words.push_back(w);
    text += w + "\n";
  }
  TempFile file(text);
  auto lists = WordLists::load(config("categories: [{name: big, action: reject, files: [" + file.path + "]}]"));
  CHECK(lists->words() == 100'000);
  std::printf("100,000-word list loaded in %.1f ms\n", lists->load_ms());
  CHECK(find(*lists, "zz " + words[99'999] + " zz").size() >= 1);
  CHECK(find(*lists, "zz " + words[12'345] + " zz").size() >= 1);
}
