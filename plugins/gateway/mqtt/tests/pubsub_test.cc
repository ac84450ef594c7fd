// Routing: wildcards, '$' topics, QoS 0/1/2 both ways, retained messages and retain handling,
// no-local, subscription identifiers, overlapping subscriptions, shared subscriptions, fan-out.
#include "broker_harness.h"

namespace herald::gateway::mqtt::test {

TEST_CASE("wildcards match and leading wildcards skip $ topics") {
  Env env;
  TestBroker b(env, test_config(env, false));
  b.start();
  Client sub(env, b.broker, {.loop = 1});
  sub.connect("sub");
  CHECK(sub.subscribe("a/+/c", m::QoS::kAtMostOnce).reason_codes[0] == m::ReasonCode::kGrantedQos0);
  sub.subscribe("#", m::QoS::kAtMostOnce);
  Client pub(env, b.broker);
  pub.connect("pub");
  pub.publish("$SYS/x", "sys");
  pub.publish("a/b/c", "abc");
  // One delivery for the overlapping filters.
  auto p = sub.expect<m::Publish>();
  CHECK(p.topic == "a/b/c");
  CHECK(sub.silent());
}

TEST_CASE("QoS 1 and QoS 2 flows, inbound and outbound") {
  Env env;
  TestBroker b(env, test_config(env, false));
  b.start();
  Client sub(env, b.broker, {.loop = 1});
  sub.connect("sub");
  CHECK(sub.subscribe("q/#", m::QoS::kExactlyOnce).reason_codes[0] == m::ReasonCode::kGrantedQos2);
  Client pub(env, b.broker);
  pub.connect("pub");

  pub.publish("q/1", "one", m::QoS::kAtLeastOnce, false, 7);
  CHECK(pub.expect<m::Puback>().packet_id == 7);
  auto p1 = sub.expect<m::Publish>();
  CHECK(p1.qos == m::QoS::kAtLeastOnce);
  m::Puback ack;
  ack.packet_id = p1.packet_id;
  sub.send(ack);

  pub.publish("q/2", "two", m::QoS::kExactlyOnce, false, 9);
  CHECK(pub.expect<m::Pubrec>().packet_id == 9);
  // A resend of the same PUBLISH before PUBREL is answered but not routed twice.
  pub.publish("q/2", "two", m::QoS::kExactlyOnce, false, 9);
  CHECK(pub.expect<m::Pubrec>().packet_id == 9);
  m::Pubrel rel;
  rel.packet_id = 9;
  pub.send(rel);
  CHECK(pub.expect<m::Pubcomp>().reason_code == m::ReasonCode::kSuccess);
  pub.send(rel);  // unknown now
  CHECK(pub.expect<m::Pubcomp>().reason_code == m::ReasonCode::kPacketIdentifierNotFound);

  auto p2 = sub.expect<m::Publish>();
  CHECK(p2.qos == m::QoS::kExactlyOnce);
  CHECK(text(p2.payload) == "two");
  m::Pubrec rec;
  rec.packet_id = p2.packet_id;
  sub.send(rec);
  CHECK(sub.expect<m::Pubrel>().packet_id == p2.packet_id);
  m::Pubcomp comp;
  comp.packet_id = p2.packet_id;
  sub.send(comp);
  CHECK(sub.silent());  // exactly once
}

TEST_CASE("retained messages: stored, cleared, retain handling, retain-as-published") {
  Env env;
  TestBroker b(env, test_config(env, false));
  b.start();
  Client pub(env, b.broker);
  pub.connect("pub");
  pub.publish("r/a", "A", m::QoS::kAtLeastOnce, true);
  pub.expect<m::Puback>();
  pub.publish("r/b", "B", m::QoS::kAtLeastOnce, true);
  pub.expect<m::Puback>();
  pub.publish("r/b", "", m::QoS::kAtLeastOnce, true);  // clears r/b
  pub.expect<m::Puback>();

  Client sub(env, b.broker, {.loop = 1});
  sub.connect("sub");
  sub.subscribe("r/#", m::QoS::kAtLeastOnce);
  auto p = sub.expect<m::Publish>();
  CHECK(p.topic == "r/a");
  CHECK(p.retain);
  m::Puback ack;
  ack.packet_id = p.packet_id;
  sub.send(ack);
  CHECK(sub.silent());

  // Retain handling 1: only for a new subscription; 2: never.
  m::SubscribeOptions rh1;
  rh1.retain_handling = m::RetainHandling::kSendIfNewSubscription;
  sub.subscribe("r/#", m::QoS::kAtMostOnce, 0, rh1);
  CHECK(sub.silent());
  m::SubscribeOptions rh2;
  rh2.retain_handling = m::RetainHandling::kDoNotSend;
  sub.subscribe("r/+", m::QoS::kAtMostOnce, 0, rh2);
  CHECK(sub.silent());

  // Live forwarding clears RETAIN unless retain-as-published.
  Client rap(env, b.broker, {.loop = 1});
  rap.connect("rap");
  m::SubscribeOptions o;
  o.retain_as_published = true;
  o.retain_handling = m::RetainHandling::kDoNotSend;
  rap.subscribe("r/a", m::QoS::kAtMostOnce, 0, o);
  pub.publish("r/a", "A2", m::QoS::kAtMostOnce, true);
  CHECK(rap.expect<m::Publish>().retain);
  auto live = sub.expect<m::Publish>();
  CHECK_FALSE(live.retain);
  CHECK(b.broker.stats().retained == 1);

  // $share subscriptions get no retained messages.
  Client sh(env, b.broker);
  sh.connect("sh");
  sh.subscribe("$share/g/r/#");
  CHECK(sh.silent());
}

TEST_CASE("no-local, subscription identifiers and overlapping subscriptions") {
  Env env;
  TestBroker b(env, test_config(env, false));
  b.start();
  Client c(env, b.broker);
  c.connect("self");
  m::SubscribeOptions nl;
  nl.no_local = true;
  c.subscribe("chat/+", m::QoS::kAtMostOnce, 0, nl);
  c.publish("chat/x", "mine");
  CHECK(c.silent());

  Client s(env, b.broker, {.loop = 1});
  s.connect("ids");
  s.subscribe("x/#", m::QoS::kAtMostOnce, 11);
  s.subscribe("x/+", m::QoS::kAtLeastOnce, 22);
  c.publish("x/y", "hello", m::QoS::kAtLeastOnce);
  c.expect<m::Puback>();
  auto p = s.expect<m::Publish>();
  CHECK(p.qos == m::QoS::kAtLeastOnce);  // the highest of the matching subscriptions
  auto ids = p.properties.subscription_identifiers;
  std::sort(ids.begin(), ids.end());
  CHECK(ids == std::vector<uint32_t>{11, 22});
  CHECK(s.silent());
}

TEST_CASE("unsubscribe reports 0x11 for filters that were not subscribed") {
  Env env;
  TestBroker b(env, test_config(env, false));
  b.start();
  Client c(env, b.broker);
  c.connect("u");
  c.subscribe("a/b");
  m::Unsubscribe u;
  u.packet_id = 5;
  u.filters = {"a/b", "not/there"};
  c.send(u);
  auto ack = c.expect<m::Unsuback>();
  REQUIRE(ack.reason_codes.size() == 2);
  CHECK(ack.reason_codes[0] == m::ReasonCode::kSuccess);
  CHECK(ack.reason_codes[1] == m::ReasonCode::kNoSubscriptionExisted);
  CHECK(b.broker.stats().subscriptions == 0);
}

TEST_CASE("shared subscriptions deliver each message to one member, round robin") {
  Env env;
  TestBroker b(env, test_config(env, false));
  b.start();
  Client m1(env, b.broker, {.loop = 0});
  Client m2(env, b.broker, {.loop = 1});
  m1.connect("m1");
  m2.connect("m2");
  m1.subscribe("$share/workers/jobs/#", m::QoS::kAtMostOnce);
  m2.subscribe("$share/workers/jobs/#", m::QoS::kAtMostOnce);
  Client pub(env, b.broker);
  pub.connect("pub");
  for (int i = 0; i < 10; ++i) pub.publish("jobs/" + std::to_string(i), "j");
  int n1 = 0, n2 = 0;
  while (m1.next(300ms)) ++n1;
  while (m2.next(300ms)) ++n2;
  CHECK(n1 + n2 == 10);
  CHECK(n1 == 5);
  CHECK(n2 == 5);
}

TEST_CASE("fan-out batches one post per target loop") {
  Env env;
  TestBroker b(env, test_config(env, false));
  b.start();
  std::vector<std::unique_ptr<Client>> subs;
  for (int i = 0; i < 50; ++i) {
    subs.push_back(std::make_unique<Client>(env, b.broker, ClientOptions{.loop = 1}));
    subs.back()->connect("fan-" + std::to_string(i));
    subs.back()->subscribe("fan/out", m::QoS::kAtMostOnce);
  }
  Client pub(env, b.broker, {.loop = 0});
  pub.connect("fan-pub");
  env.settle();
  const uint64_t before = b.broker.stats().posts;
  pub.publish("fan/out", "x");
  for (auto& s : subs) CHECK(text(s->expect<m::Publish>().payload) == "x");
  CHECK(b.broker.stats().posts - before == 1);
}

}  // namespace herald::gateway::mqtt::test
