// The ratelimit plugin's config: rules matched against envelope headers, each limiting one key kind
// with a token bucket or a sliding window. Parsed once; every error names its YAML path.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "herald/config_section.hpp"
#include "herald/reason_codes.h"

namespace herald::ratelimit {

// What a rule counts per: one bucket per distinct value.
enum class KeyKind : uint32_t { kUser, kDevice, kIp, kConv, kListener, kType, kTopic, kGlobal };
const char* to_string(KeyKind k);

enum class Algorithm { kTokenBucket, kSlidingWindow, kUnlimited };

// `field` equals one of `values`; a value ending in '*' matches by prefix.
struct MatchField {
  KeyKind field;  // kUser..kTopic; protocol and im use the two below
  std::string header;
  std::vector<std::string> values;
};

struct RuleConfig {
  std::string name;
  KeyKind key = KeyKind::kUser;
  std::vector<MatchField> match;
  Algorithm algorithm = Algorithm::kTokenBucket;
  double rate = 0;       // token bucket: tokens per second
  double burst = 0;      // token bucket: capacity (default: one second of rate, at least 1)
  uint32_t limit = 0;    // sliding window: calls per window
  std::chrono::milliseconds window{1000}, bucket{100};
  herald_reason reason = HERALD_REASON_RATE_LIMITED;
  // Same counting behaviour: a reload keeps the rule's buckets.
  bool same_limits(const RuleConfig& o) const {
    return name == o.name && key == o.key && algorithm == o.algorithm && rate == o.rate && burst == o.burst &&
           limit == o.limit && window == o.window && bucket == o.bucket;
  }
};

struct RateLimitConfig {
  std::vector<RuleConfig> rules;
  uint32_t max_keys = 100'000;  // per rule; the least recently used key is forgotten beyond it
};

RateLimitConfig parse_ratelimit_config(const YAML::Node& node, const sdk::ConfigSection::Report& report);

}  // namespace herald::ratelimit
