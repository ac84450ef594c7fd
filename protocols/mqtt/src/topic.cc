// Topic name / topic filter rules and matching (MQTT 5 section 4.7 and 4.8.2; 3.1.1 section 4.7).
#include "herald/mqtt/topic.h"

#include "packet_codec.h"

namespace herald::mqtt {
namespace {

constexpr std::string_view kSharePrefix = "$share/";

// The level that starts at `pos` ends at the next '/' or at the end of the string.
std::size_t level_end(std::string_view s, std::size_t pos) {
  const std::size_t slash = s.find('/', pos);
  return slash == std::string_view::npos ? s.size() : slash;
}

DecodeError check_wildcards(std::string_view filter) {
  for (std::size_t pos = 0;; ) {
    const std::size_t end = level_end(filter, pos);
    const std::string_view level = filter.substr(pos, end - pos);
    if (level.find('#') != std::string_view::npos && (level != "#" || end != filter.size()))
      return DecodeError::kMultiLevelWildcardMisplaced;  // v5 [MQTT-4.7.1-1], 3.1.1 [MQTT-4.7.1-2]
    if (level.find('+') != std::string_view::npos && level != "+")
      return DecodeError::kSingleLevelWildcardMisplaced;  // v5 [MQTT-4.7.1-2], 3.1.1 [MQTT-4.7.1-3]
    if (end == filter.size()) return DecodeError::kNone;
    pos = end + 1;
  }
}

}  // namespace

DecodeError validate_topic_name(std::string_view name) {
  if (name.empty()) return DecodeError::kTopicNameEmpty;  // [MQTT-4.7.3-1]
  // A plain loop: find_first_of would call memchr once per character.
  for (const char c : name)
    if (c == '+' || c == '#') return DecodeError::kTopicNameHasWildcard;  // [MQTT-3.3.2-2]
  return DecodeError::kNone;
}

std::optional<SharedSubscription> parse_shared_subscription(std::string_view filter) {
  if (!filter.starts_with(kSharePrefix)) return std::nullopt;
  const std::string_view rest = filter.substr(kSharePrefix.size());
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return SharedSubscription{rest, {}};
  return SharedSubscription{rest.substr(0, slash), rest.substr(slash + 1)};
}

DecodeError validate_topic_filter(std::string_view filter) {
  if (filter.empty()) return DecodeError::kTopicFilterEmpty;  // [MQTT-4.7.3-1]
  // "$share/<ShareName>/<filter>": the ShareName is at least one character, without '/', '+' or '#'
  // [MQTT-4.8.2-1]; it is followed by '/' and a non-empty Topic Filter [MQTT-4.8.2-2].
  if (const std::optional<SharedSubscription> shared = parse_shared_subscription(filter)) {
    if (shared->group.empty() || shared->group.find_first_of("+#") != std::string_view::npos)
      return DecodeError::kShareNameInvalid;
    if (shared->filter.empty()) return DecodeError::kSharedFilterMissing;
    return check_wildcards(shared->filter);
  }
  return check_wildcards(filter);
}

bool topic_matches(std::string_view filter, std::string_view name) {
  if (is_system_topic(name) && !filter.empty() && (filter.front() == '#' || filter.front() == '+')) return false;
  std::size_t f = 0, n = 0;
  bool name_done = false;  // every level of `name` has been matched
  for (;;) {
    const std::size_t f_end = level_end(filter, f);
    const std::string_view f_level = filter.substr(f, f_end - f);
    if (f_level == "#") return true;  // this level and all below, including none ("a/#" matches "a")
    if (name_done) return false;
    const std::size_t n_end = level_end(name, n);
    if (f_level != "+" && f_level != name.substr(n, n_end - n)) return false;
    const bool f_last = f_end == filter.size(), n_last = n_end == name.size();
    if (f_last) return n_last;
    f = f_end + 1;
    if (n_last) name_done = true;
    else n = n_end + 1;
  }
}

DecodeError check_topic_name_field(const std::string& topic, const DecodeContext& ctx) {
  if (topic.size() > ctx.limits.max_topic_length) return DecodeError::kTopicNameTooLong;
  return validate_topic_name(topic);
}

DecodeError check_topic_filter_field(const std::string& filter, const DecodeContext& ctx) {
  if (filter.size() > ctx.limits.max_topic_length) return DecodeError::kTopicFilterTooLong;
  return validate_topic_filter(filter);
}

}  // namespace herald::mqtt
