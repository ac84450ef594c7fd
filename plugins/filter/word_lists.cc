// Loading of word and fold files into the automaton (see word_lists.h).
#include "word_lists.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <stdexcept>

namespace herald::filter {

namespace {

// Calls fn(line_number, line) for each non-blank, non-comment line (trailing \r and spaces trimmed).
template <class Fn>
void read_lines(const std::string& path, Fn&& fn) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    fn(n, std::string_view(line).substr(start));
  }
  if (in.bad()) throw std::runtime_error("error reading " + path);
}

NormalizerOptions with_fold_files(const FilterConfig& config) {
  NormalizerOptions o = config.normalize;
  for (const auto& path : config.fold_files) {
    read_lines(path, [&](size_t n, std::string_view line) {
      // "<from> <to>": one character each; a missing <to> drops <from>.
      size_t i = 0;
      const char32_t from = decode_utf8(line, i);
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      char32_t to = 0;
      if (i < line.size()) to = decode_utf8(line, i);
      if (i != line.size() || from == 0xFFFD || to == 0xFFFD)
        throw std::runtime_error(path + ":" + std::to_string(n) + ": expected \"<char> <char>\"");
      o.folds[from] = to;
    });
  }
  return o;
}

}  // namespace

WordLists::WordLists(const FilterConfig& config, const NormalizerOptions& options)
    : categories_(config.categories), normalizer_(options) {}

std::shared_ptr<const WordLists> WordLists::load(const FilterConfig& config) {
  const auto t0 = std::chrono::steady_clock::now();
  std::shared_ptr<WordLists> w(new WordLists(config, with_fold_files(config)));
  PatternAutomaton::Builder builder;
  for (uint32_t ci = 0; ci < w->categories_.size(); ++ci) {
    const auto& cat = w->categories_[ci];
    for (const auto& word : cat.words) builder.add(w->normalizer_.normalize_word(word), ci);
    for (const auto& path : cat.files)
      read_lines(path, [&](size_t, std::string_view line) { builder.add(w->normalizer_.normalize_word(line), ci); });
  }
  w->automaton_ = builder.build();
  w->load_ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return w;
}

void WordLists::find(std::string_view text, NormalizedText& scratch, std::vector<Hit>& out) const {
  out.clear();
  normalizer_.normalize(text, scratch);
  automaton_.scan(scratch.chars.data(), scratch.chars.size(), [&](size_t last, uint32_t length, uint64_t cats) {
    const size_t first = last + 1 - length;
    out.push_back(Hit{scratch.begin[first], scratch.end[last], cats});
  });
}

std::string mask_ranges(std::string_view text, std::vector<Hit> hits, std::string_view mask) {
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) { return a.begin < b.begin; });
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  for (size_t h = 0; h < hits.size();) {
    uint32_t begin = hits[h].begin, end = hits[h].end;
    for (++h; h < hits.size() && hits[h].begin <= end; ++h) end = std::max(end, hits[h].end);
    if (begin < pos) begin = static_cast<uint32_t>(pos);
    out.append(text.substr(pos, begin - pos));
    // One mask character per original character (a UTF-8 lead byte), zero-width ones included.
    for (size_t i = begin; i < end; ++i)
      if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) out.append(mask);
    pos = end;
  }
  out.append(text.substr(pos));
  return out;
}

}  // namespace herald::filter
