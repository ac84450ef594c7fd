// Rules: keys from headers, matching, precedence, independence of keys, eviction, config errors.
#include <catch2/catch.hpp>

#include <map>

#include "limiter.h"

using namespace herald::ratelimit;
using namespace std::chrono_literals;

namespace {
using Headers = std::map<std::string, std::string, std::less<>>;
HeaderLookup lookup(const Headers& h) {
  return [&h](std::string_view name) -> std::optional<std::string_view> {
    auto it = h.find(name);
    if (it == h.end()) return std::nullopt;
    return std::string_view(it->second);
  };
}
RateLimitConfig parse(const std::string& yaml, std::vector<std::string>* errors = nullptr) {
  std::vector<std::string> local;
  auto& errs = errors ? *errors : local;
  auto c = parse_ratelimit_config(YAML::Load(yaml), [&](std::string p, std::string m) { errs.push_back(p + ": " + m); });
  if (!errors) {
    INFO((local.empty() ? "" : local[0]));
    REQUIRE(local.empty());
  }
  return c;
}
Limiter make(const RateLimitConfig& c) {
  std::vector<std::shared_ptr<RuleState>> rules;
  for (const auto& r : c.rules) rules.push_back(std::make_shared<RuleState>(r, c.max_keys));
  return Limiter(std::move(rules));
}
Time at(int64_t ms) { return Time(std::chrono::milliseconds(1'000'000 + ms)); }
}  // namespace

TEST_CASE("limiter: per-user buckets are independent") {
  auto lim = make(parse("rules: [{name: u, key: user, rate: 2/s, burst: 2}]"));
  Headers alice{{":user", "alice"}}, bob{{":user", "bob"}};
  CHECK_FALSE(lim.check(lookup(alice), at(0)));
  CHECK_FALSE(lim.check(lookup(alice), at(0)));
  auto r = lim.check(lookup(alice), at(0));
  REQUIRE(r);
  CHECK(r->rule->config().name == "u");
  CHECK(r->retry_after > 0ms);
  CHECK_FALSE(lim.check(lookup(bob), at(0)));
  CHECK_FALSE(lim.check(lookup(alice), at(500)));
}

TEST_CASE("limiter: the first matching rule of a key kind wins, other kinds still apply") {
  auto lim = make(parse(R"(
rules:
  - {name: vip, key: user, match: {user: [vip*]}, algorithm: unlimited}
  - {name: users, key: user, rate: 1/s, burst: 1}
  - {name: conv, key: conv, algorithm: sliding_window, limit: 3, window: 1s, bucket: 100ms, reason: quota_exceeded}
)"));
  Headers vip{{":user", "vip-anna"}, {":conv", "g1"}}, joe{{":user", "joe"}};
  for (int i = 0; i < 3; ++i) CHECK_FALSE(lim.check(lookup(vip), at(0)));  // unlimited as a user...
  auto r = lim.check(lookup(vip), at(0));                                     // ...but the conv rule applies
  REQUIRE(r);
  CHECK(r->rule->config().name == "conv");
  CHECK(r->rule->config().reason == HERALD_REASON_QUOTA_EXCEEDED);
  CHECK_FALSE(lim.check(lookup(joe), at(0)));
  REQUIRE(lim.check(lookup(joe), at(0)));  // no :conv: the conv rule is skipped, users applies
  CHECK(lim.check(lookup(joe), at(0))->rule->config().name == "users");
}

TEST_CASE("limiter: match on protocol, im and type, keys by ip, device, listener, type") {
  auto lim = make(parse(R"(
rules:
  - {name: ip, key: ip, match: {protocol: mqtt}, rate: 1/s, burst: 1}
  - {name: dev, key: device, match: {im: send, type: [text]}, rate: 1/s, burst: 1}
)"));
  Headers a{{":protocol", "mqtt"}, {":peer", "10.0.0.1:5000"}}, b{{":protocol", "mqtt"}, {":peer", "10.0.0.1:6000"}};
  CHECK_FALSE(lim.check(lookup(a), at(0)));
  CHECK(lim.check(lookup(b), at(0)));  // same IP, other port
  Headers t1{{":im", "send"}, {":type", "text"}, {":user", "u"}, {":device", "d1"}};
  Headers t2{{":im", "send"}, {":type", "text"}, {":user", "u"}, {":device", "d2"}};
  Headers img{{":im", "send"}, {":type", "image"}, {":user", "u"}, {":device", "d1"}};
  CHECK_FALSE(lim.check(lookup(t1), at(0)));
  CHECK_FALSE(lim.check(lookup(t2), at(0)));
  CHECK(lim.check(lookup(t1), at(0)));
  CHECK_FALSE(lim.check(lookup(img), at(0)));  // type not matched
  CHECK(Limiter::key_of(KeyKind::kType, lookup(Headers{{":topic", "a/b"}})) == "publish");
  CHECK(Limiter::key_of(KeyKind::kListener, lookup(Headers{{":listener", "mqtt"}})) == "mqtt");
  CHECK(peer_ip("[::1]:1883") == "::1");
  CHECK(peer_ip("::1") == "::1");
}

TEST_CASE("limiter: memory stays bounded, idle keys are forgotten first") {
  RateLimitConfig c = parse("max_keys: 160\nrules: [{name: u, key: user, rate: 1/s, burst: 1}]");
  auto lim = make(c);
  for (int i = 0; i < 10'000; ++i) lim.check(lookup(Headers{{":user", "u" + std::to_string(i)}}), at(0));
  CHECK(lim.rules()[0]->keys() <= 160);
}

TEST_CASE("limiter: config errors carry their YAML path") {
  std::vector<std::string> errors;
  parse(R"(
rules:
  - {name: a, key: user, rate: fast}
  - {name: a, key: planet, rate: 1/s}
  - {name: c, key: conv, algorithm: sliding_window, window: 1s, bucket: 300ms}
  - {name: d, key: user, rate: 1/s, match: {colour: red}}
)", &errors);
  auto has = [&](std::string_view prefix) {
    for (const auto& e : errors)
      if (e.starts_with(prefix)) return true;
    return false;
  };
  CHECK(has("rules[0].rate: expected \"<n>/s\""));
  CHECK(has("rules[1].name: duplicate"));
  CHECK(has("rules[1].key: expected user, device"));
  CHECK(has("rules[2].limit: required"));
  CHECK(has("rules[2].bucket: must divide window"));
  CHECK(has("rules[3].match.colour: unknown key"));
}
