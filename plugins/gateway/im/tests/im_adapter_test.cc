// The IM adapter over real host loops, the real MQTT broker and binary front (FakeTransports), and a
// fake "herald.im.v1" table standing in for the messaging core: what the core is asked, what the
// devices receive, PUBACK/PUSH_ACK as delivery acks, retransmission and per-loop room fan-out.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "binary_harness.h"
#include "broker_harness.h"
#include "herald/gateway/im/im_adapter.h"
#include "herald/gateway/mqtt/broker.h"
#include "herald/gateway/session/binary_session_link.h"
#include "herald/gateway/session/mqtt_session_link.h"
#include "herald/mqtt/mqtt.h"

namespace herald::gateway::im::test {

using binary::test::Client;
using binary::test::Env;
using binary::test::FakeTransport;
using binary::test::on_loop;
namespace hb = herald::binary;
namespace m = herald::mqtt;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

// The fake messaging core: records every call; the test answers requests from its own thread (like
// the messaging thread would).
struct FakeIm {
  struct Request {
    ImSession session;
    hb::Frame frame;
    herald_im_reply_fn reply = nullptr;
    void* arg = nullptr;
  };

  FakeIm() {
    table.struct_size = sizeof(table);
    table.self = this;
    table.request = &FakeIm::request;
    table.session_opened = [](void* self, const herald_im_session* s) { static_cast<FakeIm*>(self)->event(s, true); };
    table.session_closed = [](void* self, const herald_im_session* s) { static_cast<FakeIm*>(self)->event(s, false); };
    table.user_version = [](void* self, herald_str) -> uint64_t { return static_cast<FakeIm*>(self)->version; };
    table.attach_sink = [](void* self, const herald_im_sink_v1* s) { static_cast<FakeIm*>(self)->sink = s; };
    table.detach_sink = [](void* self, const herald_im_sink_v1*) { static_cast<FakeIm*>(self)->sink = nullptr; };
  }
  ~FakeIm() {
    // Requests nobody answered still get their one reply (frees the adapter's callback).
    for (auto& r : requests)
      if (r.reply) r.reply(r.arg, herald_str{nullptr, 0});
  }

  static ImSession own(const herald_im_session* s) {
    return ImSession{std::string(sdk::view(s->user)), std::string(sdk::view(s->device)),
                     std::string(sdk::view(s->protocol)), std::string(sdk::view(s->listener)),
                     std::string(sdk::view(s->peer)), s->loop};
  }
  static void request(void* self, const herald_im_session* s, herald_str frame, herald_im_reply_fn reply, void* arg) {
    auto* f = static_cast<FakeIm*>(self);
    hb::DecodeLimits limits;
    limits.max_frame_size = hb::kMaxFrameSizeCeiling;
    auto bytes = sdk::view(frame);
    auto r = hb::decode_frame(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), limits);
    REQUIRE(r.status == hb::DecodeStatus::kOk);
    std::lock_guard lock(f->mu);
    f->requests.push_back(Request{own(s), std::move(r.frame), reply, arg});
    f->cv.notify_all();
  }
  void event(const herald_im_session* s, bool is_open) {
    std::lock_guard lock(mu);
    (is_open ? opened : closed).push_back(own(s));
    cv.notify_all();
  }

  // The n-th request (0-based), waiting for it.
  Request& wait(size_t n) {
    std::unique_lock lock(mu);
    REQUIRE(cv.wait_for(lock, 3s, [&] { return requests.size() > n; }));
    return requests[n];
  }
  size_t count() {
    std::lock_guard lock(mu);
    return requests.size();
  }
  void answer(size_t n, hb::FrameBody body) {
    Request& r = wait(n);
    std::vector<uint8_t> out;
    hb::EncodeOptions o;
    o.max_frame_size = hb::kMaxFrameSizeCeiling;
    REQUIRE(hb::encode_frame(hb::Frame{0, false, std::move(body)}, out, o) == hb::EncodeStatus::kOk);
    auto reply = std::exchange(r.reply, nullptr);
    REQUIRE(reply != nullptr);
    reply(r.arg, herald_str{reinterpret_cast<const char*>(out.data()), out.size()});
  }
  static std::string encode_push(const hb::PushFrame& push) {
    std::vector<uint8_t> out;
    REQUIRE(hb::encode_frame(hb::Frame{0, false, push}, out) == hb::EncodeStatus::kOk);
    return std::string(out.begin(), out.end());
  }
  bool wait_opened(size_t n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, 3s, [&] { return opened.size() >= n; });
  }

  herald_im_service_v1 table{};
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Request> requests;
  std::vector<ImSession> opened, closed;
  const herald_im_sink_v1* sink = nullptr;
  uint64_t version = 0;
};

