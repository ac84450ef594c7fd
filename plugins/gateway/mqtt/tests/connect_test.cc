// CONNECT handling: CONNACK codes in both versions, authentication refusals, CONNECT-first, keepalive
// timeout, takeover, assigned client identifiers.
#include "broker_harness.h"

namespace herald::gateway::mqtt::test {
namespace {

// Accepts "good" passwords; "expired" gets TOKEN_EXPIRED; anything else BAD_CREDENTIALS. Answers
// from another thread, as a real token check might.
class FakeAuth : public ConnectAuthorizer {
 public:
  void authorize(const ConnectCredentials& c, std::function<void(ConnectResult)> done) override {
    std::thread([c, done = std::move(done)] {
      ConnectResult r;
      if (c.username == "banned") {
        r.reason = HERALD_REASON_NOT_AUTHORIZED;
      } else if (c.password == "good") {
        r.ok = true;
        r.user = "u-" + *c.username;
      } else {
        r.reason = c.password == "expired" ? HERALD_REASON_TOKEN_EXPIRED : HERALD_REASON_BAD_CREDENTIALS;
        r.text = "bad token";
      }
      done(r);
    }).detach();
  }
};

}  // namespace

TEST_CASE("v5 CONNECT is accepted with CONNACK properties") {
  Env env;
  TestBroker b(env, test_config(env, false));
  b.start();
  Client c(env, b.broker);
  auto ack = c.connect("dev-1");
  CHECK(ack.reason_code == m::ReasonCode::kSuccess);
  CHECK_FALSE(ack.session_present);
  CHECK(ack.properties.maximum_packet_size == (1u << 20));
  CHECK(ack.properties.topic_alias_maximum == 10);
  CHECK(ack.properties.receive_maximum == 100);
  m::Pingreq ping;
  c.send(ping);
  c.expect<m::Pingresp>();
}

TEST_CASE("v5 empty client id gets an assigned identifier, 3.1.1 needs clean session") {
  Env env;
  TestBroker b(env, test_config(env, false));
  b.start();
  Client c5(env, b.broker);
  auto ack = c5.connect("");
  CHECK(ack.reason_code == m::ReasonCode::kSuccess);
  REQUIRE(ack.properties.assigned_client_identifier);
  CHECK(ack.properties.assigned_client_identifier->starts_with("herald-"));

  Client c3(env, b.broker, {.version = m::ProtocolVersion::v311});
  auto ack3 = c3.connect("", true);
  CHECK(ack3.reason_code == m::ReasonCode::kSuccess);

  Client bad(env, b.broker, {.version = m::ProtocolVersion::v311});
  auto refused = bad.connect("", false);
  CHECK(refused.reason_code == m::ReasonCode::kClientIdentifierNotValid);  // return code 2 on the wire
  CHECK(bad.wait_closed());
}

TEST_CASE("authentication refusals carry the right code in both versions") {
  Env env;
  TestBroker b(env, test_config(env, false));
  b.broker.set_connect_authorizer(std::make_shared<FakeAuth>());
  b.start();

  Client ok(env, b.broker);
  CHECK(ok.connect("d1", true, "alice", "good").reason_code == m::ReasonCode::kSuccess);

  Client bad5(env, b.broker);
  auto a = bad5.connect("d2", true, "alice", "wrong");
  CHECK(a.reason_code == m::ReasonCode::kBadUserNameOrPassword);
  CHECK(a.properties.reason_string == "bad token");
  CHECK(bad5.wait_closed());

  Client expired(env, b.broker);
  CHECK(expired.connect("d3", true, "alice", "expired").reason_code == m::ReasonCode::kBadUserNameOrPassword);

  Client banned5(env, b.broker);
  CHECK(banned5.connect("d4", true, "banned", "good").reason_code == m::ReasonCode::kNotAuthorized);

  Client bad3(env, b.broker, {.version = m::ProtocolVersion::v311});
  // 3.1.1 return code 4 decodes as kBadUserNameOrPassword, 5 as kNotAuthorized.
  CHECK(bad3.connect("d5", true, "alice", "wrong").reason_code == m::ReasonCode::kBadUserNameOrPassword);
  Client banned3(env, b.broker, {.version = m::ProtocolVersion::v311});
  CHECK(banned3.connect("d6", true, "banned", "good").reason_code == m::ReasonCode::kNotAuthorized);

  Client anon(env, b.broker, {.allow_anonymous = false});
  CHECK(anon.connect("d7").reason_code == m::ReasonCode::kNotAuthorized);
  Client anon3(env, b.broker, {.version = m::ProtocolVersion::v311, .allow_anonymous = false});
  CHECK(anon3.connect("d8").reason_code == m::ReasonCode::kNotAuthorized);
}

TEST_CASE("the first packet must be CONNECT") {
  Env env;
  TestBroker b(env, test_config(env, false));
  b.start();
  Client c(env, b.broker);
  c.send(m::Pingreq{});
  CHECK(c.wait_closed());
  CHECK(c.silent(50ms));
}

TEST_CASE("a malformed packet gets v5 DISCONNECT with the codec's reason, 3.1.1 is closed") {
  Env env;
  TestBroker b(env, test_config(env, false));
  b.start();
  Client c(env, b.broker);
  c.connect("m1");
  c.send_bytes({0x30, 0x02, 0x00, 0x05});  // PUBLISH whose topic length runs past the packet
  auto d = c.expect<m::Disconnect>();
  CHECK(static_cast<uint8_t>(d.reason_code) >= 0x80);
  CHECK(c.wait_closed());

  Client c3(env, b.broker, {.version = m::ProtocolVersion::v311});
  c3.connect("m2");
  c3.send_bytes({0x30, 0x02, 0x00, 0x05});
  CHECK(c3.wait_closed());
}

TEST_CASE("an oversize packet is refused from its fixed header") {
  Env env;
  auto cfg = test_config(env, false);
  cfg.max_packet_size = 1024;
  TestBroker b(env, cfg);
  b.start();
  Client c(env, b.broker);
  CHECK(c.connect("big").properties.maximum_packet_size == 1024);
  c.send_bytes({0x30, 0xFF, 0xFF, 0x03});  // PUBLISH announcing ~64 KiB, body never sent
  auto d = c.expect<m::Disconnect>();
  CHECK(d.reason_code == m::ReasonCode::kPacketTooLarge);
}

TEST_CASE("a silent client is disconnected after 1.5 x keepalive and its will is published") {
  Env env;
  TestBroker b(env, test_config(env, false));
  b.start();
  Client watcher(env, b.broker, {.loop = 1});
  watcher.connect("watcher");
  watcher.subscribe("wills/#");

  Client c(env, b.broker);
  m::Will will;
  will.topic = "wills/ka";
  will.payload = {'g', 'o', 'n', 'e'};
  auto start = std::chrono::steady_clock::now();
  c.connect("ka", true, std::nullopt, std::nullopt, {}, will, 1);
  auto d = c.expect<m::Disconnect>(5s);
  auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(d.reason_code == m::ReasonCode::kKeepAliveTimeout);
  CHECK(elapsed >= 1400ms);
  auto p = watcher.expect<m::Publish>();
  CHECK(p.topic == "wills/ka");
  CHECK(text(p.payload) == "gone");
}

TEST_CASE("server_keep_alive is imposed on v5 clients") {
  Env env;
  auto cfg = test_config(env, false);
  cfg.keepalive_max = 30;
  TestBroker b(env, cfg);
  b.start();
  Client c(env, b.broker);
  auto ack = c.connect("k", true, std::nullopt, std::nullopt, {}, std::nullopt, 0);
  CHECK(ack.properties.server_keep_alive == 30);
}

TEST_CASE("a second CONNECT with the same client id takes over with 0x8E") {
  Env env;
  TestBroker b(env, test_config(env, false));
  b.start();
  for (uint32_t second_loop : {0u, 1u}) {
    Client first(env, b.broker, {.loop = 0});
    m::Properties props;
    props.session_expiry_interval = 60;
    first.connect("same", true, std::nullopt, std::nullopt, props);
    first.subscribe("t/1");
    Client second(env, b.broker, {.loop = second_loop});
    auto ack = second.connect("same", false, std::nullopt, std::nullopt, props);
    CHECK(ack.session_present);
    auto d = first.expect<m::Disconnect>();
    CHECK(d.reason_code == m::ReasonCode::kSessionTakenOver);
    CHECK(first.wait_closed());
    // The subscription came along.
    Client pub(env, b.broker, {.loop = 1});
    pub.connect("pub-" + std::to_string(second_loop));
    pub.publish("t/1", "x");
    CHECK(text(second.expect<m::Publish>().payload) == "x");
    second.disconnect();
    // Clean up the persistent session for the next round.
    Client cleaner(env, b.broker);
    cleaner.connect("same", true);
    cleaner.disconnect();
  }
}

}  // namespace herald::gateway::mqtt::test

