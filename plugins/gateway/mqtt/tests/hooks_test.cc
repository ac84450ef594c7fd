// The injected seams: topic ACL, the inbound pipeline gate (reject codes, order behind a deferred
// answer), reserved $im/ topics, the IM delivery API with its PUBACK callback, the implicit inbox.
#include "broker_harness.h"

namespace herald::gateway::mqtt::test {
namespace {

struct Acl : TopicAuthorizer {
  bool check_subscribe(std::string_view, std::string_view, std::string_view filter) override {
    return !filter.starts_with("secret");
  }
  bool check_publish(std::string_view, std::string_view, std::string_view topic) override {
    return !topic.starts_with("secret");
  }
};

struct Users : ConnectAuthorizer {
  void authorize(const ConnectCredentials& c, std::function<void(ConnectResult)> done) override {
    ConnectResult r;
    r.ok = true;
    r.user = c.username.value_or("");
    done(r);
  }
};

// Rejects topics under "bad/" with the reason in the payload's first byte; defers "slow/" until
// release() is called from the test thread.
struct Gate : PublishGate {
  std::mutex mu;
  std::vector<std::pair<uint32_t, std::function<void(GateResult)>>> deferred;
  std::vector<std::string> seen;
  sdk::Host* host = nullptr;
  void submit(const PublishFields& f, std::string_view payload, uint32_t loop,
              std::function<void(GateResult)> done) override {
    std::lock_guard lock(mu);
    seen.push_back(std::string(f.topic) + ":" + std::string(f.user) + ":" + std::string(f.client_id));
    if (f.topic.starts_with("bad/")) {
      GateResult r;
      r.accepted = false;
      r.reason = payload == "muted" ? HERALD_REASON_MUTED : HERALD_REASON_PAYLOAD_TOO_LARGE;
      r.text = "nope";
      done(r);
    } else if (f.topic.starts_with("slow/")) {
      deferred.emplace_back(loop, std::move(done));
    } else {
      done(GateResult{});
    }
  }
  void release(sdk::Host h) {
    std::lock_guard lock(mu);
    for (auto& [loop, done] : deferred) h.post(loop, [done] { done(GateResult{}); });
    deferred.clear();
  }
};

}  // namespace

TEST_CASE("ACL refusals: SUBACK 0x87 / 0x80, PUBACK 0x87 in v5, ack and drop in 3.1.1") {
  Env env;
  TestBroker b(env, test_config(env, false));
  b.broker.set_topic_authorizer(std::make_shared<Acl>());
  b.start();
  Client c(env, b.broker);
  c.connect("c");
  CHECK(c.subscribe("secret/x").reason_codes[0] == m::ReasonCode::kNotAuthorized);
  Client c3(env, b.broker, {.version = m::ProtocolVersion::v311});
  c3.connect("c3");
  CHECK(c3.subscribe("secret/x").reason_codes[0] == m::ReasonCode::kUnspecifiedError);  // 0x80
  Client spy(env, b.broker, {.loop = 1});
  spy.connect("spy");
  spy.subscribe("#", m::QoS::kAtMostOnce);
  c.publish("secret/y", "s", m::QoS::kAtLeastOnce);
  CHECK(c.expect<m::Puback>().reason_code == m::ReasonCode::kNotAuthorized);
  c3.publish("secret/y", "s", m::QoS::kAtLeastOnce);
  CHECK(c3.expect<m::Puback>().reason_code == m::ReasonCode::kSuccess);
  CHECK(spy.silent());
}

TEST_CASE("pipeline gate: fields, reject mapped to a PUBACK reason, QoS 0 dropped") {
  Env env;
  auto cfg = test_config(env, false);
  cfg.pipeline = "inbound";
  TestBroker b(env, cfg);
  auto gate = std::make_shared<Gate>();
  b.broker.set_publish_gate(gate);
  b.broker.set_connect_authorizer(std::make_shared<Users>());
  b.start();
  Client c(env, b.broker);
  c.connect("dev", true, "alice", "pw");
  Client spy(env, b.broker, {.loop = 1});
  spy.connect("spy", true, "bob", "pw");
  spy.subscribe("#", m::QoS::kAtMostOnce);

  c.publish("bad/1", "muted", m::QoS::kAtLeastOnce);
  auto a1 = c.expect<m::Puback>();
  CHECK(a1.reason_code == m::ReasonCode::kNotAuthorized);  // MUTED → 0x87
  CHECK(a1.properties.reason_string == "nope");
  c.publish("bad/2", "big", m::QoS::kExactlyOnce);
  CHECK(c.expect<m::Pubrec>().reason_code == m::ReasonCode::kImplementationSpecificError);  // 0x95 not allowed → 0x83
  c.publish("bad/3", "muted");
  c.publish("ok/1", "fine");
  CHECK(spy.expect<m::Publish>().topic == "ok/1");
  CHECK(spy.silent());
  std::lock_guard lock(gate->mu);
  CHECK(gate->seen.front() == "bad/1:alice:dev");
}

TEST_CASE("publishes of one client stay in order behind a deferred gate answer") {
  Env env;
  auto cfg = test_config(env, false);
  cfg.pipeline = "inbound";
  TestBroker b(env, cfg);
  auto gate = std::make_shared<Gate>();
  b.broker.set_publish_gate(gate);
  b.start();
  Client sub(env, b.broker, {.loop = 1});
  sub.connect("sub");
  sub.subscribe("#", m::QoS::kAtMostOnce);
  Client c(env, b.broker);
  c.connect("pub");
  c.publish("slow/1", "a", m::QoS::kAtLeastOnce);
  c.publish("fast/2", "b", m::QoS::kAtLeastOnce);
  c.publish("fast/3", "c");
  CHECK(c.silent());
  CHECK(sub.silent());
  gate->release(env.host());
  CHECK(c.expect<m::Puback>().packet_id == 1);
  CHECK(c.expect<m::Puback>().packet_id == 2);
  CHECK(sub.expect<m::Publish>().topic == "slow/1");
  CHECK(sub.expect<m::Publish>().topic == "fast/2");
  CHECK(sub.expect<m::Publish>().topic == "fast/3");
}

TEST_CASE("reserved $im/ topics go to the hook, or are refused when none is installed") {
  Env env;
  TestBroker b(env, test_config(env, false));
  b.broker.set_connect_authorizer(std::make_shared<Users>());
  b.start();
  Client c(env, b.broker);
  c.connect("phone", true, "alice", "pw");
  c.publish("$im/send/c2c/bob", "{}", m::QoS::kAtLeastOnce);
  auto a = c.expect<m::Puback>();
  CHECK(a.reason_code == m::ReasonCode::kImplementationSpecificError);
  CHECK(a.properties.reason_string == "IM topics are not enabled");
}

TEST_CASE("the reserved topic hook answers the PUBACK") {
  Env env;
  TestBroker b(env, test_config(env, false));
  struct Hook : ReservedTopicHandler {
    std::vector<std::string> got;
    void on_publish(ReservedPublish p, std::function<void(herald_reason, std::string)> done) override {
      got.push_back(p.user + " " + p.client_id + " " + p.topic + " " + text(p.payload));
      std::thread([done, ok = p.topic.ends_with("bob")] {
        done(ok ? HERALD_REASON_OK : HERALD_REASON_NOT_MEMBER, ok ? "" : "not a member");
      }).detach();
    }
  };
  auto hook = std::make_shared<Hook>();
  b.broker.set_reserved_topic_handler(hook);
  b.broker.set_connect_authorizer(std::make_shared<Users>());
  b.start();
  Client c(env, b.broker);
  c.connect("phone", true, "alice", "pw");
  c.publish("$im/send/c2c/bob", "hi", m::QoS::kAtLeastOnce);
  CHECK(c.expect<m::Puback>().reason_code == m::ReasonCode::kSuccess);
  c.publish("$im/send/group/g", "hi", m::QoS::kAtLeastOnce);
  CHECK(c.expect<m::Puback>().reason_code == m::ReasonCode::kNotAuthorized);
  REQUIRE(hook->got.size() == 2);
  CHECK(hook->got[0] == "alice phone $im/send/c2c/bob hi");
}

TEST_CASE("implicit inbox, nobody else's inbox, and deliver() with the PUBACK as delivery ack") {
  Env env;
  TestBroker b(env, test_config(env, false));
  b.broker.set_connect_authorizer(std::make_shared<Users>());
  b.start();
  Client alice(env, b.broker, {.loop = 1});
  alice.connect("alice-phone", true, "alice", "pw");
  Client eve(env, b.broker);
  eve.connect("eve-phone", true, "eve", "pw");
  CHECK(eve.subscribe("$im/inbox/alice").reason_codes[0] == m::ReasonCode::kNotAuthorized);
  CHECK(eve.subscribe("$im/#").reason_codes[0] == m::ReasonCode::kNotAuthorized);
  CHECK(eve.subscribe("$share/g/$im/inbox/alice").reason_codes[0] == m::ReasonCode::kNotAuthorized);
  CHECK(eve.subscribe("$im/inbox/eve").reason_codes[0] == m::ReasonCode::kGrantedQos1);

  // Routed to the user's inbox topic: the implicit subscription receives it.
  b.broker.publish("$im/inbox/alice", {'1'}, m::QoS::kAtLeastOnce, false);
  auto p = alice.expect<m::Publish>();
  CHECK(p.topic == "$im/inbox/alice");
  m::Puback ack;
  ack.packet_id = p.packet_id;
  alice.send(ack);
  CHECK(eve.silent());

  // The implicit subscription cannot be removed.
  m::Unsubscribe u;
  u.packet_id = 3;
  u.filters = {"$im/inbox/alice"};
  alice.send(u);
  alice.expect<m::Unsuback>();

  std::promise<DeliveryOutcome> outcome;
  b.broker.deliver("alice-phone", "$im/inbox/alice", {'2'}, {}, [&](DeliveryOutcome o) { outcome.set_value(o); });
  auto p2 = alice.expect<m::Publish>();
  CHECK(p2.qos == m::QoS::kAtLeastOnce);
  auto fut = outcome.get_future();
  CHECK(fut.wait_for(200ms) == std::future_status::timeout);  // not before the PUBACK
  ack.packet_id = p2.packet_id;
  alice.send(ack);
  REQUIRE(fut.wait_for(3s) == std::future_status::ready);
  CHECK(fut.get() == DeliveryOutcome::kAcked);

  std::promise<DeliveryOutcome> none;
  b.broker.deliver("nobody", "$im/inbox/x", {'3'}, {}, [&](DeliveryOutcome o) { none.set_value(o); });
  CHECK(none.get_future().get() == DeliveryOutcome::kNoSession);

  b.broker.publish("$im/inbox/alice", {'4'}, m::QoS::kAtMostOnce, false);
  CHECK(text(alice.expect<m::Publish>().payload) == "4");
}

}  // namespace herald::gateway::mqtt::test