struct Users : mqtt::ConnectAuthorizer {
  void authorize(const mqtt::ConnectCredentials& c, std::function<void(mqtt::ConnectResult)> done) override {
    mqtt::ConnectResult r;
    r.ok = true;
    r.user = c.username.value_or("");
    done(r);
  }
};

// The gateway's parts wired as the plugin wires them.
struct Gateway {
  explicit Gateway(Env& env, ImConfig cfg = {}, bool with_core = true)
      : host(env.host()),
        registry(&host, session::SessionConfig{}),
        broker(env.host(), mqtt::BrokerConfig{}),
        server(env.host(), binary::BinaryConfig{}, binary::test::jwt_auth()) {
    adapter = std::make_shared<ImAdapter>(host, cfg, registry, broker);
    adapter->set_next_observer(std::make_shared<session::MqttSessionLink>(registry, broker));
    broker.set_connect_authorizer(std::make_shared<Users>());
    broker.set_session_observer(adapter);
    broker.set_reserved_topic_handler(adapter);
    server.set_session_observer(std::make_shared<session::BinarySessionLink>(registry));
    server.set_router(adapter);
    REQUIRE(!broker.start());
    adapter->attach(with_core ? &core.table : nullptr);
  }
  ~Gateway() {
    adapter->detach();
    broker.stop();
  }
  bool wait_devices(const std::string& user, size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + 3s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (registry.devices(user).size() == n) return true;
      std::this_thread::yield();
    }
    return false;
  }
  FakeIm core;
  sdk::Host host;
  session::SessionRegistry registry;
  mqtt::Broker broker;
  binary::BinaryServer server;
  std::shared_ptr<ImAdapter> adapter;
};

// An MQTT device: the broker tests' client, connected as `user` with `client_id`.
class MqttClient {
 public:
  MqttClient(Env& env, Gateway& gw, std::string client_id, std::string user, uint32_t loop = 0,
             m::ProtocolVersion version = m::ProtocolVersion::v5)
      : client_(env, gw.broker, {.loop = loop, .version = version, .listener = "mqtt"}) {
    m::Connect c;
    c.version = version;
    c.client_id = std::move(client_id);
    c.username = std::move(user);
    c.clean_start = true;
    client_.send(c);
    auto ack = client_.expect<m::Connack>();
    REQUIRE(ack.reason_code == m::ReasonCode::kSuccess);
  }
  template <class P>
  void send(const P& packet) {
    client_.send(packet);
  }
  void publish(const std::string& topic, const std::string& payload, uint16_t id,
               m::QoS qos = m::QoS::kAtLeastOnce) {
    m::Publish p;
    p.topic = topic;
    p.payload = m::Bytes(payload.begin(), payload.end());
    p.qos = qos;
    p.packet_id = qos == m::QoS::kAtMostOnce ? 0 : id;
    client_.send(p);
  }
  void puback(uint16_t id) {
    m::Puback a;
    a.packet_id = id;
    client_.send(a);
  }
  std::optional<m::Packet> next(std::chrono::milliseconds timeout = 3s) { return client_.next(timeout); }
  template <class T>
  T expect(std::chrono::milliseconds timeout = 3s) {
    return client_.expect<T>(timeout);
  }
  // The next inbox entry (PUBLISH on $im/inbox/<user>), as JSON; its packet id in *id.
  json inbox(uint16_t* id = nullptr) {
    auto p = client_.expect<m::Publish>();
    CHECK(p.topic.starts_with("$im/inbox/"));
    CHECK(p.qos == m::QoS::kAtLeastOnce);
    if (id) *id = p.packet_id;
    return json::parse(std::string(p.payload.begin(), p.payload.end()));
  }
  bool silent(std::chrono::milliseconds quiet = 150ms) { return client_.silent(quiet); }

 private:
  mqtt::test::Client client_;
};

hb::MessageEntry text_entry(const std::string& conv, hb::MsgId id, hb::Version v, const std::string& text) {
  hb::MessageEntry e;
  e.conv.value = conv;
  e.msg_id = id;
  e.seq = id;
  e.from.value = "alice";
  e.device.value = "phone1";
  e.cmid.value = "c" + std::to_string(id);
  e.kind = hb::MessageKind::kText;
  e.body = hb::Bytes(text.begin(), text.end());
  e.ts_ms = 1700000000000;
  e.version = v;
  e.prev_version = v ? v - 1 : 0;
  return e;
}

}  // namespace