#include <prometheus/text_serializer.h>

namespace herald::gateway::mqtt::test {

TEST_CASE("metrics are registered and counted") {
  Env env;
  TestBroker b(env, test_config(env, false));
  b.start();
  {
    Client sub(env, b.broker, {.loop = 1});
    sub.connect("msub");
    sub.subscribe("m/#", m::QoS::kAtLeastOnce);
    Client pub(env, b.broker);
    pub.connect("mpub");
    pub.publish("m/1", "x", m::QoS::kAtLeastOnce);
    pub.expect<m::Puback>();
    sub.expect<m::Publish>();
    pub.disconnect();
  }
  env.settle();
  prometheus::TextSerializer ser;
  const std::string text = ser.Serialize(env.metrics().registry()->Collect());
  CHECK(text.find("herald_mqtt_connects_total{result=\"success\"} 2") != std::string::npos);
  CHECK(text.find("herald_mqtt_messages_published_total{qos=\"1\"} 1") != std::string::npos);
  CHECK(text.find("herald_mqtt_messages_delivered_total{qos=\"1\"} 1") != std::string::npos);
  CHECK(text.find("herald_mqtt_packets_received_total{type=\"SUBSCRIBE\"} 1") != std::string::npos);
  CHECK(text.find("herald_mqtt_disconnects_total{reason=\"normal\"} 1") != std::string::npos);
  CHECK(text.find("herald_mqtt_sessions{state=\"online\"} 0") != std::string::npos);
  // The unacknowledged delivery went with the subscriber's (non-persistent) session.
  CHECK(text.find("herald_mqtt_inflight_messages 0") != std::string::npos);
}

}  // namespace herald::gateway::mqtt::test
