// Parsing of the ratelimit plugin's config (see ratelimit_config.h and README.md).
#include "ratelimit_config.h"

#include <cmath>
#include <set>

#include "herald/config_values.hpp"

namespace herald::ratelimit {

const char* to_string(KeyKind k) {
  switch (k) {
    case KeyKind::kUser: return "user";
    case KeyKind::kDevice: return "device";
    case KeyKind::kIp: return "ip";
    case KeyKind::kConv: return "conv";
    case KeyKind::kListener: return "listener";
    case KeyKind::kType: return "type";
    case KeyKind::kTopic: return "topic";
    case KeyKind::kGlobal: return "global";
  }
  return "unknown";
}

namespace {

const std::initializer_list<std::pair<std::string_view, KeyKind>> kKeys = {
    {"user", KeyKind::kUser},         {"device", KeyKind::kDevice}, {"ip", KeyKind::kIp},
    {"conv", KeyKind::kConv},         {"listener", KeyKind::kListener}, {"type", KeyKind::kType},
    {"topic", KeyKind::kTopic},       {"global", KeyKind::kGlobal}};

void parse_match(const sdk::ConfigSection& m, RuleConfig& rule) {
  if (!m.present()) return;
  m.allow_keys({"user", "device", "ip", "conv", "listener", "type", "topic", "protocol", "im"});
  for (const auto& kv : m.node()) {
    const std::string name = kv.first.as<std::string>("");
    MatchField f{KeyKind::kUser, "", {}};
    if (name == "protocol") f.header = ":protocol";
    else if (name == "im") f.header = ":im";
    else {
      bool known = false;
      for (const auto& [k, kind] : kKeys)
        if (k == name && kind != KeyKind::kGlobal) {
          f.field = kind;
          known = true;
        }
      if (!known) continue;  // reported by allow_keys
    }
    if (kv.second.IsScalar()) {
      f.values.push_back(kv.second.Scalar());
    } else if (kv.second.IsSequence()) {
      for (const auto& v : kv.second) {
        if (v.IsScalar()) f.values.push_back(v.Scalar());
        else m.error(name, "expected a string or a list of strings");
      }
    } else {
      m.error(name, "expected a string or a list of strings");
    }
    if (f.values.empty()) m.error(name, "needs at least one value");
    rule.match.push_back(std::move(f));
  }
}

}  // namespace

RateLimitConfig parse_ratelimit_config(const YAML::Node& node, const sdk::ConfigSection::Report& report) {
  RateLimitConfig c;
  sdk::ConfigSection root(node, "", report);
  root.allow_keys({"rules", "max_keys"});
  root.integer("max_keys", c.max_keys, 16, 100'000'000);
  YAML::Node rules = root.present() ? node["rules"] : YAML::Node();
  if (rules.IsDefined() && !rules.IsNull() && !rules.IsSequence()) root.error("rules", "expected a list");
  if (!rules.IsSequence()) return c;
  std::set<std::string> names;
  for (size_t i = 0; i < rules.size(); ++i) {
    sdk::ConfigSection r = root.at("rules[" + std::to_string(i) + "]", rules[i]);
    if (!r.present()) {
      r.error("", "expected a map");
      continue;
    }
    r.allow_keys({"name", "key", "match", "algorithm", "rate", "burst", "limit", "window", "bucket", "reason"});
    RuleConfig rule;
    if (!r.string("name", rule.name) || rule.name.empty()) r.error("name", "required");
    else if (!names.insert(rule.name).second) r.error("name", "duplicate rule \"" + rule.name + "\"");
    if (!r.choice("key", rule.key, kKeys)) {
      if (!r.scalar("key")) r.error("key", "required (user, device, ip, conv, listener, type, topic or global)");
    }
    parse_match(r.child("match"), rule);
    r.choice("algorithm", rule.algorithm,
             {{"token_bucket", Algorithm::kTokenBucket},
              {"sliding_window", Algorithm::kSlidingWindow},
              {"unlimited", Algorithm::kUnlimited}});
    r.choice("reason", rule.reason,
             {{"rate_limited", HERALD_REASON_RATE_LIMITED}, {"quota_exceeded", HERALD_REASON_QUOTA_EXCEEDED}});
    if (rule.algorithm == Algorithm::kTokenBucket) {
      auto rate = r.scalar("rate");
      auto per_s = rate ? config_values::parse_rate_per_second(*rate) : std::nullopt;
      if (!rate) r.error("rate", "required for token_bucket (e.g. 10/s)");
      else if (!per_s || *per_s <= 0) r.error("rate", "expected \"<n>/s\", \"<n>/m\" or \"<n>/h\", got \"" + *rate + "\"");
      else rule.rate = *per_s;
      uint32_t burst = 0;
      if (r.integer("burst", burst, 1, 100'000'000)) rule.burst = burst;
      else rule.burst = std::max(1.0, std::ceil(rule.rate));
    } else if (rule.algorithm == Algorithm::kSlidingWindow) {
      if (!r.integer("limit", rule.limit, 1, 1'000'000'000)) {
        if (!r.scalar("limit")) r.error("limit", "required for sliding_window");
      }
      r.duration("window", rule.window, false);
      r.duration("bucket", rule.bucket, false);
      if (rule.bucket > rule.window) r.error("bucket", "must not exceed window");
      else if (rule.window.count() % rule.bucket.count() != 0) r.error("bucket", "must divide window");
      else if (rule.window / rule.bucket > 3600) r.error("bucket", "at most 3600 buckets per window");
    }
    c.rules.push_back(std::move(rule));
  }
  return c;
}

}  // namespace herald::ratelimit
