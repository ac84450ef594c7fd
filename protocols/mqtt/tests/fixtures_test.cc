// Bytes captured from real clients (mosquitto_pub / mosquitto_sub 2.0.11, paho-mqtt 1.6.1; see
// fixtures/capture.py) decode to exactly what each client was told to send.
#include <fstream>
#include <sstream>

#include "test_util.h"

namespace herald::mqtt::test {
namespace {

using T = PacketType;

struct Capture {
  ProtocolVersion version = ProtocolVersion::v5;
  std::vector<Packet> packets;
  std::vector<PacketType> types() const {
    std::vector<PacketType> out;
    for (const Packet& p : packets) out.push_back(type_of(p));
    return out;
  }
  template <class P>
  const P& at(std::size_t i) const {
    REQUIRE(i < packets.size());
    REQUIRE(std::holds_alternative<P>(packets[i]));
    return std::get<P>(packets[i]);
  }
};

// Decodes a fixture as the server would: CONNECT first, its level fixing the version of the rest.
Capture load(const std::string& name) {
  std::ifstream in(std::string(HERALD_MQTT_FIXTURES_DIR) + "/" + name + ".hex");
  REQUIRE(in.good());
  Capture c;
  std::vector<std::uint8_t> stream;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const std::vector<std::uint8_t> bytes = wire(line);
    INFO(name << ": " << line);
    DecodeOptions options;  // default Limits: what the gateway will run with
    options.version = c.version;
    options.sender = Sender::kClient;
    const DecodeResult r = decode(bytes, options);
    INFO("error: " << name_of(r.error));
    REQUIRE(r.status == DecodeStatus::kOk);
    REQUIRE(r.consumed == bytes.size());
    if (c.packets.empty()) REQUIRE(r.packet_type == PacketType::kConnect);
    if (r.packet_type == PacketType::kConnect) c.version = r.version;
    // Our encoding of what we decoded has the same size and decodes to the same packet (property
    // order may differ from the client's, which the spec allows).
    std::vector<std::uint8_t> again;
    REQUIRE(encode(r.packet, c.version, again) == EncodeError::kNone);
    CHECK(again.size() == bytes.size());
    const DecodeResult r2 = decode(again, options);
    REQUIRE(r2.status == DecodeStatus::kOk);
    CHECK(r2.packet == r.packet);
    c.packets.push_back(r.packet);
    stream.insert(stream.end(), bytes.begin(), bytes.end());
  }
  // The whole session as one byte stream, arriving in two pieces cut at every byte, decodes to the
  // same packets.
  for (std::size_t cut = 1; cut < stream.size(); ++cut) {
    std::vector<std::uint8_t> buffer(stream.begin(), stream.begin() + static_cast<std::ptrdiff_t>(cut));
    std::vector<Packet> got;
    DecodeOptions options;
    bool stuck = false;
    auto drain = [&] {
      for (;;) {
        const DecodeResult r = decode(buffer, options);
        if (r.status != DecodeStatus::kOk) {
          stuck |= r.status == DecodeStatus::kError;
          return;
        }
        got.push_back(r.packet);
        if (r.packet_type == PacketType::kConnect) options.version = r.version;
        buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(r.consumed));
      }
    };
    drain();
    buffer.insert(buffer.end(), stream.begin() + static_cast<std::ptrdiff_t>(cut), stream.end());
    drain();
    INFO(name << " stream cut at " << cut);
    REQUIRE_FALSE(stuck);
    REQUIRE(buffer.empty());
    REQUIRE(got == c.packets);
  }
  return c;
}

Bytes b(std::string_view s) { return bytes_of(s); }

TEST_CASE("fixture: mosquitto_pub 3.1.1 QoS 0", "[mqtt][fixtures]") {
  const Capture c = load("mosquitto_pub_v311_qos0");
  CHECK(c.version == ProtocolVersion::v311);
  CHECK(c.types() == std::vector<T>{T::kConnect, T::kPublish, T::kDisconnect});
  const auto& connect = c.at<Connect>(0);
  CHECK(connect.client_id == "pub311");
  CHECK(connect.clean_start);
  CHECK(connect.keep_alive == 60);
  CHECK_FALSE(connect.username);
  CHECK_FALSE(connect.password);
  CHECK_FALSE(connect.will);
  CHECK(c.at<Publish>(1) == Publish{"a/b", b("hello"), QoS::kAtMostOnce, false, false, 0, {}});
}

