// Flow control and limits: the client's Receive Maximum, its Maximum Packet Size, inbound topic
// aliases, our receive maximum, the bounded session queue.
#include "broker_harness.h"

namespace herald::gateway::mqtt::test {

TEST_CASE("never more in flight than the client's receive maximum, the rest waits in the queue") {
  Env env;
  TestBroker b(env, test_config(env, false));
  b.start();
  Client sub(env, b.broker, {.loop = 1});
  m::Properties props;
  props.receive_maximum = 2;
  sub.connect("rm", true, std::nullopt, std::nullopt, props);
  sub.subscribe("f", m::QoS::kAtLeastOnce);
  Client pub(env, b.broker);
  pub.connect("pub");
  for (int i = 0; i < 5; ++i) {
    pub.publish("f", std::to_string(i), m::QoS::kAtLeastOnce);
    pub.expect<m::Puback>();
  }
  auto a = sub.expect<m::Publish>();
  auto b2 = sub.expect<m::Publish>();
  CHECK(sub.silent());
  std::vector<std::string> got{text(a.payload), text(b2.payload)};
  m::Puback ack;
  ack.packet_id = a.packet_id;
  sub.send(ack);
  auto c = sub.expect<m::Publish>();
  got.push_back(text(c.payload));
  CHECK(sub.silent());
  for (auto id : {b2.packet_id, c.packet_id}) {
    ack.packet_id = id;
    sub.send(ack);
  }
  got.push_back(text(sub.expect<m::Publish>().payload));
  got.push_back(text(sub.expect<m::Publish>().payload));
  CHECK(got == std::vector<std::string>{"0", "1", "2", "3", "4"});  // order kept
}

TEST_CASE("a PUBLISH bigger than the client's maximum packet size is dropped") {
  Env env;
  TestBroker b(env, test_config(env, false));
  b.start();
  Client sub(env, b.broker, {.loop = 1});
  m::Properties props;
  props.maximum_packet_size = 64;
  sub.connect("small", true, std::nullopt, std::nullopt, props);
  sub.subscribe("big/#", m::QoS::kAtLeastOnce);
  Client pub(env, b.broker);
  pub.connect("pub");
  pub.publish("big/1", std::string(200, 'x'), m::QoS::kAtLeastOnce);
  pub.expect<m::Puback>();
  pub.publish("big/2", "small", m::QoS::kAtLeastOnce);
  pub.expect<m::Puback>();
  auto p = sub.expect<m::Publish>();
  CHECK(p.topic == "big/2");  // the big one was skipped, the window not blocked
  CHECK(sub.silent());
}

TEST_CASE("inbound topic aliases") {
  Env env;
  TestBroker b(env, test_config(env, false));
  b.start();
  Client sub(env, b.broker, {.loop = 1});
  sub.connect("sub");
  sub.subscribe("alias/topic", m::QoS::kAtMostOnce);
  Client pub(env, b.broker);
  pub.connect("pub");
  m::Properties with_alias;
  with_alias.topic_alias = 3;
  pub.publish("alias/topic", "first", m::QoS::kAtMostOnce, false, 0, with_alias);
  pub.publish("", "second", m::QoS::kAtMostOnce, false, 0, with_alias);
  CHECK(text(sub.expect<m::Publish>().payload) == "first");
  auto p = sub.expect<m::Publish>();
  CHECK(p.topic == "alias/topic");
  CHECK(text(p.payload) == "second");
  CHECK_FALSE(p.properties.topic_alias);
  m::Properties unknown;
  unknown.topic_alias = 4;
  pub.publish("", "?", m::QoS::kAtMostOnce, false, 0, unknown);
  CHECK(pub.expect<m::Disconnect>().reason_code == m::ReasonCode::kProtocolError);
}

TEST_CASE("more unacknowledged QoS 1 publishes than our receive maximum is a protocol violation") {
  Env env;
  auto cfg = test_config(env, false);
  cfg.receive_maximum = 2;
  cfg.pipeline = "inbound";
  TestBroker b(env, cfg);
  // A gate that never answers keeps the publishes unacknowledged.
  struct Hold : PublishGate {
    std::vector<std::function<void(GateResult)>> held;
    void submit(const PublishFields&, std::string_view, uint32_t, std::function<void(GateResult)> done) override {
      held.push_back(std::move(done));
    }
  };
  auto hold = std::make_shared<Hold>();
  b.broker.set_publish_gate(hold);
  b.start();
  Client pub(env, b.broker);
  CHECK(pub.connect("pub").properties.receive_maximum == 2);
  for (int i = 0; i < 3; ++i) pub.publish("t", "x", m::QoS::kAtLeastOnce);
  CHECK(pub.expect<m::Disconnect>().reason_code == m::ReasonCode::kReceiveMaximumExceeded);
  on_loop(env.host(), 0, [&] { hold->held.clear(); });  // the held answers reference the broker
}

TEST_CASE("a full session queue drops new messages and counts them") {
  Env env;
  auto cfg = test_config(env, false);
  cfg.max_queued = 3;
  TestBroker b(env, cfg);
  b.start();
  {
    Client sub(env, b.broker, {.loop = 1});
    m::Properties props;
    props.session_expiry_interval = 60;
    sub.connect("full", true, std::nullopt, std::nullopt, props);
    sub.subscribe("q", m::QoS::kAtLeastOnce);
    sub.disconnect();
  }
  Client pub(env, b.broker);
  pub.connect("pub");
  for (int i = 0; i < 5; ++i) {
    pub.publish("q", std::to_string(i), m::QoS::kAtLeastOnce);
    pub.expect<m::Puback>();
  }
  Client sub(env, b.broker, {.loop = 1});
  m::Properties props;
  props.session_expiry_interval = 60;
  sub.connect("full", false, std::nullopt, std::nullopt, props);
  std::vector<std::string> got;
  while (auto p = sub.next(300ms)) got.push_back(text(std::get<m::Publish>(*p).payload));
  CHECK(got == std::vector<std::string>{"0", "1", "2"});
}

}  // namespace herald::gateway::mqtt::test

