// One MQTT session (keyed by client id): subscriptions, the outbound queue and in-flight window, the
// inbound QoS 2 state, timers for expiry and a delayed will. A SessionCell is owned by exactly one
// loop at a time (`owner`): the loop of its live connection, or while offline the loop it was left on
// (restored sessions: hash(client id) % loops). Only the owner thread reads or writes `s`.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include "herald/sdk.hpp"
#include "inflight_window.h"
#include "message.h"
#include "net/lazy_deque.h"

namespace herald::gateway::mqtt {

class MqttConnection;

struct SubRecord {
  m::SubscribeOptions options;
  uint32_t sub_id = 0;
  bool implicit = false;  // the automatic $im/inbox/<user>: not removable by UNSUBSCRIBE
};

enum class Presence : uint8_t { kNone, kOnline, kOffline };  // what the session gauges count it as

struct Session {
  std::string user;
  m::ProtocolVersion version = m::ProtocolVersion::v5;
  uint32_t expiry_interval = 0;  // seconds; 0 ends with the connection, 0xFFFFFFFF never
  std::map<std::string, SubRecord, std::less<>> subs;  // by full filter
  InflightWindow inflight;
  LazyDeque<OutMsg> queue;
  // Inbound QoS 2: identifiers whose PUBREC was sent and PUBREL not yet received.
  std::unordered_map<uint16_t, bool> inbound_qos2;
  uint64_t next_mid = 1;
  MqttConnection* conn = nullptr;  // the live connection (same loop), or null while offline
  sdk::Timer expiry_timer;
  sdk::Timer will_timer;
  MessagePtr delayed_will;         // a will waiting for its Will Delay Interval
  std::string will_user;
  Presence presence = Presence::kNone;
  bool adopting = false;           // ownership is being handed to another loop's adopt()
  bool ended = false;              // expired or discarded; the cell is out of the registry
  bool persisted = false;          // the session row exists in storage
  uint64_t disconnected_at_ms = 0; // wall clock of the last disconnect (expiry counts from it)
};

struct SessionCell {
  SessionCell(std::string id, uint32_t loop) : client_id(std::move(id)), owner(loop) {}
  const std::string client_id;
  // Written only by the current owner thread (handing over), read anywhere to route deliveries.
  std::atomic<uint32_t> owner;
  std::atomic<bool> online{false};
  Session s;
};
using CellPtr = std::shared_ptr<SessionCell>;

inline bool persistent(const Session& s) { return s.expiry_interval > 0; }

// The SUBSCRIBE options byte, for storage.
uint8_t options_byte(const m::SubscribeOptions& o);
m::SubscribeOptions options_from_byte(uint8_t b);

}  // namespace herald::gateway::mqtt
