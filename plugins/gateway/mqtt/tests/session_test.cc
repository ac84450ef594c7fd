// Sessions: persistent queues across disconnects and across a Broker restart on the same SQLite file,
// retransmission with DUP, clean start, retained durability, wills and will delay.
#include "broker_harness.h"

namespace herald::gateway::mqtt::test {
namespace {

m::Properties expiry(uint32_t s) {
  m::Properties p;
  p.session_expiry_interval = s;
  return p;
}

void ack(Client& c, const m::Publish& p) {
  m::Puback a;
  a.packet_id = p.packet_id;
  c.send(a);
}

}  // namespace

TEST_CASE("a persistent session queues QoS 1 while offline and resends unacked with DUP") {
  Env env;
  TestBroker b(env, test_config(env));
  b.start();
  {
    Client sub(env, b.broker, {.loop = 1});
    sub.connect("p1", true, std::nullopt, std::nullopt, expiry(300));
    sub.subscribe("news/#", m::QoS::kAtLeastOnce);
    Client pub(env, b.broker);
    pub.connect("pub");
    pub.publish("news/1", "one", m::QoS::kAtLeastOnce);
    pub.expect<m::Puback>();
    auto p = sub.expect<m::Publish>();
    CHECK_FALSE(p.dup);  // received, never acknowledged
    sub.drop();
    pub.publish("news/2", "two", m::QoS::kAtLeastOnce);
    pub.expect<m::Puback>();
    pub.publish("news/3", "zero", m::QoS::kAtMostOnce);  // QoS 0 is not queued for offline sessions
  }
  env.settle();
  CHECK(b.broker.stats().sessions_offline == 1);
  Client again(env, b.broker);
  auto ack_ = again.connect("p1", false, std::nullopt, std::nullopt, expiry(300));
  CHECK(ack_.session_present);
  auto r1 = again.expect<m::Publish>();
  CHECK(text(r1.payload) == "one");
  CHECK(r1.dup);
  auto r2 = again.expect<m::Publish>();
  CHECK(text(r2.payload) == "two");
  CHECK_FALSE(r2.dup);
  ack(again, r1);
  ack(again, r2);
  CHECK(again.silent());
}

TEST_CASE("clean start discards the previous session") {
  Env env;
  TestBroker b(env, test_config(env));
  b.start();
  {
    Client c(env, b.broker);
    c.connect("cs", true, std::nullopt, std::nullopt, expiry(300));
    c.subscribe("x");
    c.disconnect();
  }
  Client c(env, b.broker);
  CHECK_FALSE(c.connect("cs", true, std::nullopt, std::nullopt, expiry(300)).session_present);
  Client pub(env, b.broker);
  pub.connect("pub");
  pub.publish("x", "1");
  CHECK(c.silent());
}

TEST_CASE("3.1.1 clean session=0 persists, and a session with expiry 0 ends at disconnect") {
  Env env;
  TestBroker b(env, test_config(env));
  b.start();
  {
    Client c(env, b.broker, {.version = m::ProtocolVersion::v311});
    c.connect("old", false);
    c.subscribe("y", m::QoS::kAtLeastOnce);
    c.disconnect();
    Client t(env, b.broker);
    t.connect("temp");
    t.subscribe("y");
    t.disconnect();
  }
  env.settle();
  CHECK(b.broker.stats().sessions_offline == 1);
  Client c(env, b.broker, {.version = m::ProtocolVersion::v311});
  CHECK(c.connect("old", false).session_present);
  Client t(env, b.broker);
  CHECK_FALSE(t.connect("temp", false).session_present);
}

TEST_CASE("sessions, queued messages and retained messages survive a broker restart") {
  Env env;
  auto cfg = test_config(env);
  {
    TestBroker b(env, cfg);
    b.start();
    Client sub(env, b.broker, {.loop = 1});
    sub.connect("durable", true, std::nullopt, std::nullopt, expiry(0xFFFFFFFF));
    sub.subscribe("d/#", m::QoS::kExactlyOnce, 5);
    Client pub(env, b.broker);
    pub.connect("pub");
    pub.publish("d/inflight", "i", m::QoS::kAtLeastOnce);
    pub.expect<m::Puback>();
    auto p = sub.expect<m::Publish>();  // in flight, unacked
    CHECK(p.properties.subscription_identifiers == std::vector<uint32_t>{5});
    sub.drop();
    pub.publish("d/q1", "q1", m::QoS::kAtLeastOnce);
    pub.expect<m::Puback>();
    pub.publish("d/q2", "q2", m::QoS::kExactlyOnce);
    pub.expect<m::Pubrec>();
    pub.publish("keep", "retained!", m::QoS::kAtLeastOnce, true);
    pub.expect<m::Puback>();
    env.settle();
  }
  TestBroker b(env, cfg);
  b.start();
  CHECK(b.broker.stats().sessions_offline == 1);
  CHECK(b.broker.stats().retained == 1);
  Client sub(env, b.broker);
  CHECK(sub.connect("durable", false, std::nullopt, std::nullopt, expiry(0xFFFFFFFF)).session_present);
  auto r1 = sub.expect<m::Publish>();
  CHECK(r1.topic == "d/inflight");
  CHECK(r1.dup);
  auto r2 = sub.expect<m::Publish>();
  CHECK(r2.topic == "d/q1");
  auto r3 = sub.expect<m::Publish>();
  CHECK(r3.topic == "d/q2");
  CHECK(r3.qos == m::QoS::kExactlyOnce);
  CHECK(r3.properties.subscription_identifiers == std::vector<uint32_t>{5});
  // The subscription itself was restored.
  Client pub(env, b.broker);
  pub.connect("pub2");
  pub.publish("d/live", "live");
  CHECK(sub.expect<m::Publish>().topic == "d/live");
  // And the retained message.
  Client late(env, b.broker);
  late.connect("late");
  late.subscribe("keep", m::QoS::kAtMostOnce);
  auto ret = late.expect<m::Publish>();
  CHECK(text(ret.payload) == "retained!");
  CHECK(ret.retain);
}

TEST_CASE("a memory-only delivery is resent on resume but not kept across a restart, a persisted one is") {
  Env env;
  auto cfg = test_config(env);
  auto deliver = [](TestBroker& b, const char* topic, const char* body, SessionStorage storage) {
    std::string t(topic), s(body);
    b.broker.deliver("dev", t, m::Bytes(s.begin(), s.end()), {}, {}, storage);
  };
  {
    TestBroker b(env, cfg);
    b.start();
    {
      Client c(env, b.broker);
      c.connect("dev", true, std::nullopt, std::nullopt, expiry(0xFFFFFFFF));
      deliver(b, "mem/inflight", "m1", SessionStorage::kMemory);
      CHECK(text(c.expect<m::Publish>().payload) == "m1");  // in flight, unacked
      c.drop();
    }
    env.settle();
    deliver(b, "mem/queued", "m2", SessionStorage::kMemory);
    deliver(b, "disk/queued", "d1", SessionStorage::kPersist);
    {
      // Same process: both memory-only messages are still there (the in-flight one with DUP).
      Client c(env, b.broker);
      CHECK(c.connect("dev", false, std::nullopt, std::nullopt, expiry(0xFFFFFFFF)).session_present);
      auto r1 = c.expect<m::Publish>();
      CHECK(text(r1.payload) == "m1");
      CHECK(r1.dup);
      CHECK(text(c.expect<m::Publish>().payload) == "m2");
      CHECK(text(c.expect<m::Publish>().payload) == "d1");
      c.drop();  // none acknowledged
    }
    env.settle();
    b.broker.flush_storage();
  }
  // After a restart only the persisted delivery is left.
  TestBroker b(env, cfg);
  b.start();
  Client c(env, b.broker);
  CHECK(c.connect("dev", false, std::nullopt, std::nullopt, expiry(0xFFFFFFFF)).session_present);
  auto r = c.expect<m::Publish>();
  CHECK(text(r.payload) == "d1");
  ack(c, r);
  CHECK(c.silent());
}

TEST_CASE("QoS 2 outbound: PUBREL is resent after a reconnect") {
  Env env;
  TestBroker b(env, test_config(env));
  b.start();
  Client pub(env, b.broker);
  pub.connect("pub");
  uint16_t id = 0;
  {
    Client sub(env, b.broker);
    sub.connect("q2", true, std::nullopt, std::nullopt, expiry(300));
    sub.subscribe("z", m::QoS::kExactlyOnce);
    pub.publish("z", "once", m::QoS::kAtMostOnce);
    auto p = sub.expect<m::Publish>();
    CHECK(p.qos == m::QoS::kAtMostOnce);
    pub.publish("z", "twice?", m::QoS::kExactlyOnce, false, 3);
    auto p2 = sub.expect<m::Publish>();
    id = p2.packet_id;
    m::Pubrec rec;
    rec.packet_id = id;
    sub.send(rec);
    CHECK(sub.expect<m::Pubrel>().packet_id == id);
    sub.drop();
  }
  Client sub(env, b.broker);
  CHECK(sub.connect("q2", false, std::nullopt, std::nullopt, expiry(300)).session_present);
  CHECK(sub.expect<m::Pubrel>().packet_id == id);
  m::Pubcomp comp;
  comp.packet_id = id;
  sub.send(comp);
  CHECK(sub.silent());
}

TEST_CASE("will: published on abnormal disconnect, not on a normal DISCONNECT, yes on 0x04") {
  Env env;
  TestBroker b(env, test_config(env, false));
  b.start();
  Client w(env, b.broker, {.loop = 1});
  w.connect("watch");
  w.subscribe("will/#", m::QoS::kAtLeastOnce);
  m::Will will;
  will.topic = "will/x";
  will.payload = {'w'};
  will.qos = m::QoS::kAtLeastOnce;
  will.retain = true;
  {
    Client c(env, b.broker);
    c.connect("w1", true, std::nullopt, std::nullopt, {}, will);
    c.disconnect();
  }
  CHECK(w.silent());
  {
    Client c(env, b.broker);
    c.connect("w2", true, std::nullopt, std::nullopt, {}, will);
    c.disconnect(m::ReasonCode::kDisconnectWithWillMessage);
  }
  auto p1 = w.expect<m::Publish>();
  CHECK(p1.topic == "will/x");
  ack(w, p1);
  {
    Client c(env, b.broker);
    c.connect("w3", true, std::nullopt, std::nullopt, {}, will);
    c.drop();
  }
  auto p2 = w.expect<m::Publish>();
  CHECK(p2.qos == m::QoS::kAtLeastOnce);
  ack(w, p2);
  CHECK(b.broker.stats().retained == 1);  // will retain honoured
}

TEST_CASE("a will delay is cancelled when the client reconnects in time") {
  Env env;
  TestBroker b(env, test_config(env, false));
  b.start();
  Client w(env, b.broker, {.loop = 1});
  w.connect("watch");
  w.subscribe("will/#", m::QoS::kAtMostOnce);
  m::Will will;
  will.topic = "will/delayed";
  will.payload = {'d'};
  will.properties.will_delay_interval = 1;
  {
    Client c(env, b.broker);
    c.connect("wd", true, std::nullopt, std::nullopt, expiry(60), will);
    c.drop();
  }
  Client back(env, b.broker);
  CHECK(back.connect("wd", false, std::nullopt, std::nullopt, expiry(60)).session_present);
  CHECK(w.silent(1500ms));

  // Without a reconnect, it goes out after the delay.
  {
    Client c(env, b.broker);
    c.connect("wd2", true, std::nullopt, std::nullopt, expiry(60), will);
    c.drop();
  }
  CHECK(w.silent(500ms));
  CHECK(w.expect<m::Publish>(3s).topic == "will/delayed");
}

TEST_CASE("a session expires after its interval") {
  Env env;
  TestBroker b(env, test_config(env));
  b.start();
  {
    Client c(env, b.broker);
    c.connect("short", true, std::nullopt, std::nullopt, expiry(1));
    c.subscribe("s");
    c.disconnect();
  }
  env.settle();
  CHECK(b.broker.stats().sessions_offline == 1);
  for (int i = 0; i < 40 && b.broker.stats().sessions_offline != 0; ++i) std::this_thread::sleep_for(100ms);
  CHECK(b.broker.stats().sessions_offline == 0);
  CHECK(b.broker.stats().subscriptions == 0);
}

}  // namespace herald::gateway::mqtt::test