TEST_CASE("im: MQTT $im/send: the core gets a SEND with the c2c conversation, PUBACK and ack only after SEND_ACK") {
  Env env;
  Gateway gw(env);
  MqttClient alice(env, gw, "phone1", "alice");
  REQUIRE(gw.core.wait_opened(1));
  CHECK(gw.core.opened[0].user == "alice");
  CHECK(gw.core.opened[0].protocol == "mqtt");

  alice.publish("$im/send/c2c/bob", R"({"cmid":"m-0002","type":"text","body":"see you at 6"})", 11);
  auto& req = gw.core.wait(0);
  REQUIRE(std::holds_alternative<hb::SendFrame>(req.frame.body));
  const auto& send = std::get<hb::SendFrame>(req.frame.body);
  CHECK(send.conv.value == "c2c:alice:bob");
  CHECK(send.cmid.value == "m-0002");
  CHECK(req.session.user == "alice");
  CHECK(req.session.device == "phone1");
  CHECK(req.session.protocol == "mqtt");
  CHECK(req.session.listener == "mqtt");
  CHECK(req.session.loop == 0);
  CHECK(alice.silent());  // no PUBACK before the commit

  gw.core.answer(0, hb::SendAckFrame{hb::ClientMsgId{"m-0002"}, 7180000000000000002ULL, 43, 1700000070000, 1004, 1003, false});
  std::optional<m::Puback> puback;
  std::optional<json> ack;
  for (int i = 0; i < 2; ++i) {
    auto p = alice.next();
    REQUIRE(p.has_value());
    if (auto* a = std::get_if<m::Puback>(&*p)) puback = *a;
    if (auto* pub = std::get_if<m::Publish>(&*p)) {
      CHECK(pub->topic == "$im/inbox/alice");
      ack = json::parse(std::string(pub->payload.begin(), pub->payload.end()));
    }
  }
  REQUIRE(puback);
  CHECK(puback->packet_id == 11);
  CHECK(puback->reason_code == m::ReasonCode::kSuccess);
  REQUIRE(ack);
  CHECK(*ack == json::parse(R"({"kind":"ack","cmid":"m-0002","msg_id":"7180000000000000002","seq":43,"version":1004,
      "prev_version":1003,"conv":"c2c:alice:bob","ts":1700000070000})"));
  CHECK(env.counter("herald_gateway_im_requests_total", {{"protocol", "mqtt"}}) == 1);
}

TEST_CASE("im: MQTT: a refused send gets a v5 PUBACK with the reason's MQTT 5 byte and an inbox error") {
  Env env;
  Gateway gw(env);
  MqttClient alice(env, gw, "phone1", "alice");
  alice.publish("$im/send/group/team", R"({"cmid":"m-9","type":"text","body":"x"})", 5);
  gw.core.answer(0, hb::ErrorFrame{HERALD_REASON_NOT_MEMBER, "not a member of the conversation", 0});
  std::optional<m::Puback> puback;
  std::optional<json> err;
  for (int i = 0; i < 2; ++i) {
    auto p = alice.next();
    REQUIRE(p.has_value());
    if (auto* a = std::get_if<m::Puback>(&*p)) puback = *a;
    if (auto* pub = std::get_if<m::Publish>(&*p)) err = json::parse(std::string(pub->payload.begin(), pub->payload.end()));
  }
  REQUIRE(puback);
  CHECK(static_cast<uint8_t>(puback->reason_code) == 0x87);
  CHECK(puback->properties.reason_string == std::optional<std::string>("not a member of the conversation"));
  REQUIRE(err);
  CHECK(*err == json::parse(R"({"kind":"error","cmid":"m-9","code":257,"reason":"not a member of the conversation"})"));
}

TEST_CASE("im: MQTT: bad JSON and unknown topics never reach the core") {
  Env env;
  Gateway gw(env);
  MqttClient alice(env, gw, "phone1", "alice");
  alice.publish("$im/sync", "{nope", 1);
  auto a = alice.expect<m::Publish>();
  auto e = json::parse(std::string(a.payload.begin(), a.payload.end()));
  CHECK(e["code"] == HERALD_REASON_PAYLOAD_FORMAT_INVALID);
  CHECK(e["topic"] == "$im/sync");
  CHECK(static_cast<uint8_t>(alice.expect<m::Puback>().reason_code) == 0x99);
  alice.publish("$im/bogus", "{}", 2);
  (void)alice.inbox();
  CHECK(static_cast<uint8_t>(alice.expect<m::Puback>().reason_code) == 0x90);
  CHECK(gw.core.count() == 0);
}

