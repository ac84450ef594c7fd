// Topic names and topic filters (MQTT 5 section 4.7, 4.8.2; 3.1.1 section 4.7): validation and matching.
// These functions check structure only; the decoder has already checked UTF-8 and length limits.
#pragma once

#include <optional>
#include <string_view>

#include "herald/mqtt/errors.h"

namespace herald::mqtt {

// kNone, kTopicNameEmpty or kTopicNameHasWildcard.
DecodeError validate_topic_name(std::string_view name);

// kNone or the first rule broken: empty, '#' misplaced [MQTT-4.7.1-1], '+' misplaced [MQTT-4.7.1-2],
// or a bad "$share/<group>/<filter>" [MQTT-4.8.2-1], [MQTT-4.8.2-2].
DecodeError validate_topic_filter(std::string_view filter);

struct SharedSubscription {
  std::string_view group;   // ShareName
  std::string_view filter;  // the filter messages are matched against
};
// Splits "$share/<group>/<filter>"; nullopt when `filter` does not start with "$share/".
// Does not validate: call validate_topic_filter first.
std::optional<SharedSubscription> parse_shared_subscription(std::string_view filter);

// Topic names starting with '$' are reserved for the server (e.g. $SYS/) [MQTT-4.7.2-1].
inline bool is_system_topic(std::string_view name) { return !name.empty() && name.front() == '$'; }

// True when the valid, non-shared `filter` matches the valid topic `name` (section 4.7.1). A filter
// whose first character is a wildcard does not match a name starting with '$' [MQTT-4.7.2-1].
// Strip "$share/<group>/" first (parse_shared_subscription) for shared subscriptions.
bool topic_matches(std::string_view filter, std::string_view name);

}  // namespace herald::mqtt