TEST_CASE("fixture: mosquitto_pub 3.1.1 QoS 1, retained, user name and password", "[mqtt][fixtures]") {
  const Capture c = load("mosquitto_pub_v311_qos1_retain_auth");
  CHECK(c.types() == std::vector<T>{T::kConnect, T::kPublish, T::kDisconnect});
  const auto& connect = c.at<Connect>(0);
  CHECK(connect.keep_alive == 30);
  CHECK(connect.username == "alice");
  CHECK(connect.password == b("secret"));
  CHECK(c.at<Publish>(1) == Publish{"a/b", b("hello"), QoS::kAtLeastOnce, true, false, 1, {}});
}

TEST_CASE("fixture: mosquitto_pub 3.1.1 QoS 2 with a will", "[mqtt][fixtures]") {
  const Capture c = load("mosquitto_pub_v311_qos2_will");
  CHECK(c.types() == std::vector<T>{T::kConnect, T::kPublish, T::kPubrel, T::kDisconnect});
  const auto& connect = c.at<Connect>(0);
  REQUIRE(connect.will);
  CHECK(*connect.will == Will{"will/t", b("gone"), QoS::kAtLeastOnce, true, {}});
  CHECK(c.at<Publish>(1) == Publish{"a/b", b("two"), QoS::kExactlyOnce, false, false, 1, {}});
  CHECK(c.at<Pubrel>(2).packet_id == 1);
}

TEST_CASE("fixture: mosquitto_pub 5 QoS 0 with CONNECT and PUBLISH properties", "[mqtt][fixtures]") {
  const Capture c = load("mosquitto_pub_v5_qos0_props");
  CHECK(c.version == ProtocolVersion::v5);
  CHECK(c.types() == std::vector<T>{T::kConnect, T::kPublish, T::kDisconnect});
  const auto& connect = c.at<Connect>(0);
  CHECK(connect.client_id == "pub5");
  CHECK(connect.properties.session_expiry_interval == 60u);
  CHECK(connect.properties.user_properties == std::vector<UserProperty>{{"ck", "cv"}});
  CHECK(connect.properties.receive_maximum == 20);  // libmosquitto's default
  const auto& publish = c.at<Publish>(1);
  CHECK(publish.topic == "a/b");
  CHECK(publish.payload == b("hello"));
  CHECK(publish.properties.user_properties == std::vector<UserProperty>{{"a", "b"}});
  CHECK(publish.properties.content_type == "text/plain");
  CHECK(publish.properties.message_expiry_interval == 30u);
}

TEST_CASE("fixture: mosquitto_pub 5 QoS 1 retained, request/response properties", "[mqtt][fixtures]") {
  const Capture c = load("mosquitto_pub_v5_qos1_retain_auth");
  CHECK(c.types() == std::vector<T>{T::kConnect, T::kPublish, T::kDisconnect});
  const auto& connect = c.at<Connect>(0);
  CHECK(connect.username == "alice");
  CHECK(connect.password == b("secret"));
  const auto& publish = c.at<Publish>(1);
  CHECK(publish.qos == QoS::kAtLeastOnce);
  CHECK(publish.retain);
  CHECK(publish.packet_id == 1);
  CHECK(publish.properties.response_topic == "reply/here");
  CHECK(publish.properties.correlation_data == b("abc"));
  CHECK(publish.properties.payload_format_indicator == PayloadFormat::kUtf8);
}

