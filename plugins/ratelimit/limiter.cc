// Implementation of the rule matching and keyed bucket state (see limiter.h).
#include "limiter.h"

#include <functional>

namespace herald::ratelimit {

RuleMetrics RuleMetrics::create(const sdk::Host& host, std::string_view rule) {
  RuleMetrics m;
  m.passed = host.counter("herald_ratelimit_passed_total", "Messages a rate-limit rule let through.", {{"rule", rule}});
  m.rejected = host.counter("herald_ratelimit_rejected_total", "Messages a rate-limit rule refused.", {{"rule", rule}});
  m.keys = host.gauge("herald_ratelimit_keys", "Keys a rate-limit rule is tracking.", {{"rule", rule}});
  return m;
}

RuleState::RuleState(RuleConfig config, uint32_t max_keys, RuleMetrics metrics)
    : config_(std::move(config)), per_shard_(std::max<size_t>(1, max_keys / kShards)), metrics_(std::move(metrics)) {}

RuleState::Bucket RuleState::fresh(Time now) const {
  if (config_.algorithm == Algorithm::kSlidingWindow) return SlidingWindow(config_.limit, config_.window, config_.bucket);
  return TokenBucket(config_.rate, config_.burst, now);
}

bool RuleState::idle(const Bucket& b, Time now) {
  if (const auto* t = std::get_if<TokenBucket>(&b)) return t->full_at(now);
  return std::get<SlidingWindow>(b).empty_at(now);
}

Decision RuleState::take(const std::string& key, Time now) {
  Shard& s = shards_[std::hash<std::string>{}(key) % kShards];
  std::lock_guard lock(s.mu);
  auto it = s.entries.find(key);
  if (it == s.entries.end()) {
    // Forget a couple of keys that went idle (their bucket is as good as new), then the least
    // recently used one if the shard is still full.
    for (int i = 0; i < 2 && !s.lru.empty(); ++i) {
      auto old = s.entries.find(s.lru.back());
      if (!idle(old->second.bucket, now)) break;
      s.entries.erase(old);
      s.lru.pop_back();
      metrics_.keys.add(-1);
    }
    if (s.entries.size() >= per_shard_) {
      s.entries.erase(s.lru.back());
      s.lru.pop_back();
      metrics_.keys.add(-1);
    }
    s.lru.push_front(key);
    it = s.entries.emplace(key, Entry{fresh(now), s.lru.begin()}).first;
    metrics_.keys.add(1);
  } else {
    s.lru.splice(s.lru.begin(), s.lru, it->second.lru);
  }
  return std::visit([&](auto& b) { return b.try_take(now); }, it->second.bucket);
}

size_t RuleState::keys() {
  size_t n = 0;
  for (auto& s : shards_) {
    std::lock_guard lock(s.mu);
    n += s.entries.size();
  }
  return n;
}

std::string_view peer_ip(std::string_view peer) {
  if (peer.starts_with('[')) {
    const size_t close = peer.find(']');
    return close == std::string_view::npos ? peer : peer.substr(1, close - 1);
  }
  const size_t colon = peer.rfind(':');
  if (colon != std::string_view::npos && peer.find(':') == colon) return peer.substr(0, colon);
  return peer;  // no port, or a bare IPv6 address
}

std::optional<std::string> Limiter::key_of(KeyKind k, const HeaderLookup& header) {
  auto get = [&](std::string_view name) -> std::optional<std::string> {
    auto v = header(name);
    if (!v || v->empty()) return std::nullopt;
    return std::string(*v);
  };
  switch (k) {
    case KeyKind::kUser: return get(":user");
    case KeyKind::kDevice: {
      // A device id is only unique within its user.
      auto u = get(":user"), d = get(":device");
      if (!d) return std::nullopt;
      return u.value_or("") + "/" + *d;
    }
    case KeyKind::kIp: {
      auto p = header(":peer");
      if (!p || p->empty()) return std::nullopt;
      return std::string(peer_ip(*p));
    }
    case KeyKind::kConv: return get(":conv");
    case KeyKind::kListener: return get(":listener");
    case KeyKind::kType: {
      // IM sends carry their kind; a plain MQTT publish counts as "publish".
      if (auto t = get(":type")) return t;
      return header(":topic") ? std::optional<std::string>("publish") : std::nullopt;
    }
    case KeyKind::kTopic: return get(":topic");
    case KeyKind::kGlobal: return std::string();
  }
  return std::nullopt;
}

namespace {
bool matches(const MatchField& f, const HeaderLookup& header) {
  std::optional<std::string> v;
  if (!f.header.empty()) {
    auto h = header(f.header);
    if (h) v = std::string(*h);
  } else {
    v = Limiter::key_of(f.field, header);
    if (v && f.field == KeyKind::kDevice) v = std::string(header(":device").value_or(""));
  }
  if (!v) return false;
  for (const auto& want : f.values) {
    if (want.ends_with('*') ? std::string_view(*v).starts_with(std::string_view(want).substr(0, want.size() - 1))
                            : *v == want)
      return true;
  }
  return false;
}
}  // namespace

std::optional<Refusal> Limiter::check(const HeaderLookup& header, Time now) const {
  uint32_t decided = 0;  // key kinds a rule already applied to (precedence)
  for (const auto& rule : rules_) {
    const RuleConfig& c = rule->config();
    const uint32_t bit = 1u << static_cast<uint32_t>(c.key);
    if (decided & bit) continue;
    bool all = true;
    for (const auto& f : c.match) all = all && matches(f, header);
    if (!all) continue;
    auto key = key_of(c.key, header);
    if (!key) continue;
    decided |= bit;
    if (c.algorithm == Algorithm::kUnlimited) continue;
    Decision d = rule->take(*key, now);
    if (!d.allowed) {
      rule->metrics().rejected.add();
      return Refusal{rule.get(), d.retry_after};
    }
    rule->metrics().passed.add();
  }
  return std::nullopt;
}

}  // namespace herald::ratelimit
