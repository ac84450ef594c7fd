// Test harness for the MQTT broker front: real host loops and host API (herald_core), a Broker over
// them, and in-process clients that talk through a FakeTransport by encoding packets with the codec
// and decoding the broker's answers. Every wait is bounded (futures / condition variables with
// deadlines), never a sleep used as synchronisation.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "herald/gateway/mqtt/broker.h"
#include "herald/mqtt/mqtt.h"
#include "loop/loop_group.h"
#include "metrics/metrics_registry.h"
#include "plugin/host_api.h"
#include "test_files.h"
#include "support/gateway_test_host.h"

namespace herald::gateway::mqtt::test {

namespace m = herald::mqtt;
using namespace std::chrono_literals;

using herald::gateway::test::Env;
using herald::gateway::test::FakeTransport;
using herald::gateway::test::on_loop;

struct ClientOptions {
  uint32_t loop = 0;
  m::ProtocolVersion version = m::ProtocolVersion::v5;
  bool allow_anonymous = true;
  uint32_t listener_max_packet = 1 << 20;
  std::string listener = "mqtt-test";
};

class Client {
 public:
  Client(Env& env, Broker& broker, ClientOptions o = {}) : host_(env.host()), version_(o.version) {
    static std::atomic<uint64_t> ids{1};
    ConnectionInfo info;
    info.id = ids++;
    info.loop = o.loop;
    info.listener = o.listener;
    info.peer = "127.0.0.1:" + std::to_string(40000 + info.id);
    info.peer_ip = "127.0.0.1";
    info.allow_anonymous = o.allow_anonymous;
    info.max_packet_size = o.listener_max_packet;
    transport_ = std::make_unique<FakeTransport>(host_, info);
    on_loop(host_, info.loop, [&] { transport_->handler = broker.make_handler(*transport_); });
  }
  ~Client() {
    on_loop(host_, transport_->info().loop, [&] {
      transport_->finish_close(CloseCause::kPeerClosed);
      transport_->handler.reset();
    });
  }

  void send_bytes(std::vector<uint8_t> bytes) {
    on_loop(host_, transport_->info().loop, [&] {
      if (transport_->handler && !transport_->closed_) transport_->handler->on_data(bytes);
    });
  }
  template <class P>
  void send(const P& packet) {
    std::vector<uint8_t> out;
    REQUIRE(m::encode(packet, version_, out) == m::EncodeError::kNone);
    send_bytes(std::move(out));
  }

  // The next packet from the broker, or nullopt after `timeout`.
  std::optional<m::Packet> next(std::chrono::milliseconds timeout = 3s) {
    std::unique_lock lock(transport_->mu_);
    std::optional<m::Packet> out;
    transport_->cv_.wait_for(lock, timeout, [&] {
      if (transport_->rx_.empty()) return false;
      m::DecodeOptions d;
      d.version = version_;
      d.sender = m::Sender::kServer;
      d.limits.max_packet_size = m::kMaxPacketSize;
      auto r = m::decode(transport_->rx_, d);
      if (r.status == m::DecodeStatus::kNeedMore) return false;
      REQUIRE(r.status == m::DecodeStatus::kOk);
      transport_->rx_.erase(transport_->rx_.begin(), transport_->rx_.begin() + static_cast<long>(r.consumed));
      out = std::move(r.packet);
      return true;
    });
    return out;
  }
  template <class P>
  P expect(std::chrono::milliseconds timeout = 3s) {
    auto p = next(timeout);
    INFO("expected packet type " << static_cast<int>(m::type_of(m::Packet(P{}))));
    REQUIRE(p.has_value());
    INFO("got packet type " << static_cast<int>(m::type_of(*p)));
    REQUIRE(std::holds_alternative<P>(*p));
    return std::get<P>(std::move(*p));
  }
  // True when nothing arrives within `quiet`.
  bool silent(std::chrono::milliseconds quiet = 200ms) { return !next(quiet).has_value(); }
  bool wait_closed(std::chrono::milliseconds timeout = 3s) {
    std::unique_lock lock(transport_->mu_);
    return transport_->cv_.wait_for(lock, timeout, [&] { return transport_->closed_; });
  }
  // The network drops (no DISCONNECT): abnormal close.
  void drop() {
    on_loop(host_, transport_->info().loop, [&] { transport_->finish_close(CloseCause::kNetworkError); });
  }

  m::Connack connect(const std::string& client_id, bool clean = true, std::optional<std::string> user = std::nullopt,
                     std::optional<std::string> password = std::nullopt, m::Properties props = {},
                     std::optional<m::Will> will = std::nullopt, uint16_t keep_alive = 60) {
    m::Connect c;
    c.version = version_;
    c.client_id = client_id;
    c.clean_start = clean;
    c.keep_alive = keep_alive;
    c.username = user;
    if (password) c.password = m::Bytes(password->begin(), password->end());
    c.properties = std::move(props);
    c.will = std::move(will);
    send(c);
    return expect<m::Connack>();
  }
  m::Suback subscribe(const std::string& filter, m::QoS qos = m::QoS::kAtLeastOnce, uint32_t sub_id = 0,
                      m::SubscribeOptions opts = {}) {
    m::Subscribe s;
    s.packet_id = next_id_++;
    opts.max_qos = qos;
    s.subscriptions.push_back({filter, opts});
    if (sub_id) s.properties.subscription_identifiers.push_back(sub_id);
    send(s);
    return expect<m::Suback>();
  }
  void publish(const std::string& topic, const std::string& payload, m::QoS qos = m::QoS::kAtMostOnce,
               bool retain = false, uint16_t packet_id = 0, m::Properties props = {}) {
    m::Publish p;
    p.topic = topic;
    p.payload = m::Bytes(payload.begin(), payload.end());
    p.qos = qos;
    p.retain = retain;
    p.packet_id = qos == m::QoS::kAtMostOnce ? 0 : (packet_id ? packet_id : next_id_++);
    p.properties = std::move(props);
    send(p);
  }
  void disconnect(m::ReasonCode rc = m::ReasonCode::kNormalDisconnection) {
    m::Disconnect d;
    d.reason_code = rc;
    send(d);
    wait_closed();
  }
  FakeTransport& transport() { return *transport_; }

 private:
  sdk::Host host_;
  m::ProtocolVersion version_;
  std::unique_ptr<FakeTransport> transport_;
  uint16_t next_id_ = 1;
};

inline std::string text(const m::Bytes& b) { return std::string(b.begin(), b.end()); }

inline BrokerConfig test_config(const Env& env, bool storage = true) {
  BrokerConfig c;
  if (storage) c.storage_path = env.file("mqtt.db");
  c.commit_interval_ms = 2;
  return c;
}

// A broker started on the env (stopped at scope exit).
class TestBroker {
 public:
  TestBroker(Env& env, BrokerConfig config) : broker(env.host(), std::move(config)) {}
  void start() {
    auto err = broker.start();
    INFO((err ? *err : std::string()));
    REQUIRE(!err);
  }
  ~TestBroker() { broker.stop(); }
  Broker broker;
};

}  // namespace herald::gateway::mqtt::test