TEST_CASE("fixture: mosquitto_pub 5 QoS 2 with will properties", "[mqtt][fixtures]") {
  const Capture c = load("mosquitto_pub_v5_qos2_will");
  CHECK(c.types() == std::vector<T>{T::kConnect, T::kPublish, T::kPubrel, T::kDisconnect});
  const auto& connect = c.at<Connect>(0);
  CHECK(connect.properties.maximum_packet_size == 1000u);
  REQUIRE(connect.will);
  CHECK(connect.will->topic == "will/t");
  CHECK(connect.will->payload == b("gone"));
  CHECK(connect.will->qos == QoS::kExactlyOnce);
  CHECK_FALSE(connect.will->retain);
  CHECK(connect.will->properties.will_delay_interval == 10u);
  CHECK(connect.will->properties.user_properties == std::vector<UserProperty>{{"w", "1"}});
  CHECK(c.at<Publish>(1) == Publish{"a/b", b("two"), QoS::kExactlyOnce, false, false, 1, {}});
  CHECK(c.at<Pubrel>(2) == Pubrel{1, ReasonCode::kSuccess, {}});
}

TEST_CASE("fixture: mosquitto_sub 3.1.1, two filters, unsubscribe, persistent session", "[mqtt][fixtures]") {
  const Capture c = load("mosquitto_sub_v311_multi");
  CHECK(c.types() == std::vector<T>{T::kConnect, T::kSubscribe, T::kUnsubscribe, T::kDisconnect});
  CHECK_FALSE(c.at<Connect>(0).clean_start);
  const auto& sub = c.at<Subscribe>(1);
  CHECK(sub.packet_id == 1);
  CHECK(sub.subscriptions ==
        std::vector<Subscription>{{"a/+", max_qos(QoS::kAtLeastOnce)}, {"b/#", max_qos(QoS::kAtLeastOnce)}});
  CHECK(c.at<Unsubscribe>(2) == Unsubscribe{2, {"old/x"}, {}});
}

TEST_CASE("fixture: mosquitto_sub 3.1.1 acknowledges a QoS 1 delivery", "[mqtt][fixtures]") {
  const Capture c = load("mosquitto_sub_v311_deliver_qos1");
  CHECK(c.types() == std::vector<T>{T::kConnect, T::kSubscribe, T::kPuback, T::kDisconnect});
  CHECK(c.at<Puback>(2).packet_id == 7);
}

TEST_CASE("fixture: mosquitto_sub 5, shared subscription, user properties", "[mqtt][fixtures]") {
  const Capture c = load("mosquitto_sub_v5_multi");
  CHECK(c.types() == std::vector<T>{T::kConnect, T::kSubscribe, T::kUnsubscribe, T::kDisconnect});
  const auto& connect = c.at<Connect>(0);
  CHECK_FALSE(connect.clean_start);
  CHECK(connect.properties.session_expiry_interval == 60u);
  const auto& sub = c.at<Subscribe>(1);
  CHECK(sub.properties.user_properties == std::vector<UserProperty>{{"s", "1"}});
  CHECK(sub.subscriptions == std::vector<Subscription>{{"a/+", max_qos(QoS::kExactlyOnce)},
                                                       {"$share/g/b/#", max_qos(QoS::kExactlyOnce)}});
  const auto& unsub = c.at<Unsubscribe>(2);
  CHECK(unsub.filters == std::vector<std::string>{"old/x"});
  CHECK(unsub.properties.user_properties == std::vector<UserProperty>{{"u", "2"}});
}

TEST_CASE("fixture: mosquitto_sub 5 completes a QoS 2 delivery", "[mqtt][fixtures]") {
  const Capture c = load("mosquitto_sub_v5_deliver_qos2");
  CHECK(c.types() == std::vector<T>{T::kConnect, T::kSubscribe, T::kPubrec, T::kPubcomp, T::kDisconnect});
  CHECK(c.at<Pubrec>(2) == Pubrec{7, ReasonCode::kSuccess, {}});
  CHECK(c.at<Pubcomp>(3) == Pubcomp{7, ReasonCode::kSuccess, {}});
}

