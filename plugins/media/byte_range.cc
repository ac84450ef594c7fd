// RFC 7233 Range parsing: byte-range-set = 1#( byte-range-spec / suffix-byte-range-spec ).
#include "byte_range.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "ascii_text.h"

namespace herald::media {
namespace {

std::optional<uint64_t> number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  for (char c : s)
    if (c < '0' || c > '9') return std::nullopt;
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc::result_out_of_range) return UINT64_MAX;  // "a very large number": still a number
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::vector<ByteRange> coalesce(std::vector<ByteRange> in) {
  std::sort(in.begin(), in.end(), [](const ByteRange& a, const ByteRange& b) { return a.first < b.first; });
  std::vector<ByteRange> out;
  for (const auto& r : in) {
    if (!out.empty() && r.first <= out.back().last + 1)
      out.back().last = std::max(out.back().last, r.last);
    else
      out.push_back(r);
  }
  return out;
}

}  // namespace

RangeRequest parse_range(std::string_view header, uint64_t size, std::size_t max_ranges) {
  RangeRequest whole;
  header = trim_ows(header);
  auto eq = header.find('=');
  if (eq == std::string_view::npos || !iequals_ascii(trim_ows(header.substr(0, eq)), "bytes")) return whole;
  std::string_view set = header.substr(eq + 1);

  std::vector<ByteRange> ranges;
  bool any_spec = false;
  while (true) {
    auto comma = set.find(',');
    std::string_view spec = trim_ows(set.substr(0, comma));
    if (!spec.empty()) {  // the list rule allows empty elements ("bytes=0-1,,5-6")
      any_spec = true;
      auto dash = spec.find('-');
      if (dash == std::string_view::npos) return whole;
      std::string_view a = trim_ows(spec.substr(0, dash)), b = trim_ows(spec.substr(dash + 1));
      if (a.empty()) {  // suffix: the last N bytes
        auto n = number(b);
        if (!n) return whole;
        if (*n > 0 && size > 0) ranges.push_back({size - std::min(*n, size), size - 1});
      } else {
        auto first = number(a);
        if (!first) return whole;
        std::optional<uint64_t> last;
        if (!b.empty()) {
          last = number(b);
          if (!last || *last < *first) return whole;  // invalid byte-range-spec: ignore the header
        }
        if (*first < size) ranges.push_back({*first, std::min(last.value_or(size - 1), size - 1)});
      }
    }
    if (comma == std::string_view::npos) break;
    set.remove_prefix(comma + 1);
  }
  if (!any_spec) return whole;
  if (ranges.empty()) return RangeRequest{RangeRequest::Kind::kUnsatisfiable, {}};

  bool overlap = false;
  if (ranges.size() > 1) {
    auto sorted = ranges;
    std::sort(sorted.begin(), sorted.end(), [](const ByteRange& x, const ByteRange& y) { return x.first < y.first; });
    for (size_t i = 1; i < sorted.size(); ++i) overlap = overlap || sorted[i].first <= sorted[i - 1].last;
  }
  if (overlap || ranges.size() > max_ranges) ranges = coalesce(std::move(ranges));
  if (ranges.size() > max_ranges) return whole;  // still too many disjoint pieces: send it all once
  return RangeRequest{RangeRequest::Kind::kPartial, std::move(ranges)};
}

std::string content_range(const ByteRange& range, uint64_t size) {
  return "bytes " + std::to_string(range.first) + "-" + std::to_string(range.last) + "/" + std::to_string(size);
}

}  // namespace herald::media
