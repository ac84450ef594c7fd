// The broker's Prometheus series, registered once on the control thread; handles kept for hot paths.
#pragma once

#include <array>
#include <string_view>

#include "herald/mqtt/protocol.h"
#include "herald/sdk.hpp"

namespace herald::gateway::mqtt {

enum class ConnectResultLabel : uint8_t {
  kSuccess, kBadCredentials, kNotAuthorized, kIdentifierRejected, kUnsupportedVersion, kMalformed, kTimeout,
  kOther, kCount
};
enum class DisconnectLabel : uint8_t {
  kNormal, kWithWill, kKeepalive, kTakenOver, kProtocolError, kNetworkError, kPeerClosed, kTooSlow, kShutdown,
  kKicked, kCount
};
enum class DropLabel : uint8_t {
  kQueueFull, kExpired, kPacketTooLarge, kNotAuthorized, kRejected, kQos0Offline, kSessionEnded, kCount
};

struct BrokerMetrics {
  void register_all(const sdk::Host& host);

  std::array<sdk::Metric, static_cast<size_t>(ConnectResultLabel::kCount)> connects;
  std::array<sdk::Metric, static_cast<size_t>(DisconnectLabel::kCount)> disconnects;
  sdk::Metric keepalive_timeouts;
  std::array<sdk::Metric, 16> received;  // by packet type
  std::array<sdk::Metric, 16> sent;
  std::array<sdk::Metric, 3> published;  // by QoS
  std::array<sdk::Metric, 3> delivered;
  std::array<sdk::Metric, static_cast<size_t>(DropLabel::kCount)> dropped;
  sdk::Metric sessions_online, sessions_offline, subscriptions, retained, inflight, queued;

  void connect(ConnectResultLabel l) const { connects[static_cast<size_t>(l)].add(); }
  void disconnect(DisconnectLabel l) const { disconnects[static_cast<size_t>(l)].add(); }
  void drop(DropLabel l, double n = 1) const { dropped[static_cast<size_t>(l)].add(n); }
  void rx(herald::mqtt::PacketType t) const { received[static_cast<size_t>(t) & 15].add(); }
  void tx(herald::mqtt::PacketType t) const { sent[static_cast<size_t>(t) & 15].add(); }
};

}  // namespace herald::gateway::mqtt
