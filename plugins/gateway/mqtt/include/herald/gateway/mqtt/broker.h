// The MQTT broker front of the gateway: one Broker per plugin owns sessions, subscriptions, retained
// messages and their storage; it makes one MqttHandler per client connection (net/transport.h).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "herald/gateway/mqtt/hooks.h"
#include "herald/mqtt/packets.h"
#include "herald/sdk.hpp"
#include "net/transport.h"

namespace herald::gateway::mqtt {

// Every key is documented with its default in plugins/gateway/mqtt/README.md.
struct BrokerConfig {
  uint32_t max_inflight = 20;        // outbound QoS 1/2 window per session (also capped by the client's Receive Maximum)
  uint32_t max_queued = 1000;        // messages waiting per session beyond the window
  enum class Overflow : uint8_t { kDropNew, kDropOldest } queue_overflow = Overflow::kDropNew;
  bool queue_qos0_offline = false;   // Mosquitto's queue_qos0_messages
  uint32_t session_expiry_max = 0xFFFFFFFFu;  // seconds; caps v5 Session Expiry and 3.1.1 clean session=0
  uint16_t keepalive_max = 0;        // seconds; v5 clients asking more (or 0) are told Server Keep Alive (0 = no cap)
  uint16_t server_keep_alive = 0;    // seconds; v5: impose this keepalive on every client (0 = honour the client)
  uint16_t topic_alias_maximum = 10; // inbound aliases a v5 client may use
  uint16_t receive_maximum = 100;    // inbound unacknowledged QoS 1/2 publishes we accept per connection
  uint32_t max_packet_size = 1u << 20;  // bytes, also capped by the listener's ConnectionInfo::max_packet_size
  bool retain_available = true;
  uint32_t max_topic_levels = 128;   // 0 = unlimited
  bool wildcard_subscriptions = true;
  bool shared_subscriptions = true;
  bool subscription_identifiers = true;
  herald::mqtt::QoS maximum_qos = herald::mqtt::QoS::kExactlyOnce;
  std::string pipeline;              // inbound pipeline name; empty: route directly
  std::string storage_path;          // SQLite file; empty: nothing persists (memory only)
  uint32_t commit_interval_ms = 5;   // group-commit window of the storage thread
  bool storage_sync_full = false;    // SQLite synchronous=FULL (survives power loss) instead of NORMAL
  uint32_t connect_timeout_ms = 10000;  // time allowed between TCP accept and a complete CONNECT
  bool wills_on_shutdown = false;    // publish wills of clients cut by a herald shutdown
};

// Counters for tests and the admin API (loop-safe snapshots).
struct BrokerStats {
  uint64_t sessions_online = 0;
  uint64_t sessions_offline = 0;
  uint64_t subscriptions = 0;
  uint64_t retained = 0;
  uint64_t posts = 0;  // Host::post calls made to deliver messages (fan-out batching check)
};

class BrokerCore;

class Broker {
 public:
  Broker(sdk::Host host, BrokerConfig config);
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  // Install before start(); not changed afterwards. Without a ConnectAuthorizer every CONNECT that the
  // listener's allow_anonymous rule admits is accepted with user = username (or "" when anonymous).
  void set_connect_authorizer(std::shared_ptr<ConnectAuthorizer> authorizer);
  void set_topic_authorizer(std::shared_ptr<TopicAuthorizer> authorizer);  // none: allow all
  void set_publish_gate(std::shared_ptr<PublishGate> gate);                // none: route directly
  void set_reserved_topic_handler(std::shared_ptr<ReservedTopicHandler> handler);
  void set_session_observer(std::shared_ptr<SessionObserver> observer);  // none: nobody is told

  // Control thread, loops running: opens the store and restores sessions and retained messages.
  // Returns an error text on failure (nothing is started then).
  std::optional<std::string> start();
  // Control thread, loops still running: flushes and closes the store. Connections are closed by the
  // net layer (each handler sees on_close(kShutdown)); call disconnect_all() first to send them a v5
  // DISCONNECT 0x8B while their transports still exist.
  void stop();
  // Control thread: every loop sends DISCONNECT 0x8B (v5) to its clients and closes them; waits up to
  // `timeout_ms` for the loops to have done it.
  void disconnect_all(uint32_t timeout_ms = 2000);

  // The net layer's factory for MQTT listeners (called on the connection's loop).
  HandlerFactory handler_factory();
  std::unique_ptr<ProtocolHandler> make_handler(Transport& transport);

  // Any thread: routes a message as if a client had published it (no ACL, no pipeline).
  void publish(std::string topic, herald::mqtt::Bytes payload, herald::mqtt::QoS qos, bool retain,
               herald::mqtt::Properties properties = {});
  // Any thread: delivers to the session of `client_id` only, QoS 1. `on_result` runs on that session's
  // loop when the client's PUBACK arrives (kAcked), or when the message is given up (kDropped), or at
  // once on the calling thread when no such session exists (kNoSession). Queued while the session is
  // offline; the callback is not persisted (kPersist: after a restart the message is still
  // redelivered, and nobody is told; kMemory: a restart forgets it, see SessionStorage).
  void deliver(std::string_view client_id, std::string topic, herald::mqtt::Bytes payload,
               herald::mqtt::Properties properties, std::function<void(DeliveryOutcome)> on_result,
               SessionStorage storage = SessionStorage::kPersist);

  // Any thread: the live connection of `client_id` gets a v5 DISCONNECT with `reason`'s MQTT 5 byte
  // (SESSION_TAKEN_OVER 0x8E, ADMINISTRATIVE_ACTION 0x98, ...; a byte DISCONNECT may not carry becomes
  // 0x98) and the reason string `text`, then is closed (3.1.1: closed). The session itself follows
  // its expiry as after any disconnect. `connection_id` != 0: only if that connection is still the
  // live one, so a kick aimed at an old connection never hits its successor. Nothing happens when the
  // client is not connected.
  void disconnect_client(std::string_view client_id, herald_reason reason, std::string text,
                         uint64_t connection_id = 0);

  // Tests and tools: waits until every storage mutation queued so far is committed.
  void flush_storage();
  BrokerStats stats() const;
  const BrokerConfig& config() const;

 private:
  std::shared_ptr<BrokerCore> core_;
};

}  // namespace herald::gateway::mqtt
