// SessionRegistry on its own: policies, takeover, stale removals, presence events, gauges,
// concurrency from both loops, and the config parser.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <thread>

#include "binary_harness.h"
#include "herald/gateway/session/session_registry.h"

namespace herald::gateway::session::test {

using binary::test::Env;
using binary::test::on_loop;
using namespace std::chrono_literals;

namespace {

struct FakeControl final : SessionControl {
  std::mutex mu;
  std::vector<std::pair<herald_reason, std::string>> kicks;
  void kick(herald_reason reason, std::string text) override {
    std::lock_guard lock(mu);
    kicks.emplace_back(reason, std::move(text));
  }
  size_t count() {
    std::lock_guard lock(mu);
    return kicks.size();
  }
};

struct RecordingSink final : PresenceSink {
  std::mutex mu;
  std::vector<PresenceEvent> events;
  void publish(const PresenceEvent& e) override {
    std::lock_guard lock(mu);
    events.push_back(e);
  }
  std::vector<std::string> summary() {
    std::lock_guard lock(mu);
    std::vector<std::string> out;
    for (const auto& e : events)
      out.push_back(std::string(e.scope == PresenceEvent::Scope::kUser ? "user " : "device ") + e.user + "/" +
                    e.device + (e.online ? " online" : " offline"));
    return out;
  }
};

std::atomic<uint64_t> next_conn{1};

DeviceSession dev(const std::string& user, const std::string& device, const std::string& platform,
                  std::shared_ptr<FakeControl> control, Protocol p = Protocol::kBinary, uint32_t loop = 0) {
  DeviceSession d;
  d.user = user;
  d.device = device;
  d.platform = platform;
  d.protocol = p;
  d.connection_id = next_conn++;
  d.loop = loop;
  d.control = std::move(control);
  return d;
}

SessionConfig with_policy(MultiDevicePolicy p) {
  SessionConfig c;
  c.multi_device = p;
  return c;
}

}  // namespace

TEST_CASE("policy all: every device stays, same device replaces and kicks its old connection") {
  auto sink = std::make_shared<RecordingSink>();
  SessionRegistry r(nullptr, with_policy(MultiDevicePolicy::kAll), sink);
  auto c1 = std::make_shared<FakeControl>(), c2 = std::make_shared<FakeControl>(), c3 = std::make_shared<FakeControl>();
  auto first = dev("alice", "phone", "ios", c1);
  CHECK(r.add(first).user_came_online);
  CHECK_FALSE(r.add(dev("alice", "web", "web", c2, Protocol::kMqtt, 1)).user_came_online);
  CHECK(r.devices("alice").size() == 2);
  CHECK(r.online_users() == 1);
  CHECK(r.online_devices() == 2);
  CHECK(r.online_devices(Protocol::kMqtt) == 1);

  auto again = dev("alice", "phone", "ios", c3, Protocol::kBinary, 1);
  auto out = r.add(again);
  REQUIRE(out.displaced.size() == 1);
  CHECK(out.displaced[0].connection_id == first.connection_id);
  REQUIRE(c1->count() == 1);
  CHECK(c1->kicks[0].first == HERALD_REASON_SESSION_TAKEN_OVER);
  CHECK(r.find("alice", "phone")->connection_id == again.connection_id);
  CHECK(r.find("alice", "phone")->loop == 1);
  CHECK(r.online_devices() == 2);

  // The old connection's goodbye arrives late: ignored.
  CHECK_FALSE(r.remove("alice", "phone", first.connection_id));
  CHECK(r.online("alice"));
  CHECK(r.remove("alice", "phone", again.connection_id));
  auto web = r.devices("alice");
  REQUIRE(web.size() == 1);
  CHECK(r.remove("alice", "web", web[0].connection_id));
  CHECK_FALSE(r.online("alice"));
  CHECK(r.online_users() == 0);
  CHECK(r.online_devices() == 0);
  CHECK(sink->summary() == std::vector<std::string>{
                               "device alice/phone online", "user alice/phone online", "device alice/web online",
                               "device alice/phone offline", "device alice/web offline", "user alice/web offline"});
}

TEST_CASE("policy one: a new device kicks every other device of the user") {
  auto sink = std::make_shared<RecordingSink>();
  SessionRegistry r(nullptr, with_policy(MultiDevicePolicy::kOne), sink);
  auto c1 = std::make_shared<FakeControl>(), c2 = std::make_shared<FakeControl>(), c3 = std::make_shared<FakeControl>();
  r.add(dev("bob", "phone", "android", c1));
  r.add(dev("carol", "phone", "android", c3));  // another user: untouched
  auto out = r.add(dev("bob", "laptop", "desktop", c2));
  REQUIRE(out.displaced.size() == 1);
  CHECK(out.displaced[0].device == "phone");
  REQUIRE(c1->count() == 1);
  CHECK(c1->kicks[0].first == HERALD_REASON_SESSION_TAKEN_OVER);
  CHECK(c1->kicks[0].second == "signed in on another device");
  CHECK(c3->count() == 0);
  CHECK(r.devices("bob").size() == 1);
  CHECK(r.online_users() == 2);
  CHECK(r.online_devices() == 2);
  auto s = sink->summary();
  CHECK(std::count(s.begin(), s.end(), "device bob/phone offline") == 1);
  CHECK(std::count(s.begin(), s.end(), "user bob/phone offline") == 0);  // bob never went offline
}

TEST_CASE("policy one_per_platform: only the same platform is displaced") {
  SessionRegistry r(nullptr, with_policy(MultiDevicePolicy::kOnePerPlatform));
  auto ios1 = std::make_shared<FakeControl>(), web = std::make_shared<FakeControl>(),
       ios2 = std::make_shared<FakeControl>(), mq = std::make_shared<FakeControl>();
  r.add(dev("dave", "iphone", "ios", ios1));
  r.add(dev("dave", "browser", "web", web));
  r.add(dev("dave", "mqtt-1", "mqtt", mq, Protocol::kMqtt));
  CHECK(r.devices("dave").size() == 3);
  auto out = r.add(dev("dave", "ipad", "ios", ios2, Protocol::kBinary, 1));
  REQUIRE(out.displaced.size() == 1);
  CHECK(out.displaced[0].device == "iphone");
  CHECK(ios1->count() == 1);
  CHECK(web->count() == 0);
  CHECK(mq->count() == 0);
  CHECK(r.devices("dave").size() == 3);
}

TEST_CASE("kick_user kicks every device, entries leave when the connections report their end") {
  SessionRegistry r(nullptr, SessionConfig{});
  auto a = std::make_shared<FakeControl>(), b = std::make_shared<FakeControl>();
  auto da = dev("erin", "a", "ios", a), db = dev("erin", "b", "web", b);
  r.add(da);
  r.add(db);
  CHECK(r.kick_user("erin", HERALD_REASON_BANNED, "banned") == 2);
  CHECK(a->kicks[0].first == HERALD_REASON_BANNED);
  CHECK(b->count() == 1);
  CHECK(r.online("erin"));
  r.remove("erin", "a", da.connection_id);
  r.remove("erin", "b", db.connection_id);
  CHECK_FALSE(r.online("erin"));
}

TEST_CASE("gauges follow the registry") {
  Env env;
  auto host = env.host();
  SessionRegistry r(&host, SessionConfig{});
  auto d1 = dev("u1", "d1", "ios", nullptr), d2 = dev("u1", "d2", "mqtt", nullptr, Protocol::kMqtt);
  r.add(d1);
  r.add(d2);
  CHECK(env.gauge("herald_gateway_online_users") == 1);
  CHECK(env.gauge("herald_gateway_online_devices", {{"protocol", "binary"}}) == 1);
  CHECK(env.gauge("herald_gateway_online_devices", {{"protocol", "mqtt"}}) == 1);
  r.remove("u1", "d1", d1.connection_id);
  r.remove("u1", "d2", d2.connection_id);
  CHECK(env.gauge("herald_gateway_online_users") == 0);
  CHECK(env.gauge("herald_gateway_online_devices", {{"protocol", "mqtt"}}) == 0);
}

TEST_CASE("concurrent connects and disconnects from both loops keep counts consistent") {
  Env env(2);
  auto host = env.host();
  auto sink = std::make_shared<RecordingSink>();
  SessionRegistry r(&host, with_policy(MultiDevicePolicy::kOnePerPlatform), sink);
  constexpr int kUsers = 40, kRounds = 50;
  std::atomic<int> done{0};
  std::mutex mu;
  std::condition_variable cv;
  // Each loop churns devices of the same users (two platforms per loop, so policies collide too).
  for (uint32_t loop = 0; loop < 2; ++loop) {
    host.post(loop, [&, loop] {
      std::vector<DeviceSession> mine;
      for (int round = 0; round < kRounds; ++round) {
        for (int u = 0; u < kUsers; ++u) {
          const std::string user = "user" + std::to_string(u);
          const std::string platform = (round + static_cast<int>(loop)) % 2 ? "ios" : "web";
          auto d = dev(user, "dev" + std::to_string(loop) + "-" + std::to_string(round % 3), platform,
                       std::make_shared<FakeControl>(), loop ? Protocol::kMqtt : Protocol::kBinary, loop);
          r.add(d);
          mine.push_back(d);
          (void)r.devices(user);  // lookups interleave with writes
        }
        // Disconnect about half of them, stale ids included (already displaced ones are no-ops).
        for (size_t i = 0; i < mine.size(); i += 2) r.remove(mine[i].user, mine[i].device, mine[i].connection_id);
      }
      for (auto& d : mine) r.remove(d.user, d.device, d.connection_id);
      std::lock_guard lock(mu);
      ++done;
      cv.notify_all();
    });
  }
  {
    std::unique_lock lock(mu);
    REQUIRE(cv.wait_for(lock, 30s, [&] { return done == 2; }));
  }
  CHECK(r.online_users() == 0);
  CHECK(r.online_devices() == 0);
  CHECK(env.gauge("herald_gateway_online_users") == 0);
  CHECK(env.gauge("herald_gateway_online_devices", {{"protocol", "binary"}}) == 0);
  CHECK(env.gauge("herald_gateway_online_devices", {{"protocol", "mqtt"}}) == 0);
  // Presence balances per device and per user.
  std::map<std::string, int> device_balance, user_balance;
  uint64_t last_seq = 0;
  bool seq_unique = true;
  std::set<uint64_t> seqs;
  for (const auto& e : sink->events) {
    auto& m = e.scope == PresenceEvent::Scope::kUser ? user_balance : device_balance;
    m[e.user + "/" + (e.scope == PresenceEvent::Scope::kUser ? "" : e.device)] += e.online ? 1 : -1;
    seq_unique = seq_unique && seqs.insert(e.seq).second;
    last_seq = std::max(last_seq, e.seq);
  }
  CHECK(seq_unique);
  CHECK(last_seq == sink->events.size());
  for (const auto& [k, v] : device_balance) CHECK(v == 0);
  for (const auto& [k, v] : user_balance) CHECK(v == 0);
  CHECK(user_balance.size() == kUsers);
}

TEST_CASE("sessions config: values and errors with paths") {
  ConfigErrors errors;
  auto c = parse_session_config(YAML::Node(), "sessions", errors);
  CHECK(errors.empty());
  CHECK(c.multi_device == MultiDevicePolicy::kAll);
  CHECK(c.presence_pipeline.empty());
  c = parse_session_config(
      YAML::Load("{multi_device: one_per_platform, presence_pipeline: presence, mqtt_platform_pattern: '^(ios|android)-'}"),
      "sessions", errors);
  CHECK(errors.empty());
  CHECK(c.multi_device == MultiDevicePolicy::kOnePerPlatform);
  CHECK(c.presence_pipeline == "presence");
  CHECK(c.mqtt_platform_pattern == "^(ios|android)-");
  parse_session_config(YAML::Load("{multi_device: x, mqtt_platform_pattern: '(', other: 1}"), "sessions", errors);
  REQUIRE(errors.size() == 3);
  CHECK(errors[0].path == "sessions.other");
  CHECK(errors[1].path == "sessions.multi_device");
  CHECK(errors[1].message == "expected all, one_per_platform or one, got \"x\"");
  CHECK(errors[2].path == "sessions.mqtt_platform_pattern");
  errors.clear();
  parse_session_config(YAML::Load("{mqtt_platform_pattern: 'ios-'}"), "sessions", errors);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message.find("capture group") != std::string::npos);
}

}  // namespace herald::gateway::session::test
