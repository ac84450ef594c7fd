// The seams the MQTT broker front calls out through: connect authentication, topic ACLs, the inbound
// pipeline gate and the reserved `$im/` topic hook. The plugin wiring implements them over the auth
// library and the host's pipelines; tests implement them in-process.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "herald/mqtt/packets.h"
#include "herald/reason_codes.h"

namespace herald::gateway::mqtt {

// What a CONNECT presents. The password is handed to the authorizer only; the broker never logs it.
struct ConnectCredentials {
  std::string client_id;
  std::optional<std::string> username;
  std::optional<std::string> password;  // raw bytes of the MQTT password field
  std::string listener;
  std::string peer;        // "ip:port"
  std::string peer_ip;
  std::string tls_client_subject;
  herald::mqtt::ProtocolVersion version = herald::mqtt::ProtocolVersion::v5;
};

struct ConnectResult {
  bool ok = false;
  std::string user;  // the authenticated user id (may differ from the username, e.g. a JWT subject)
  // On refusal: a Herald reason (reason_codes.h). BAD_CREDENTIALS / TOKEN_EXPIRED → v5 0x86, 3.1.1
  // return code 4; NOT_AUTHORIZED / BANNED / others → their MQTT 5 byte, 3.1.1 return code 5.
  herald_reason reason = HERALD_REASON_OK;
  std::string text;  // v5 Reason String when the client accepts problem information
};

// Asynchronous so a token check may go to a worker thread. `done` may run on any thread, exactly once;
// the broker hops back to the connection's loop before touching its state.
class ConnectAuthorizer {
 public:
  virtual ~ConnectAuthorizer() = default;
  virtual void authorize(const ConnectCredentials& credentials, std::function<void(ConnectResult)> done) = 0;
};

// Synchronous topic ACL (an in-memory rule table); called on loop threads, possibly several at once.
class TopicAuthorizer {
 public:
  virtual ~TopicAuthorizer() = default;
  // `filter` is the full filter as subscribed, "$share/<group>/<f>" included.
  virtual bool check_subscribe(std::string_view user, std::string_view client_id, std::string_view filter) = 0;
  virtual bool check_publish(std::string_view user, std::string_view client_id, std::string_view topic) = 0;
};

// The well-known envelope fields of one inbound PUBLISH (borrowed for the duration of submit()).
struct PublishFields {
  std::string_view pipeline;  // BrokerConfig::pipeline
  std::string_view user;      // :user
  std::string_view client_id; // :device
  std::string_view topic;     // :topic
  std::string_view listener;  // :listener
  std::string_view peer;      // :peer
  uint8_t qos = 0;            // :qos
  bool retain = false;        // :retain
};

struct GateResult {
  bool accepted = true;  // continue → route; false → reject
  herald_reason reason = HERALD_REASON_OK;
  std::string text;
  std::optional<std::string> payload;  // set when a stage rewrote the payload (e.g. a filter's mask)
};

// Runs one publish through the inbound pipeline. `done` runs exactly once, on `loop` (possibly inline,
// before submit returns). The gate copies the payload into the envelope; the caller keeps it unchanged
// until `done` runs, so the gate can tell whether a stage rewrote it (GateResult::payload).
class PublishGate {
 public:
  virtual ~PublishGate() = default;
  virtual void submit(const PublishFields& fields, std::string_view payload, uint32_t loop,
                      std::function<void(GateResult)> done) = 0;
};

// A PUBLISH on a reserved `$im/...` topic, handed to the IM core instead of being routed.
struct ReservedPublish {
  std::string user;
  std::string client_id;
  std::string topic;
  herald::mqtt::Bytes payload;
  herald::mqtt::QoS qos = herald::mqtt::QoS::kAtMostOnce;
  herald::mqtt::Properties properties;  // v5 properties as received (topic alias resolved and removed)
  std::string listener;
  std::string peer;
  uint32_t loop = 0;  // the connection's loop
};

// Installed by the IM core. `done(reason, text)` may run on any thread, once: HERALD_REASON_OK → PUBACK
// 0x00; anything else → the reason's MQTT 5 byte in PUBACK/PUBREC (v5), ack and drop (3.1.1).
class ReservedTopicHandler {
 public:
  virtual ~ReservedTopicHandler() = default;
  virtual void on_publish(ReservedPublish publish, std::function<void(herald_reason, std::string)> done) = 0;
};

// A session's live connection, as reported to a SessionObserver.
struct SessionEvent {
  std::string client_id;
  std::string user;            // "" for anonymous clients
  uint64_t connection_id = 0;  // ConnectionInfo::id of the connection
  uint32_t loop = 0;           // the connection's loop
  std::string listener;
  std::string peer;
  herald::mqtt::ProtocolVersion version = herald::mqtt::ProtocolVersion::v5;
};

// Why a session's connection ended.
enum class SessionEndCause : uint8_t {
  kDisconnect,     // the client sent DISCONNECT
  kTakenOver,      // another connection with the same client id took the session
  kKicked,         // Broker::disconnect_client
  kKeepalive,      // keep alive timeout
  kProtocolError,  // the broker closed it for a protocol violation
  kNetworkError,   // dropped, peer closed, too slow
  kShutdown,       // herald stopping
};

// Lets the session registry follow MQTT sessions. Both calls run on the connection's loop: online
// right after a successful CONNACK, offline once per online when that connection ends (for a
// takeover, usually after the new connection's online: match by connection_id).
class SessionObserver {
 public:
  virtual ~SessionObserver() = default;
  virtual void on_session_online(const SessionEvent& event) = 0;
  virtual void on_session_offline(const SessionEvent& event, SessionEndCause cause) = 0;
};

// The outcome of Broker::deliver (the IM delivery ack).
enum class DeliveryOutcome : uint8_t {
  kAcked,      // the client's PUBACK arrived
  kNoSession,  // no session with that client id
  kDropped,    // the session ended, the queue was full, the message expired or exceeded the packet size
};

// Where Broker::deliver keeps a message for a persistent session until its PUBACK.
enum class SessionStorage : uint8_t {
  kPersist,  // in the session store as well (mqtt.db): redelivered after a restart, like any QoS 1
  kMemory,   // in memory only (queue, in-flight, resent on resume while the process lives): for
             // messages with a durable copy elsewhere, e.g. $im/inbox entries (the IM timeline)
};

}  // namespace herald::gateway::mqtt
