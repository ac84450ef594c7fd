// The gateway's side of the messaging core (core/include/herald/im_service.h, "herald.im.v1"):
//  * MQTT: `$im/` PUBLISHes are parsed with protocols/im_json and handed to the core; the PUBACK is
//    sent once the core answered (for a send: after SEND_ACK, i.e. after the commit); every answer
//    reaches the device's inbox `$im/inbox/<user>` as JSON entries (docs/protocol.md Part II).
//  * Binary: the BinaryRequestRouter of the binary front; requests go to the core as frames, answers
//    come back to the connection's loop through the Responder.
//  * Deliveries (the core's sink): PUSH frames to every connected device of a user. Binary devices get
//    PUSH frames with unacked entries retransmitted (same ids) on a backing-off timer until PUSH_ACK;
//    MQTT devices get one QoS 1 inbox PUBLISH per entry whose PUBACK becomes PUSH_ACK(versions=[v]).
//  * Rooms: per-loop tables room -> local members (recorded on a successful join), filled and read only
//    on their loop; deliver_room(loop, ...) posts there.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "herald/binary/frames.h"
#include "herald/gateway/auth/config_errors.h"
#include "herald/gateway/binary/request_router.h"
#include "herald/gateway/mqtt/broker.h"
#include "herald/gateway/mqtt/hooks.h"
#include "herald/gateway/session/session_registry.h"
#include "herald/im_service.h"
#include "herald/sdk.hpp"

