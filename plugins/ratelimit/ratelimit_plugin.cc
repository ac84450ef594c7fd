// ratelimit: the rate-limiting plugin. Its inbound stage `ratelimit` applies token-bucket and
// sliding-window rules keyed by user, device, IP, conversation, listener, message type or topic; an
// over-limit message is refused with a reason code and a retry-after (":retry_after_ms"), never
// dropped silently. Bucket state lives in the plugin, so a reload keeps it for unchanged rules.
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <herald/clock.hpp>
#include <herald/sdk.hpp>

#include "limiter.h"
#include "ratelimit_config.h"

namespace herald::ratelimit {
namespace {

using sdk::Config;
using sdk::StageCall;
using sdk::Verdict;

RateLimitConfig parse_or_throw(const Config& config) {
  return sdk::parse_config_or_throw("ratelimit", config.node(), parse_ratelimit_config);
}

class RateLimitPlugin : public sdk::Plugin {
 public:
  RateLimitPlugin(sdk::Host host, const Config& config) : Plugin(host) { install(parse_or_throw(config)); }

  static void validate(const Config& config, sdk::Errors& errors) {
    parse_ratelimit_config(config.node(), [&](std::string path, std::string message) { errors.add(path, message); });
  }

  bool reconfigure(const Config& config) override {
    install(parse_or_throw(config));
    return true;
  }

  std::shared_ptr<const Limiter> limiter() const { return limiter_.load(std::memory_order_acquire); }

 private:
  // Control thread. A rule whose limits did not change keeps its buckets (and metric series).
  void install(RateLimitConfig c) {
    std::vector<std::shared_ptr<RuleState>> rules;
    auto old = limiter_.load();
    for (auto& rc : c.rules) {
      std::shared_ptr<RuleState> kept;
      if (old && old_max_keys_ == c.max_keys)
        for (const auto& r : old->rules())
          if (r->config().same_limits(rc) && same_match(r->config(), rc)) kept = r;
      if (!kept) {
        RuleMetrics metrics = metrics_for(rc.name);
        kept = std::make_shared<RuleState>(std::move(rc), c.max_keys, metrics);
      }
      rules.push_back(std::move(kept));
    }
    old_max_keys_ = c.max_keys;
    limiter_.store(std::make_shared<const Limiter>(std::move(rules)), std::memory_order_release);
    host().info("ratelimit: " + std::to_string(c.rules.size()) + " rules active");
  }
  static bool same_match(const RuleConfig& a, const RuleConfig& b) {
    if (a.match.size() != b.match.size() || a.reason != b.reason) return false;
    for (size_t i = 0; i < a.match.size(); ++i)
      if (a.match[i].field != b.match[i].field || a.match[i].header != b.match[i].header ||
          a.match[i].values != b.match[i].values)
        return false;
    return true;
  }
  RuleMetrics metrics_for(const std::string& rule) {
    auto it = metrics_.find(rule);
    if (it == metrics_.end()) it = metrics_.emplace(rule, RuleMetrics::create(host(), rule)).first;
    it->second.keys.set(0);
    return it->second;
  }

  std::atomic<std::shared_ptr<const Limiter>> limiter_;
  std::map<std::string, RuleMetrics> metrics_;
  uint32_t old_max_keys_ = 0;
};

class RateLimitStage : public sdk::Stage {
 public:
  RateLimitStage(RateLimitPlugin& plugin, const Config&) : plugin_(plugin) {}

  Verdict process(StageCall& call) override {
    auto env = call.envelope();
    const auto limiter = plugin_.limiter();
    const HeaderLookup lookup = [&env](std::string_view name) { return env.get(name); };
    auto refused = limiter->check(lookup, sdk::system_clock().steady());
    if (!refused) return Verdict::kContinue;
    // The fronts read this header: binary ERROR.retry_after_ms, $im error entries' retry_after_ms.
    env.set(":retry_after_ms", std::to_string(refused->retry_after.count()));
    const RuleConfig& rule = refused->rule->config();
    return call.reject(rule.reason, "rate limited by rule \"" + rule.name + "\" (" + to_string(rule.key) +
                                        "); retry after " + std::to_string(refused->retry_after.count()) + " ms");
  }

 private:
  RateLimitPlugin& plugin_;
};

sdk::PluginSpec<RateLimitPlugin> spec() {
  using sdk::key;
  return sdk::PluginSpec<RateLimitPlugin>("ratelimit", "1.0.0",
                                          "Rate limits: token-bucket and sliding-window rules by user, device, IP, "
                                          "conversation, listener, type or topic")
      .keys({key("rules", HERALD_CONFIG_LIST, "[]", "limit rules: name, key, match, algorithm, rate/burst or limit/window/bucket, reason"),
             key("max_keys", HERALD_CONFIG_INTEGER, "100000", "keys tracked per rule; the least recently used are forgotten")})
      .stage<RateLimitStage>("ratelimit", "refuses messages over the configured rates, with a retry-after");
}

}  // namespace
}  // namespace herald::ratelimit

HERALD_PLUGIN(herald::ratelimit::RateLimitPlugin, herald::ratelimit::spec)