TEST_CASE("fixture: paho-mqtt MQTTv311 session", "[mqtt][fixtures]") {
  const Capture c = load("paho_v311");
  CHECK(c.types() == std::vector<T>{T::kConnect, T::kSubscribe, T::kPublish, T::kPublish, T::kPublish, T::kPubrel,
                                    T::kPingreq, T::kPingreq, T::kUnsubscribe, T::kDisconnect});
  const auto& connect = c.at<Connect>(0);
  CHECK(connect.client_id == "paho_v311");
  CHECK(connect.keep_alive == 1);
  CHECK(connect.username == "alice");
  CHECK(connect.password == b("secret"));
  REQUIRE(connect.will);
  CHECK(*connect.will == Will{"will/paho", b("bye"), QoS::kAtLeastOnce, true, {}});
  CHECK(c.at<Subscribe>(1).subscriptions ==
        std::vector<Subscription>{{"a/+", max_qos(QoS::kAtLeastOnce)}, {"b/#", max_qos(QoS::kExactlyOnce)}});
  CHECK(c.at<Publish>(2) == Publish{"paho/t", b("q0"), QoS::kAtMostOnce, false, false, 0, {}});
  CHECK(c.at<Publish>(3) == Publish{"paho/t", b("q1"), QoS::kAtLeastOnce, false, false, 3, {}});
  CHECK(c.at<Publish>(4) == Publish{"paho/t", b("q2"), QoS::kExactlyOnce, true, false, 4, {}});
  CHECK(c.at<Pubrel>(5).packet_id == 4);
  CHECK(c.at<Unsubscribe>(8) == Unsubscribe{5, {"a/+", "b/#"}, {}});
}

TEST_CASE("fixture: paho-mqtt MQTTv5 session with properties everywhere", "[mqtt][fixtures]") {
  const Capture c = load("paho_v5");
  CHECK(c.types() == std::vector<T>{T::kConnect, T::kSubscribe, T::kPublish, T::kPublish, T::kPublish, T::kPubrel,
                                    T::kPingreq, T::kPingreq, T::kUnsubscribe, T::kDisconnect});
  const auto& connect = c.at<Connect>(0);
  CHECK(connect.client_id == "paho_v5");
  CHECK(connect.clean_start);
  CHECK(connect.properties.session_expiry_interval == 120u);
  CHECK(connect.properties.receive_maximum == 10);
  CHECK(connect.properties.user_properties == std::vector<UserProperty>{{"k", "v"}});
  REQUIRE(connect.will);
  CHECK(connect.will->topic == "will/paho");
  CHECK(connect.will->properties.will_delay_interval == 5u);
  CHECK(connect.will->properties.content_type == "text/plain");

  const auto& sub = c.at<Subscribe>(1);
  CHECK(sub.properties.subscription_identifiers == std::vector<std::uint32_t>{42});
  REQUIRE(sub.subscriptions.size() == 2);
  CHECK(sub.subscriptions[0] ==
        Subscription{"a/+", {QoS::kAtLeastOnce, true, true, RetainHandling::kDoNotSend}});
  CHECK(sub.subscriptions[1] == Subscription{"$share/g/b/#", max_qos(QoS::kExactlyOnce)});

  for (std::size_t i = 2; i <= 4; ++i) {
    const auto& p = c.at<Publish>(i);
    INFO("publish " << i);
    CHECK(p.topic == "paho/t");
    CHECK(p.qos == static_cast<QoS>(i - 2));
    CHECK(p.properties.payload_format_indicator == PayloadFormat::kUtf8);
    CHECK(p.properties.message_expiry_interval == 30u);
    CHECK(p.properties.content_type == "text/plain");
    CHECK(p.properties.response_topic == "reply/paho");
    CHECK(p.properties.correlation_data == Bytes{1, 2});
    CHECK(p.properties.user_properties == std::vector<UserProperty>{{"a", "1"}, {"b", "2"}});
  }
  CHECK(c.at<Publish>(4).retain);
  CHECK(c.at<Unsubscribe>(8).filters == std::vector<std::string>{"a/+", "$share/g/b/#"});
}

}  // namespace
}  // namespace herald::mqtt::test