namespace herald::gateway::im {

// The `im:` section of the gateway config (plugins/gateway/README.md, "IM").
struct ImConfig {
  std::chrono::milliseconds retransmit_interval{5000};  // first retransmission of an unacked PUSH entry
  std::chrono::milliseconds retransmit_max{60000};      // the interval doubles up to this
  uint32_t max_unacked = 1000;                          // unacked entries kept per binary connection
};
ImConfig parse_im_config(const YAML::Node& node, const std::string& path, auth::ConfigErrors& errors);

// Who asks the core: owned copies of herald_im_session's strings.
struct ImSession {
  std::string user;
  std::string device;
  std::string protocol;  // "mqtt" / "binary"
  std::string listener;
  std::string peer;
  uint32_t loop = UINT32_MAX;
};

class ImAdapter final : public mqtt::ReservedTopicHandler,
                        public binary::BinaryRequestRouter,
                        public mqtt::SessionObserver,
                        public std::enable_shared_from_this<ImAdapter> {
 public:
  // `registry` and `broker` outlive the adapter's use (the plugin detaches before stopping them).
  // Control thread (registers metrics).
  ImAdapter(sdk::Host host, ImConfig config, session::SessionRegistry& registry, mqtt::Broker& broker);
  ~ImAdapter() override;
  ImAdapter(const ImAdapter&) = delete;
  ImAdapter& operator=(const ImAdapter&) = delete;

  // MQTT session events are forwarded to `next` (the session registry's link) before the core hears.
  void set_next_observer(std::shared_ptr<mqtt::SessionObserver> next) { next_ = std::move(next); }

  // Control thread. Binds the core and attaches the delivery sink; nullptr: every IM request is
  // answered UNSUPPORTED_FEATURE.
  void attach(const herald_im_service_v1* service);
  // Control thread: detaches the sink; later requests are answered UNSUPPORTED_FEATURE and late
  // answers of the core are dropped.
  void detach();
  bool attached() const { return service_.load(std::memory_order_acquire) != nullptr; }

  // mqtt::ReservedTopicHandler
  void on_publish(mqtt::ReservedPublish publish, std::function<void(herald_reason, std::string)> done) override;
  // mqtt::SessionObserver
  void on_session_online(const mqtt::SessionEvent& event) override;
  void on_session_offline(const mqtt::SessionEvent& event, mqtt::SessionEndCause cause) override;
  // binary::BinaryRequestRouter
  uint64_t user_version(const binary::SessionInfo& session) override;
  void on_session_open(const std::shared_ptr<binary::BinaryConnectionHandle>& connection) override;
  void on_request(const binary::SessionInfo& session, herald::binary::Frame frame, binary::Responder responder) override;
  void on_session_closed(const binary::SessionInfo& session, binary::SessionEnd end) override;

  // The sink's calls (public for tests; the core calls them through the C table).
  void deliver(std::string_view user, std::string_view except_device, std::string_view push_frame);
  void deliver_room(uint32_t loop, std::string_view room, std::string_view push_frame);
  void room_left(std::string_view room, std::string_view user, std::string_view device);

  // Tests: loop thread of `loop` only.
  size_t unacked(uint32_t loop, uint64_t connection_id) const;
  size_t room_members(uint32_t loop, std::string_view room) const;

 private:
  struct BinaryConn;
  struct Member {
    session::Protocol protocol = session::Protocol::kBinary;
    std::string user;
    std::string device;  // binary device id / MQTT client id
    uint64_t connection_id = 0;
    std::shared_ptr<binary::BinaryConnectionHandle> handle;  // binary only
  };
  // Only touched on its own loop.
  struct LoopState {
    std::unordered_map<uint64_t, std::shared_ptr<BinaryConn>> conns;
    std::unordered_map<std::string, std::map<std::string, Member>> rooms;  // room -> device -> member
  };
  using ReplyFn = std::function<void(std::optional<herald::binary::Frame>)>;

  const herald_im_service_v1* service() const { return service_.load(std::memory_order_acquire); }
  // Encodes `body` and asks the core; `on_reply` gets the decoded answer (nullopt: none / undecodable).
  bool call(const ImSession& session, const herald::binary::FrameBody& body, ReplyFn on_reply);
  void run_on(uint32_t loop, std::function<void()> fn) const;
  void publish_inbox(const std::string& client_id, const std::string& user, const std::vector<std::string>& entries);
  void push_binary(uint32_t loop, uint64_t connection_id, const herald::binary::PushFrame& push);
  void send_entries(BinaryConn& conn, const std::vector<herald::binary::TimelineEntry>& entries, uint32_t badge);
  void arm_retransmit(uint32_t loop, uint64_t connection_id, BinaryConn& conn);
  void on_retransmit(uint32_t loop, uint64_t connection_id);
  void join_room(uint32_t loop, const std::string& room, Member member);
  void leave_room(uint32_t loop, const std::string& room, const std::string& device);
  void leave_all_rooms(uint32_t loop, const std::string& device, uint64_t connection_id);
  void session_event(const ImSession& session, bool opened);

  static void sink_deliver(void* arg, herald_str user, herald_str except_device, herald_str push_frame);
  static void sink_deliver_room(void* arg, uint32_t loop, herald_str room, herald_str push_frame);
  static void sink_room_left(void* arg, herald_str room, herald_str user, herald_str device);

  sdk::Host host_;
  ImConfig config_;
  session::SessionRegistry& registry_;
  mqtt::Broker& broker_;
  std::shared_ptr<mqtt::SessionObserver> next_;
  std::atomic<const herald_im_service_v1*> service_{nullptr};
  const herald_im_service_v1* attached_service_ = nullptr;  // control thread: the one the sink is on
  herald_im_sink_v1 sink_{};
  std::vector<LoopState> loops_;

  sdk::Metric requests_mqtt_;
  sdk::Metric requests_binary_;
  sdk::Metric refused_;
  sdk::Metric push_entries_mqtt_;
  sdk::Metric push_entries_binary_;
  sdk::Metric retransmits_;
  sdk::Metric unacked_dropped_;
  // herald_delivery_latency_seconds{protocol}: a message's commit (its ts) to the device's ack.
  sdk::Metric delivery_latency_mqtt_;
  sdk::Metric delivery_latency_binary_;
  sdk::Metric room_deliveries_;
  sdk::Metric room_fanout_;
};

}  // namespace herald::gateway::im
