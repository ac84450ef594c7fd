// The registry wired to real fronts: binary sessions over FakeTransports (takeover KICK, policies
// across two loops, lookups with handles), MQTT sessions through the broker's observer (policy kick
// as a v5 DISCONNECT), and presence envelopes through a real pipeline engine.
#include <catch2/catch.hpp>

#include "binary_harness.h"
#include "herald/gateway/mqtt/broker.h"
#include "herald/gateway/session/binary_session_link.h"
#include "herald/gateway/session/mqtt_session_link.h"
#include "herald/mqtt/mqtt.h"
#include "pipeline/envelope.h"
#include "pipeline/pipeline.h"

namespace herald::gateway::session::test {

using binary::test::Client;
using binary::test::Env;
using binary::test::jwt_auth;
using binary::test::on_loop;
namespace hb = herald::binary;
namespace m = herald::mqtt;
using namespace std::chrono_literals;

namespace {

struct Fronts {
  Fronts(Env& env, SessionConfig cfg, std::shared_ptr<PresenceSink> sink = nullptr)
      : host(env.host()),
        registry(&host, std::move(cfg), std::move(sink)),
        server(env.host(), binary::BinaryConfig{}, jwt_auth()) {
    server.set_session_observer(std::make_shared<BinarySessionLink>(registry));
  }
  bool wait_devices(const std::string& user, size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + 3s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (registry.devices(user).size() == n) return true;
      std::this_thread::yield();
    }
    return false;
  }
  sdk::Host host;
  SessionRegistry registry;
  binary::BinaryServer server;
};

// A pipeline stage that records every envelope's headers.
struct Recorder {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::map<std::string, std::string>> envelopes;
  static uint32_t process(void* self, herald_stage_call* call) {
    auto* r = static_cast<Recorder*>(self);
    herald_envelope* env = herald::host_api_v1()->call_envelope(call);
    std::map<std::string, std::string> h(env->headers.begin(), env->headers.end());
    std::lock_guard lock(r->mu);
    r->envelopes.push_back(std::move(h));
    r->cv.notify_all();
    return HERALD_VERDICT_CONTINUE;
  }
  bool wait(size_t n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, 3s, [&] { return envelopes.size() >= n; });
  }
};

}  // namespace

TEST_CASE("binary: the same device reconnecting on another loop kicks the old connection") {
  Env env;
  Fronts f(env, SessionConfig{});
  Client old_conn(env, f.server, binary::test::ClientOptions{0});
  old_conn.connect("alice", "phone", hb::Platform::kIos);
  REQUIRE(f.wait_devices("alice", 1));
  Client new_conn(env, f.server, binary::test::ClientOptions{1});
  new_conn.connect("alice", "phone", hb::Platform::kIos);
  auto k = old_conn.expect<hb::KickFrame>();
  CHECK(k.code == HERALD_REASON_SESSION_TAKEN_OVER);
  CHECK(old_conn.wait_closed());
  env.settle();
  auto devs = f.registry.devices("alice");
  REQUIRE(devs.size() == 1);
  CHECK(devs[0].connection_id == new_conn.id());
  CHECK(devs[0].loop == 1);
  CHECK(devs[0].platform == "ios");
  CHECK(devs[0].protocol == Protocol::kBinary);
  // The IM core reaches the connection through the control's handle.
  auto control = std::static_pointer_cast<BinarySessionControl>(devs[0].control);
  hb::PushFrame push;
  push.badge = 3;
  control->handle()->send(hb::Frame{0, false, push});
  CHECK(new_conn.expect<hb::PushFrame>().badge == 3);
  CHECK(f.registry.online_devices(Protocol::kBinary) == 1);
}

