// libFuzzer target: topic name / filter validation and matching, checked against a plain
// level-by-level reference matcher. Input: one byte choosing where the filter ends, then filter
// bytes followed by topic name bytes.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "herald/mqtt/topic.h"
#include "herald/mqtt/utf8.h"

using namespace herald::mqtt;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

std::vector<std::string_view> levels(std::string_view s) {
  std::vector<std::string_view> out;
  for (std::size_t pos = 0;;) {
    const std::size_t slash = s.find('/', pos);
    if (slash == std::string_view::npos) {
      out.push_back(s.substr(pos));
      return out;
    }
    out.push_back(s.substr(pos, slash - pos));
    pos = slash + 1;
  }
}

bool reference_match(const std::vector<std::string_view>& f, std::size_t i, const std::vector<std::string_view>& n,
                     std::size_t j) {
  if (i == f.size()) return j == n.size();
  if (f[i] == "#") return true;
  if (j == n.size()) return false;
  return (f[i] == "+" || f[i] == n[j]) && reference_match(f, i + 1, n, j + 1);
}

bool reference(std::string_view filter, std::string_view name) {
  if (!name.empty() && name[0] == '$' && (filter[0] == '+' || filter[0] == '#')) return false;
  return reference_match(levels(filter), 0, levels(name), 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::size_t cut = rest.empty() ? 0 : data[0] % (rest.size() + 1);
  const std::string_view filter = rest.substr(0, cut);
  const std::string_view name = rest.substr(cut);

  (void)validate_utf8(rest, data[0] & 1);
  const DecodeError filter_error = validate_topic_filter(filter);
  const DecodeError name_error = validate_topic_name(name);
  // A valid name is a valid filter that matches itself and only itself among names.
  if (name_error == DecodeError::kNone && !name.starts_with("$share/")) {
    check(validate_topic_filter(name) == DecodeError::kNone);
    check(topic_matches(name, name));
    check(topic_matches("#", name) == !is_system_topic(name));
  }
  if (filter_error != DecodeError::kNone) return 0;
  std::string_view match_filter = filter;
  if (const auto shared = parse_shared_subscription(filter)) {
    check(!shared->group.empty() && shared->group.find_first_of("/+#") == std::string_view::npos);
    // The part after the group is a plain filter, even if it too starts with "$share/".
    check(!shared->filter.empty());
    check(shared->filter.starts_with("$share/") || validate_topic_filter(shared->filter) == DecodeError::kNone);
    match_filter = shared->filter;
  }
  if (name_error == DecodeError::kNone) check(topic_matches(match_filter, name) == reference(match_filter, name));
  return 0;
}
