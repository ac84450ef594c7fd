// A routed application message, shared (immutable) by every session it is delivered to, and the
// per-session entry that carries it through the queue and the in-flight window.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "herald/gateway/mqtt/hooks.h"
#include "herald/mqtt/packets.h"

namespace herald::gateway::mqtt {

namespace m = herald::mqtt;

struct Message {
  std::string topic;
  m::Bytes payload;
  m::QoS qos = m::QoS::kAtMostOnce;
  bool retain = false;
  // Forwarded v5 properties only: payload format, content type, response topic, correlation data,
  // user properties. Message expiry is kept as an absolute time instead (decremented on delivery).
  m::Properties properties;
  uint64_t expiry_at_ms = 0;  // wall clock (ms since epoch); 0 = never expires
  std::string origin_client;  // for No Local
  bool memory_only = false;   // never written to the session store (SessionStorage::kMemory)
};
using MessagePtr = std::shared_ptr<const Message>;

inline uint64_t wall_ms() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

inline bool expired(const Message& msg, uint64_t now) { return msg.expiry_at_ms != 0 && now >= msg.expiry_at_ms; }

// Builds the routed message from a client PUBLISH (properties the receiver must not see are dropped).
std::shared_ptr<Message> message_from_publish(m::Publish&& publish, std::string origin_client, uint64_t now);

// One message on its way to one session: queued, or in flight with a packet identifier.
struct OutMsg {
  enum class State : uint8_t { kQueued, kAwaitAck, kAwaitComp };
  MessagePtr msg;
  m::QoS qos = m::QoS::kAtMostOnce;  // min(message QoS, subscription QoS)
  bool retain = false;               // RETAIN flag as it will be sent
  std::vector<uint32_t> sub_ids;
  uint64_t mid = 0;                  // storage key within the session (0: not persisted)
  uint16_t packet_id = 0;
  State state = State::kQueued;
  bool sent_once = false;            // a resend carries DUP=1
  std::function<void(DeliveryOutcome)> on_result;  // Broker::deliver's ack callback
};

}  // namespace herald::gateway::mqtt