TEST_CASE("binary: policy one and one_per_platform across two loops") {
  Env env;
  SECTION("one") {
    SessionConfig cfg;
    cfg.multi_device = MultiDevicePolicy::kOne;
    Fronts f(env, cfg);
    Client phone(env, f.server, binary::test::ClientOptions{0});
    phone.connect("bob", "phone", hb::Platform::kAndroid);
    Client web(env, f.server, binary::test::ClientOptions{1});
    web.connect("bob", "web", hb::Platform::kWeb);
    CHECK(phone.expect<hb::KickFrame>().code == HERALD_REASON_SESSION_TAKEN_OVER);
    CHECK(phone.wait_closed());
    REQUIRE(f.wait_devices("bob", 1));
    CHECK(f.registry.devices("bob")[0].device == "web");
  }
  SECTION("one_per_platform") {
    SessionConfig cfg;
    cfg.multi_device = MultiDevicePolicy::kOnePerPlatform;
    Fronts f(env, cfg);
    Client phone(env, f.server, binary::test::ClientOptions{0});
    phone.connect("bob", "phone", hb::Platform::kAndroid);
    Client web(env, f.server, binary::test::ClientOptions{1});
    web.connect("bob", "web", hb::Platform::kWeb);
    CHECK(phone.silent());
    Client tablet(env, f.server, binary::test::ClientOptions{1});
    tablet.connect("bob", "tablet", hb::Platform::kAndroid);
    CHECK(phone.expect<hb::KickFrame>().code == HERALD_REASON_SESSION_TAKEN_OVER);
    CHECK(web.silent());
    env.settle();
    REQUIRE(f.wait_devices("bob", 2));
    CHECK_FALSE(f.registry.find("bob", "phone").has_value());
  }
}

TEST_CASE("a dropped binary connection leaves the registry") {
  Env env;
  Fronts f(env, SessionConfig{});
  Client c(env, f.server);
  c.connect("carol", "p1");
  REQUIRE(f.wait_devices("carol", 1));
  c.drop();
  CHECK_FALSE(f.registry.online("carol"));
  CHECK(f.registry.online_users() == 0);
}

TEST_CASE("MQTT sessions join the registry, policy one kicks an MQTT device with DISCONNECT 0x8E") {
  Env env;
  SessionConfig cfg;
  cfg.multi_device = MultiDevicePolicy::kOne;
  cfg.mqtt_platform_pattern = "^(ios|android|web)-";
  Fronts f(env, cfg);
  mqtt::BrokerConfig bc;
  mqtt::Broker broker(env.host(), bc);
  struct Users : mqtt::ConnectAuthorizer {
    void authorize(const mqtt::ConnectCredentials& c, std::function<void(mqtt::ConnectResult)> done) override {
      mqtt::ConnectResult r;
      r.ok = true;
      r.user = c.username.value_or("");
      done(r);
    }
  };
  broker.set_connect_authorizer(std::make_shared<Users>());
  auto link = std::make_shared<MqttSessionLink>(f.registry, broker);
  broker.set_session_observer(link);
  REQUIRE(!broker.start());
  CHECK(link->platform_of("android-123") == "android");
  CHECK(link->platform_of("xyz") == "mqtt");

  // An MQTT client through the broker's handler over a binary-harness FakeTransport.
  ConnectionInfo info;
  info.id = 900001;
  info.loop = 1;
  info.listener = "mqtt";
  info.peer = "127.0.0.1:1";
  info.peer_ip = "127.0.0.1";
  binary::test::FakeTransport t(env.host(), info);
  on_loop(env.host(), 1, [&] { t.handler = broker.make_handler(t); });
  m::Connect c;
  c.version = m::ProtocolVersion::v5;
  c.client_id = "web-1";
  c.username = "dana";
  c.clean_start = true;
  std::vector<uint8_t> bytes;
  REQUIRE(m::encode(c, m::ProtocolVersion::v5, bytes) == m::EncodeError::kNone);
  on_loop(env.host(), 1, [&] { t.handler->on_data(bytes); });
  REQUIRE(f.wait_devices("dana", 1));
  auto d = f.registry.devices("dana")[0];
  CHECK(d.protocol == Protocol::kMqtt);
  CHECK(d.platform == "web");
  CHECK(d.connection_id == 900001);
  CHECK(std::static_pointer_cast<MqttSessionControl>(d.control)->client_id() == "web-1");

  // A binary device of the same user: the MQTT one is told 0x8E and closed.
  Client phone(env, f.server, binary::test::ClientOptions{0});
  phone.connect("dana", "phone", hb::Platform::kIos);
  {
    std::unique_lock lock(t.mu_);
    REQUIRE(t.cv_.wait_for(lock, 3s, [&] { return t.closed_; }));
  }
  // The bytes after the CONNACK hold a DISCONNECT with reason 0x8E.
  m::DecodeOptions o;
  o.version = m::ProtocolVersion::v5;
  o.sender = m::Sender::kServer;
  o.limits.max_packet_size = m::kMaxPacketSize;
  std::vector<uint8_t> rx = t.rx_;
  auto connack = m::decode(rx, o);
  REQUIRE(connack.status == m::DecodeStatus::kOk);
  rx.erase(rx.begin(), rx.begin() + static_cast<long>(connack.consumed));
  auto disc = m::decode(rx, o);
  REQUIRE(disc.status == m::DecodeStatus::kOk);
  REQUIRE(std::holds_alternative<m::Disconnect>(disc.packet));
  CHECK(std::get<m::Disconnect>(disc.packet).reason_code == m::ReasonCode::kSessionTakenOver);
  REQUIRE(f.wait_devices("dana", 1));
  CHECK(f.registry.devices("dana")[0].device == "phone");
  CHECK(f.registry.online_devices(Protocol::kMqtt) == 0);
  on_loop(env.host(), 1, [&] { t.handler.reset(); });
  broker.stop();
}

