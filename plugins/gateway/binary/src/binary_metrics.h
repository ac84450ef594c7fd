// The binary front's Prometheus series, registered once on the control thread; handles are kept so
// the hot path only adds to a pointer.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "herald/binary/frames.h"
#include "herald/reason_codes.h"
#include "herald/sdk.hpp"

namespace herald::gateway::binary {

enum class ConnectLabel : uint8_t {
  kOk, kBadCredentials, kTokenExpired, kNotAuthorized, kBanned, kInvalidId, kUnsupportedVersion, kProtocolError,
  kTimeout, kUnavailable, kOther, kCount
};

struct BinaryMetrics {
  void register_all(const sdk::Host& host);

  std::array<sdk::Metric, 256> received{};  // by frame type byte; unknown types count as "invalid"
  std::array<sdk::Metric, 256> sent{};
  sdk::Metric received_invalid;
  std::array<sdk::Metric, static_cast<size_t>(ConnectLabel::kCount)> connects{};
  std::array<sdk::Metric, 12> kicks{};  // see kick_index()
  sdk::Metric heartbeat_timeouts;

  void rx(herald::binary::FrameType t) const { received[static_cast<uint8_t>(t)].add(); }
  void tx(herald::binary::FrameType t) const { sent[static_cast<uint8_t>(t)].add(); }
  void connect(ConnectLabel l) const { connects[static_cast<size_t>(l)].add(); }
  void kick(herald_reason reason) const { kicks[kick_index(reason)].add(); }

  static size_t kick_index(herald_reason reason);
};

// The connect outcome label a refusal reason counts under.
ConnectLabel connect_label(herald_reason reason);

}  // namespace herald::gateway::binary