TEST_CASE("im: sink deliver: MQTT inbox entries, the device's PUBACK becomes PUSH_ACK, the sender device is skipped") {
  Env env;
  Gateway gw(env);
  MqttClient bob(env, gw, "bob-web", "bob", 1);
  MqttClient alice(env, gw, "phone1", "alice", 0);
  REQUIRE(gw.wait_devices("bob", 1));
  REQUIRE(gw.core.sink != nullptr);
  hb::PushFrame push;
  push.entries = {text_entry("c2c:alice:bob", 42, 1001, "hi")};
  push.badge = 1;
  const std::string bytes = FakeIm::encode_push(push);
  gw.core.sink->deliver(gw.core.sink->arg, sdk::to_str("bob"), sdk::to_str(""), sdk::to_str(bytes));
  uint16_t id = 0;
  auto msg = bob.inbox(&id);
  CHECK(msg["kind"] == "msg");
  CHECK(msg["msg_id"] == "42");
  CHECK(msg["version"] == 1001);
  CHECK(gw.core.count() == 0);
  bob.puback(id);
  auto& ack = gw.core.wait(0);
  REQUIRE(std::holds_alternative<hb::PushAckFrame>(ack.frame.body));
  CHECK(std::get<hb::PushAckFrame>(ack.frame.body).versions == std::vector<hb::Version>{1001});
  CHECK(ack.session.user == "bob");
  CHECK(ack.session.device == "bob-web");

  // The sending device is excluded.
  gw.core.sink->deliver(gw.core.sink->arg, sdk::to_str("alice"), sdk::to_str("phone1"), sdk::to_str(bytes));
  CHECK(alice.silent());
}

TEST_CASE("im: binary: user_version from the core, requests answered with the client's request id") {
  Env env;
  Gateway gw(env);
  gw.core.version = 77;
  Client c(env, gw.server);
  CHECK(c.connect("alice", "tab").user_version == 77);
  hb::SendFrame send;
  send.conv.value = "c2c:alice:bob";
  send.cmid.value = "k1";
  send.kind = hb::MessageKind::kText;
  send.body = {'h', 'i'};
  c.send(9, send);
  auto& req = gw.core.wait(0);
  CHECK(std::get<hb::SendFrame>(req.frame.body) == send);
  CHECK(req.frame.request_id == 0);
  CHECK(req.session.protocol == "binary");
  CHECK(req.session.device == "tab");
  gw.core.answer(0, hb::SendAckFrame{hb::ClientMsgId{"k1"}, 5, 1, 10, 3, 2, false});
  uint32_t rid = 0;
  auto ack = c.expect<hb::SendAckFrame>(&rid);
  CHECK(rid == 9);
  CHECK(ack.msg_id == 5);
}

TEST_CASE("im: binary: an unacked PUSH entry is retransmitted with the same ids until PUSH_ACK") {
  Env env;
  ImConfig cfg;
  cfg.retransmit_interval = 50ms;
  cfg.retransmit_max = 100ms;
  Gateway gw(env, cfg);
  Client c(env, gw.server);
  c.connect("bob", "tab");
  REQUIRE(gw.wait_devices("bob", 1));
  hb::PushFrame push;
  push.entries = {text_entry("c2c:alice:bob", 42, 1001, "hi")};
  const std::string bytes = FakeIm::encode_push(push);
  gw.adapter->deliver("bob", "", bytes);
  auto first = c.expect<hb::PushFrame>();
  REQUIRE(first.entries.size() == 1);
  auto again = c.expect<hb::PushFrame>(nullptr, 2s);
  CHECK(again.entries == first.entries);
  CHECK(env.counter("herald_gateway_im_retransmits_total") >= 1);

  hb::PushAckFrame ack;
  ack.up_to_version = 1001;
  c.send(0, ack);
  auto& fwd = gw.core.wait(0);
  CHECK(std::get<hb::PushAckFrame>(fwd.frame.body).up_to_version == 1001);
  CHECK(on_loop(env.host(), c.loop(), [&] { return gw.adapter->unacked(c.loop(), c.id()); }) == 0);
  // Drain a retransmission that may have been in flight, then nothing more.
  (void)c.next(200ms);
  CHECK(c.silent(300ms));
}

