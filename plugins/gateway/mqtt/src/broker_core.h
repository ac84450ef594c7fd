// The broker engine behind Broker: the client-id registry (takeover), the subscription index, the
// retained store, storage, routing with per-loop batched fan-out, and session lifecycle. Methods that
// take a CellPtr run on that cell's owner loop unless they say "any thread".
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "broker_metrics.h"
#include "herald/gateway/mqtt/broker.h"
#include "retained_store.h"
#include "session.h"
#include "session_store.h"
#include "subscription_trie.h"

namespace herald::gateway::mqtt {

// What a connection asks for when its CONNECT was accepted.
struct AttachRequest {
  std::string client_id;
  std::string user;
  m::ProtocolVersion version = m::ProtocolVersion::v5;
  bool clean_start = true;
  uint32_t expiry_interval = 0;  // already capped by config
};

// One message for one session, as routing hands it to the session's loop.
struct Delivery {
  CellPtr cell;
  m::QoS qos = m::QoS::kAtMostOnce;
  bool retain = false;
  std::vector<uint32_t> sub_ids;
};

class BrokerCore : public std::enable_shared_from_this<BrokerCore> {
 public:
  BrokerCore(sdk::Host host, BrokerConfig config);

  std::optional<std::string> start();
  void stop();
  void disconnect_all(uint32_t timeout_ms);

  // --- session lifecycle (session.cc) ---
  // Connection loop: find or create the session, take over a live one, hand it to this loop.
  void attach(const std::shared_ptr<MqttConnection>& conn, AttachRequest req);
  // Owner loop: the connection is gone. `will` is published now or after its delay.
  void detach(const CellPtr& cell, MqttConnection* conn, MessagePtr will, uint32_t will_delay,
              std::optional<uint32_t> new_expiry);
  // Owner loop: the session ends (expiry, clean start, expiry 0 at disconnect).
  void end_session(const CellPtr& cell);

  // --- subscriptions (subscriptions.cc) ---
  // Owner loop, for the session's own SUBSCRIBE. Returns true when the subscription is new.
  bool add_subscription(const CellPtr& cell, const std::string& filter, const m::SubscribeOptions& options,
                        uint32_t sub_id, bool implicit);
  // Returns false when no such (removable) subscription existed.
  bool remove_subscription(const CellPtr& cell, std::string_view filter);
  void send_retained(const CellPtr& cell, std::string_view filter, const m::SubscribeOptions& options, uint32_t sub_id);

  // --- delivery (delivery.cc) ---
  // Any thread: retained update + fan-out, one post per target loop.
  void route(const MessagePtr& msg);
  // Owner loop (forwards otherwise): one message into one session.
  void deliver_local(const CellPtr& cell, const MessagePtr& msg, m::QoS qos, bool retain,
                     std::vector<uint32_t> sub_ids, std::function<void(DeliveryOutcome)> on_result = {});
  // Owner loop: sends queued messages while the window allows.
  void pump(const CellPtr& cell);
  // Owner loop: resend of the whole window after a (re)connect.
  void resend_inflight(const CellPtr& cell);
  void on_puback(const CellPtr& cell, uint16_t packet_id);
  void on_pubrec(const CellPtr& cell, uint16_t packet_id, m::ReasonCode rc);
  void on_pubcomp(const CellPtr& cell, uint16_t packet_id);
  // Any thread.
  void deliver_to_client(std::string_view client_id, MessagePtr msg, std::function<void(DeliveryOutcome)> on_result);

  // --- wills (will_scheduler.cc) ---
  void publish_will(const MessagePtr& will, const std::string& user, const std::string& client_id);
  void schedule_will(const CellPtr& cell, MessagePtr will, const std::string& user, uint32_t delay_s);
  void fire_delayed_will(const CellPtr& cell);

  // Storage helpers (owner loop).
  void persist_session(const CellPtr& cell, uint64_t disconnected_at_ms);
  void finish_out(const CellPtr& cell, OutMsg& out, DeliveryOutcome outcome);

  const BrokerConfig& config() const { return config_; }
  const sdk::Host& host() const { return host_; }
  const BrokerMetrics& metrics() const { return metrics_; }
  BrokerStats stats() const;
  uint32_t loop_count() const { return loop_count_; }

  // Hooks (set before start()).
  std::shared_ptr<ConnectAuthorizer> connect_auth;
  std::shared_ptr<TopicAuthorizer> topic_auth;
  std::shared_ptr<PublishGate> gate;
  std::shared_ptr<ReservedTopicHandler> reserved;
  std::shared_ptr<SessionObserver> observer;

  // Any thread (session.cc): see Broker::disconnect_client.
  void disconnect_client(std::string_view client_id, herald_reason reason, std::string text, uint64_t connection_id);

  SessionStore& store() { return store_; }
  SubscriptionTrie& trie() { return trie_; }
  RetainedStore& retained() { return retained_; }

  // Connections per loop (for disconnect_all); loop thread only for its own index.
  void register_connection(uint32_t loop, MqttConnection* conn);
  void unregister_connection(uint32_t loop, MqttConnection* conn);
  bool shutting_down() const { return shutting_down_.load(std::memory_order_relaxed); }

  std::atomic<int64_t> online_count{0};
  std::atomic<int64_t> offline_count{0};
  std::atomic<uint64_t> posts{0};

 private:
  void restore(StoreSnapshot& snap);
  void handover(const CellPtr& cell, std::weak_ptr<MqttConnection> conn, AttachRequest req, uint32_t to_loop);
  void adopt(const CellPtr& cell, std::weak_ptr<MqttConnection> conn, AttachRequest req, bool present);
  void kick_cell(const CellPtr& cell, herald_reason reason, std::string text, uint64_t connection_id, int hops);
  void enqueue(const CellPtr& cell, OutMsg out);
  void arm_expiry(const CellPtr& cell);
  void set_presence(const CellPtr& cell, Presence p);
  // Runs fn on every loop and waits (bounded) until all ran.
  void on_every_loop(const std::function<void(uint32_t loop)>& fn, uint32_t timeout_ms);
  bool post_loop(uint32_t loop, std::function<void()> fn);
  std::vector<CellPtr> cells_snapshot();

  sdk::Host host_;
  BrokerConfig config_;
  uint32_t loop_count_ = 1;
  BrokerMetrics metrics_;
  SubscriptionTrie trie_;
  RetainedStore retained_;
  SessionStore store_;

  std::mutex registry_mutex_;
  std::unordered_map<std::string, CellPtr> sessions_;

  std::vector<std::vector<MqttConnection*>> connections_;  // per loop, touched only by that loop
  std::atomic<bool> shutting_down_{false};
  bool started_ = false;
};

// Owner-loop check used by every cell operation: true when the calling thread is `loop`.
uint32_t current_loop(const sdk::Host& host);

}  // namespace herald::gateway::mqtt