namespace herald::gateway::mqtt::test {

TEST_CASE("a client id reused by another user never resumes the first user's session") {
  Env env;
  TestBroker b(env, test_config(env));
  struct AnyUser : ConnectAuthorizer {
    void authorize(const ConnectCredentials& c, std::function<void(ConnectResult)> done) override {
      ConnectResult r;
      r.ok = true;
      r.user = c.username.value_or("");
      done(r);
    }
  };
  b.broker.set_connect_authorizer(std::make_shared<AnyUser>());
  b.start();
  m::Properties props;
  props.session_expiry_interval = 300;
  {
    Client alice(env, b.broker);
    alice.connect("shared-device", true, "alice", "pw", props);
    alice.subscribe("private/alice", m::QoS::kAtLeastOnce);
    alice.disconnect();
  }
  b.broker.publish("$im/inbox/alice", {'s'}, m::QoS::kAtLeastOnce, false);
  b.broker.publish("private/alice", {'p'}, m::QoS::kAtLeastOnce, false);
  env.settle();
  Client bob(env, b.broker, {.loop = 1});
  CHECK_FALSE(bob.connect("shared-device", false, "bob", "pw", props).session_present);
  CHECK(bob.silent());
}

TEST_CASE("a connection that never sends CONNECT is closed after the connect timeout") {
  Env env;
  auto cfg = test_config(env, false);
  cfg.connect_timeout_ms = 200;
  TestBroker b(env, cfg);
  b.start();
  Client c(env, b.broker);
  CHECK(c.wait_closed(3s));
}

TEST_CASE("the session observer sees online/offline with causes, disconnect_client kicks one connection") {
  struct Observer : SessionObserver {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::string> log;  // "on <client> <conn> <user>" / "off <client> <conn> <cause>"
    void on_session_online(const SessionEvent& e) override {
      std::lock_guard lock(mu);
      log.push_back("on " + e.client_id + " " + std::to_string(e.connection_id) + " " + e.user);
      cv.notify_all();
    }
    void on_session_offline(const SessionEvent& e, SessionEndCause cause) override {
      std::lock_guard lock(mu);
      log.push_back("off " + e.client_id + " " + std::to_string(e.connection_id) + " " +
                    std::to_string(static_cast<int>(cause)));
      cv.notify_all();
    }
    bool wait(size_t n) {
      std::unique_lock lock(mu);
      return cv.wait_for(lock, 3s, [&] { return log.size() >= n; });
    }
    // Events of connections on different loops may arrive in either order: count, not index.
    long count(const std::string& entry) {
      std::lock_guard lock(mu);
      return std::count(log.begin(), log.end(), entry);
    }
  };
  Env env;
  TestBroker b(env, test_config(env, false));
  b.broker.set_connect_authorizer(std::make_shared<Users>());
  auto obs = std::make_shared<Observer>();
  b.broker.set_session_observer(obs);
  b.start();
  auto id = [](Client& c) { return std::to_string(c.transport().info().id); };

  Client first(env, b.broker, ClientOptions{0});
  REQUIRE(first.connect("dev1", true, std::string("alice")).reason_code == m::ReasonCode::kSuccess);
  REQUIRE(obs->wait(1));
  CHECK(obs->log[0] == "on dev1 " + id(first) + " alice");

  // Takeover from another loop: the new connection comes online, the old one goes offline (taken over).
  Client second(env, b.broker, ClientOptions{1});
  REQUIRE(second.connect("dev1", true, std::string("alice")).reason_code == m::ReasonCode::kSuccess);
  CHECK(first.expect<m::Disconnect>().reason_code == m::ReasonCode::kSessionTakenOver);
  REQUIRE(obs->wait(3));
  CHECK(obs->count("on dev1 " + id(second) + " alice") == 1);
  CHECK(obs->count("off dev1 " + id(first) + " " + std::to_string(static_cast<int>(SessionEndCause::kTakenOver))) == 1);

  // A kick aimed at the old connection id does nothing; one at the live id disconnects with 0x98.
  b.broker.disconnect_client("dev1", HERALD_REASON_ADMINISTRATIVE_ACTION, "stale", std::stoull(id(first)));
  CHECK(second.silent(150ms));
  b.broker.disconnect_client("dev1", HERALD_REASON_ADMINISTRATIVE_ACTION, "removed by admin", std::stoull(id(second)));
  auto d = second.expect<m::Disconnect>();
  CHECK(d.reason_code == m::ReasonCode::kAdministrativeAction);
  CHECK(d.properties.reason_string == std::optional<std::string>("removed by admin"));
  CHECK(second.wait_closed());
  REQUIRE(obs->wait(4));
  CHECK(obs->count("off dev1 " + id(second) + " " + std::to_string(static_cast<int>(SessionEndCause::kKicked))) == 1);

  // A reason DISCONNECT cannot carry becomes 0x98; a normal DISCONNECT reports kDisconnect.
  Client third(env, b.broker, ClientOptions{0});
  REQUIRE(third.connect("dev2", true, std::string("bob")).reason_code == m::ReasonCode::kSuccess);
  b.broker.disconnect_client("dev2", HERALD_REASON_SESSION_TAKEN_OVER, "signed in elsewhere");
  CHECK(third.expect<m::Disconnect>().reason_code == m::ReasonCode::kSessionTakenOver);
  Client fourth(env, b.broker, ClientOptions{1});
  REQUIRE(fourth.connect("dev3", true, std::string("carol")).reason_code == m::ReasonCode::kSuccess);
  fourth.disconnect();
  REQUIRE(obs->wait(8));
  CHECK(obs->count("off dev2 " + id(third) + " " + std::to_string(static_cast<int>(SessionEndCause::kKicked))) == 1);
  CHECK(obs->count("off dev3 " + id(fourth) + " " + std::to_string(static_cast<int>(SessionEndCause::kDisconnect))) == 1);
  CHECK(obs->count("on dev2 " + id(third) + " bob") == 1);
  CHECK(obs->count("on dev3 " + id(fourth) + " carol") == 1);
}

}  // namespace herald::gateway::mqtt::test