TEST_CASE("im: rooms: deliver_room reaches the joined members on that loop only") {
  Env env;
  Gateway gw(env);
  Client a(env, gw.server, binary::test::ClientOptions{0});
  a.connect("alice", "tab");
  Client b(env, gw.server, binary::test::ClientOptions{1});
  b.connect("bob", "tab");
  MqttClient m0(env, gw, "carol-web", "carol", 0);

  hb::RoomOpFrame join;
  join.op = hb::RoomOp::kJoin;
  join.room.value = "live42";
  a.send(3, join);
  b.send(3, join);
  m0.publish("$im/room/join", R"({"req_id":"j1","room":"live42"})", 7);
  for (size_t i = 0; i < 3; ++i) {
    hb::ResultFrame r;
    r.conv.value = "room:live42";
    gw.core.answer(i, r);
  }
  CHECK(a.expect<hb::ResultFrame>().conv.value == "room:live42");
  CHECK(b.expect<hb::ResultFrame>().conv.value == "room:live42");
  auto joined = m0.inbox();
  CHECK(joined["kind"] == "result");
  CHECK(joined["req_id"] == "j1");
  CHECK(m0.expect<m::Puback>().reason_code == m::ReasonCode::kSuccess);
  env.settle();
  CHECK(on_loop(env.host(), 0, [&] { return gw.adapter->room_members(0, "live42"); }) == 2);
  CHECK(on_loop(env.host(), 1, [&] { return gw.adapter->room_members(1, "live42"); }) == 1);

  hb::PushFrame push;
  push.entries = {text_entry("room:live42", 9, 0, "hello room")};
  const std::string bytes = FakeIm::encode_push(push);
  gw.core.sink->deliver_room(gw.core.sink->arg, 0, sdk::to_str("live42"), sdk::to_str(bytes));
  CHECK(a.expect<hb::PushFrame>().entries.size() == 1);
  auto msg = m0.inbox();
  CHECK(msg["conv"] == "room:live42");
  CHECK_FALSE(msg.contains("version"));
  CHECK(b.silent());
  CHECK(env.counter("herald_gateway_im_room_deliveries_total") == 1);
  CHECK(env.counter("herald_gateway_im_room_fanout_total") == 2);

  // Leaving: the member is forgotten.
  hb::RoomOpFrame leave;
  leave.op = hb::RoomOp::kLeave;
  leave.room.value = "live42";
  a.send(4, leave);
  gw.core.answer(3, hb::ResultFrame{});
  (void)a.expect<hb::ResultFrame>();
  env.settle();
  CHECK(on_loop(env.host(), 0, [&] { return gw.adapter->room_members(0, "live42"); }) == 1);
  // room_left from the core.
  gw.core.sink->room_left(gw.core.sink->arg, sdk::to_str("live42"), sdk::to_str("carol"), sdk::to_str("carol-web"));
  env.settle();
  CHECK(on_loop(env.host(), 0, [&] { return gw.adapter->room_members(0, "live42"); }) == 0);
}

TEST_CASE("im: without an IM core: binary requests get UNSUPPORTED_FEATURE, MQTT PUBACK 0x83 and an inbox error") {
  Env env;
  Gateway gw(env, ImConfig{}, false);
  Client c(env, gw.server);
  c.connect("alice", "tab");
  hb::SyncRequestFrame sync;
  c.send(4, sync);
  CHECK(c.expect_error(4).code == HERALD_REASON_UNSUPPORTED_FEATURE);
  MqttClient m0(env, gw, "phone1", "alice");
  m0.publish("$im/sync", R"({"since":0})", 3);
  CHECK(m0.inbox()["code"] == HERALD_REASON_UNSUPPORTED_FEATURE);
  CHECK(static_cast<uint8_t>(m0.expect<m::Puback>().reason_code) == 0x83);
}

TEST_CASE("im: im config: defaults, durations, and errors by path") {
  auth::ConfigErrors errors;
  auto d = parse_im_config(YAML::Node(), "im", errors);
  CHECK(errors.empty());
  CHECK(d.retransmit_interval == 5s);
  CHECK(d.retransmit_max == 60s);
  auto c = parse_im_config(YAML::Load("{retransmit_interval: 2s, retransmit_max: 30s, max_unacked: 50}"), "im", errors);
  CHECK(errors.empty());
  CHECK(c.retransmit_interval == 2s);
  CHECK(c.max_unacked == 50);
  parse_im_config(YAML::Load("{retransmit_interval: 10s, retransmit_max: 1s, bogus: 1}"), "im", errors);
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].path == "im.bogus");
  CHECK(errors[1].path == "im.retransmit_max");
}

}  // namespace herald::gateway::im::test