TEST_CASE("presence envelopes go through a real pipeline with the well-known headers") {
  Env env;
  Recorder recorder;
  static herald_stage_decl_v1 decl{};
  decl.struct_size = sizeof(decl);
  decl.process = &Recorder::process;
  auto set = std::make_shared<PipelineSet>();
  auto pipeline = std::make_unique<Pipeline>();
  pipeline->name = "presence";
  auto stage = std::make_unique<StageInstance>();
  stage->pipeline = "presence";
  stage->stage = "record";
  stage->decl = &decl;
  stage->instance = &recorder;
  pipeline->stages.push_back(std::move(stage));
  set->pipelines.emplace("presence", std::move(pipeline));
  env.engine().install(set);

  auto sink = std::make_shared<HostPresenceSink>(env.host(), "presence");
  SessionConfig cfg;
  cfg.presence_pipeline = "presence";
  Fronts f(env, cfg, sink);
  {
    Client c(env, f.server, binary::test::ClientOptions{1});
    c.connect("erin", "tab", hb::Platform::kAndroid);
    REQUIRE(recorder.wait(2));
    c.drop();
  }
  REQUIRE(recorder.wait(4));
  env.settle();
  std::lock_guard lock(recorder.mu);
  REQUIRE(recorder.envelopes.size() == 4);
  auto& first = recorder.envelopes[0];
  CHECK(first[":user"] == "erin");
  CHECK(first[":device"] == "tab");
  CHECK(first[":protocol"] == "binary");
  CHECK(first[":platform"] == "android");
  CHECK(first[":event"] == "online");
  CHECK(first["scope"] == "device");
  CHECK(recorder.envelopes[1]["scope"] == "user");
  CHECK(recorder.envelopes[1][":event"] == "online");
  CHECK(recorder.envelopes[2][":event"] == "offline");
  CHECK(recorder.envelopes[2]["scope"] == "device");
  CHECK(recorder.envelopes[3][":event"] == "offline");
  CHECK(recorder.envelopes[3]["scope"] == "user");
  CHECK(std::stoull(recorder.envelopes[3]["presence_seq"]) > std::stoull(first["presence_seq"]));
}

TEST_CASE("an unknown presence pipeline drops events with one warning") {
  Env env;
  auto sink = std::make_shared<HostPresenceSink>(env.host(), "nosuch");
  SessionRegistry r(nullptr, SessionConfig{}, sink);
  DeviceSession d;
  d.user = "u";
  d.device = "d";
  d.connection_id = 1;
  r.add(d);
  r.remove("u", "d", 1);
  env.settle();
  CHECK_FALSE(r.online("u"));
}

}  // namespace herald::gateway::session::test
