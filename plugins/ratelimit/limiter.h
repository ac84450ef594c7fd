// Applies the rules to one message: finds each rule's key in the envelope headers, keeps one bucket
// per (rule, key) in sharded maps (a user's devices and a conversation's senders sit on different
// loops, so one exact bucket per key needs sharing), and forgets the least recently used keys
// beyond max_keys. Precedence: the first matching rule of each key kind applies, later ones of that
// kind are skipped; rules of different kinds all apply.
#pragma once

#include <array>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "herald/sdk.hpp"
#include "limiter_buckets.h"
#include "ratelimit_config.h"

namespace herald::ratelimit {

// Reads an envelope header (":user", ":peer", ...).
using HeaderLookup = std::function<std::optional<std::string_view>(std::string_view)>;

// herald_ratelimit_{passed,rejected}_total{rule} and herald_ratelimit_keys{rule}.
struct RuleMetrics {
  sdk::Metric passed, rejected, keys;
  static RuleMetrics create(const sdk::Host& host, std::string_view rule);  // control thread
};

class RuleState {
 public:
  RuleState(RuleConfig config, uint32_t max_keys, RuleMetrics metrics = {});
  const RuleConfig& config() const { return config_; }
  Decision take(const std::string& key, Time now);
  size_t keys();
  const RuleMetrics& metrics() const { return metrics_; }

 private:
  using Bucket = std::variant<TokenBucket, SlidingWindow>;
  struct Entry {
    Bucket bucket;
    std::list<std::string>::iterator lru;
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, Entry> entries;
    std::list<std::string> lru;  // front: most recently used
  };
  static constexpr size_t kShards = 16;
  Bucket fresh(Time now) const;
  static bool idle(const Bucket& b, Time now);

  const RuleConfig config_;
  const size_t per_shard_;
  RuleMetrics metrics_;
  std::array<Shard, kShards> shards_;
};

struct Refusal {
  const RuleState* rule;
  milliseconds retry_after;
};

class Limiter {
 public:
  explicit Limiter(std::vector<std::shared_ptr<RuleState>> rules) : rules_(std::move(rules)) {}
  std::optional<Refusal> check(const HeaderLookup& header, Time now) const;
  const std::vector<std::shared_ptr<RuleState>>& rules() const { return rules_; }

  // The value a rule of kind `k` counts by, or nullopt when the message has none (rule skipped).
  static std::optional<std::string> key_of(KeyKind k, const HeaderLookup& header);

 private:
  std::vector<std::shared_ptr<RuleState>> rules_;
};

// The IP part of ":peer" ("1.2.3.4:5678" -> "1.2.3.4", "[::1]:5678" -> "::1").
std::string_view peer_ip(std::string_view peer);

}  // namespace herald::ratelimit
