// One MQTT client connection: incremental decoding, CONNECT/auth/CONNACK, keepalive, the inbound
// publish path (ACL, reserved topics, pipeline gate, per-client order) and the wire side of the
// session's outbound flow. Lives on the connection's loop; async answers hop back with Host::post and
// find it through a weak_ptr.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "broker_core.h"
#include "herald/mqtt/decoder.h"
#include "herald/mqtt/encoder.h"
#include "net/lazy_deque.h"
#include "net/transport.h"

namespace herald::gateway::mqtt {

class MqttConnection : public std::enable_shared_from_this<MqttConnection> {
 public:
  MqttConnection(std::shared_ptr<BrokerCore> core, Transport& transport);
  ~MqttConnection();

  void start();  // arms the CONNECT timeout
  void on_data(std::span<const uint8_t> bytes);
  void on_close(CloseCause cause);

  // --- called by BrokerCore on this loop ---
  void attached(const CellPtr& cell, bool session_present);
  // Another connection took the session: DISCONNECT 0x8E, close. Publishes our will unless the new
  // connection resumes the session (then a will delay cancels it).
  void taken_over(bool session_resumed);
  // The net layer destroyed the handler without on_close.
  void abandon();
  // Encodes one PUBLISH for the session; false when it exceeds the client's Maximum Packet Size.
  bool send_publish(const OutMsg& out);
  void send_pubrel(uint16_t packet_id, m::ReasonCode rc = m::ReasonCode::kSuccess);
  uint32_t window() const { return window_; }
  bool closed() const { return closed_; }
  // Server-initiated disconnect (v5 DISCONNECT with `rc` first), then close.
  void disconnect(m::ReasonCode rc, std::string_view reason = {}, DisconnectLabel label = DisconnectLabel::kProtocolError);
  uint32_t loop() const { return loop_; }
  uint64_t connection_id() const { return connection_id_; }

 private:
  enum class State { kAwaitConnect, kAuthenticating, kAttaching, kConnected, kClosing, kClosed };
  struct Inbound {
    m::Publish publish;
    bool reserved = false;
    bool started = false;
    bool done = false;
    DropLabel drop = DropLabel::kRejected;
    bool accepted = true;
    herald_reason reason = HERALD_REASON_OK;
    std::string text;
  };

  void process();
  void handle(m::Packet&& packet);
  void handle_connect(m::Connect&& c);
  void auth_done(ConnectResult result);
  void refuse(m::ReasonCode rc, ConnectResultLabel label, std::string_view text = {});
  void handle_publish(m::Publish&& p);
  void handle_subscribe(m::Subscribe&& s);
  void handle_unsubscribe(m::Unsubscribe&& u);
  void handle_pubrel(const m::Pubrel& p);
  void handle_disconnect(const m::Disconnect& d);
  void pump_inbound();
  void start_reserved_behind();  // pump_inbound: $im/ requests behind a pending one
  void start_inbound(const std::shared_ptr<Inbound>& item);
  void finish_inbound(Inbound& item);
  void ack_publish(uint16_t packet_id, m::QoS qos, m::ReasonCode rc, std::string_view text);
  void decode_failed(const m::DecodeResult& r);
  void check_keepalive();
  template <class P>
  bool send(const P& packet, uint32_t limit = 0);
  void close_transport(bool flush = true);
  SessionEvent session_event() const;
  bool problem_info() const { return request_problem_info_; }
  uint8_t subscribe_code(const m::Subscription& sub, uint32_t sub_id, bool& ok);

  std::shared_ptr<BrokerCore> core_;
  Transport* transport_;
  uint32_t loop_;
  uint64_t connection_id_;
  std::string listener_, peer_;
  bool observed_ = false;  // the SessionObserver was told this connection is online
  State state_ = State::kAwaitConnect;
  bool closed_ = false;
  bool taken_over_ = false;
  bool normal_disconnect_ = false;  // DISCONNECT 0x00 received: no will
  bool will_by_request_ = false;    // DISCONNECT 0x04
  DisconnectLabel close_label_ = DisconnectLabel::kPeerClosed;
  bool close_label_set_ = false;

  std::vector<uint8_t> buffer_;  // partial packet bytes
  m::DecodeOptions decode_;
  std::vector<uint8_t> out_;     // encode scratch
  // Outbound PUBLISH scratch (capacity reused); the will and the scratch (~540 B each) are behind
  // pointers so an idle connection without a will does not carry them (docs/performance.md).
  std::unique_ptr<m::Publish> scratch_;

  // From CONNECT.
  std::string client_id_;
  std::string user_;
  m::ProtocolVersion version_ = m::ProtocolVersion::v5;
  bool assigned_id_ = false;
  uint32_t expiry_ = 0;
  bool expiry_capped_ = false;
  uint16_t keepalive_ = 0;
  bool keepalive_overridden_ = false;
  uint32_t client_max_packet_ = m::kMaxPacketSize;
  uint32_t window_ = 20;
  bool request_problem_info_ = true;
  std::unique_ptr<m::Will> will_;
  uint32_t will_delay_ = 0;

  CellPtr cell_;
  std::unordered_map<uint16_t, std::string> aliases_in_;
  LazyDeque<std::shared_ptr<Inbound>> inbound_;
  bool pumping_ = false;
  bool pumping_process_ = false;
  bool clean_start_ = true;
  std::optional<uint32_t> new_expiry_;  // Session Expiry from the client's DISCONNECT
  uint32_t inbound_unacked_ = 0;                 // QoS 1/2 publishes not yet fully acknowledged
  std::unordered_set<uint16_t> pending_qos2_;    // QoS 2 ids still in the gate

  sdk::Timer connect_timer_;
  sdk::Timer keepalive_timer_;
  uint64_t last_rx_ms_ = 0;
};

// The ProtocolHandler the net layer owns; forwards to the shared connection state.
class MqttHandler : public ProtocolHandler {
 public:
  MqttHandler(std::shared_ptr<BrokerCore> core, Transport& transport);
  ~MqttHandler() override;
  void on_data(std::span<const uint8_t> bytes) override { conn_->on_data(bytes); }
  void on_close(CloseCause cause) override { conn_->on_close(cause); }

 private:
  std::shared_ptr<MqttConnection> conn_;
};

// The MQTT 5 byte a Herald reason maps to, restricted to what PUBACK/PUBREC may carry.
m::ReasonCode puback_code_for(herald_reason reason);
// The MQTT 5 byte of any Herald reason (reason_codes.h).
uint8_t mqtt5_byte(herald_reason reason);
uint64_t steady_ms();

}  // namespace herald::gateway::mqtt