namespace herald::gateway::mqtt::test {

TEST_CASE("message expiry: decremented on delivery, expired messages are not delivered") {
  Env env;
  TestBroker b(env, test_config(env, false));
  b.start();
  m::Properties session;
  session.session_expiry_interval = 60;
  {
    Client sub(env, b.broker, {.loop = 1});
    sub.connect("exp", true, std::nullopt, std::nullopt, session);
    sub.subscribe("e/#", m::QoS::kAtLeastOnce);
    sub.disconnect();
  }
  Client pub(env, b.broker);
  pub.connect("pub");
  m::Properties short_life;
  short_life.message_expiry_interval = 1;
  pub.publish("e/short", "s", m::QoS::kAtLeastOnce, false, 0, short_life);
  pub.expect<m::Puback>();
  m::Properties long_life;
  long_life.message_expiry_interval = 100;
  pub.publish("e/long", "l", m::QoS::kAtLeastOnce, false, 0, long_life);
  pub.expect<m::Puback>();
  // Let the short one expire (bounded: the check below waits for the delivery, not on this pause).
  std::this_thread::sleep_for(1100ms);
  Client sub(env, b.broker, {.loop = 1});
  sub.connect("exp", false, std::nullopt, std::nullopt, session);
  auto p = sub.expect<m::Publish>();
  CHECK(p.topic == "e/long");
  REQUIRE(p.properties.message_expiry_interval);
  CHECK(*p.properties.message_expiry_interval <= 99);
  CHECK(sub.silent());
}

TEST_CASE("disconnect_all sends v5 DISCONNECT 0x8B, no will on shutdown by default") {
  Env env;
  TestBroker b(env, test_config(env, false));
  b.start();
  m::Will will;
  will.topic = "w";
  will.payload = {'x'};
  Client c5(env, b.broker);
  c5.connect("c5", true, std::nullopt, std::nullopt, {}, will);
  Client c3(env, b.broker, {.loop = 1, .version = m::ProtocolVersion::v311});
  c3.connect("c3");
  c3.subscribe("w", m::QoS::kAtMostOnce);
  b.broker.disconnect_all(2000);
  CHECK(c5.expect<m::Disconnect>().reason_code == m::ReasonCode::kServerShuttingDown);
  CHECK(c5.wait_closed());
  CHECK(c3.wait_closed());
  CHECK(c3.silent(100ms));
}

}  // namespace herald::gateway::mqtt::test
