// Registers herald_binary_* series (names and labels are listed in plugins/gateway/binary/README.md).
#include "binary_metrics.h"

#include <cctype>
#include <string>

namespace herald::gateway::binary {
namespace {

namespace hb = herald::binary;

constexpr hb::FrameType kAllTypes[] = {
    hb::FrameType::kConnect,     hb::FrameType::kConnectAck,    hb::FrameType::kPing,
    hb::FrameType::kPong,        hb::FrameType::kDisconnect,    hb::FrameType::kKick,
    hb::FrameType::kError,       hb::FrameType::kSend,          hb::FrameType::kSendAck,
    hb::FrameType::kPush,        hb::FrameType::kPushAck,       hb::FrameType::kSyncRequest,
    hb::FrameType::kSyncPage,    hb::FrameType::kHistoryRequest, hb::FrameType::kHistoryPage,
    hb::FrameType::kRead,        hb::FrameType::kRecall,        hb::FrameType::kDelete,
    hb::FrameType::kGroupOp,     hb::FrameType::kRoomOp,        hb::FrameType::kResult,
    hb::FrameType::kUnreadRequest, hb::FrameType::kUnreadResult, hb::FrameType::kPushToken,
};

// Frames only a client sends / only a server sends: a series per direction keeps /metrics short.
bool client_sends(hb::FrameType t) {
  switch (t) {
    case hb::FrameType::kConnectAck: case hb::FrameType::kKick: case hb::FrameType::kError:
    case hb::FrameType::kSendAck: case hb::FrameType::kPush: case hb::FrameType::kSyncPage:
    case hb::FrameType::kHistoryPage: case hb::FrameType::kResult: case hb::FrameType::kUnreadResult:
      return false;
    default:
      return true;
  }
}
bool server_sends(hb::FrameType t) {
  return !client_sends(t) || t == hb::FrameType::kPing || t == hb::FrameType::kPong;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Kick reasons that get their own series; everything else is "other" (index 11).
constexpr herald_reason kKickReasons[] = {
    HERALD_REASON_SESSION_TAKEN_OVER, HERALD_REASON_SERVER_SHUTTING_DOWN, HERALD_REASON_USE_ANOTHER_SERVER,
    HERALD_REASON_TOKEN_EXPIRED,      HERALD_REASON_KEEPALIVE_TIMEOUT,    HERALD_REASON_MALFORMED,
    HERALD_REASON_PROTOCOL_ERROR,     HERALD_REASON_PACKET_TOO_LARGE,     HERALD_REASON_BANNED,
    HERALD_REASON_ADMINISTRATIVE_ACTION, HERALD_REASON_NOT_AUTHORIZED,
};
constexpr std::string_view kKickLabels[] = {
    "session_taken_over", "server_shutting_down", "use_another_server", "token_expired",
    "keepalive_timeout",  "malformed",            "protocol_error",     "packet_too_large",
    "banned",             "administrative_action", "not_authorized",    "other",
};

}  // namespace

size_t BinaryMetrics::kick_index(herald_reason reason) {
  for (size_t i = 0; i < std::size(kKickReasons); ++i)
    if (kKickReasons[i] == reason) return i;
  return std::size(kKickReasons);
}

ConnectLabel connect_label(herald_reason reason) {
  switch (reason) {
    case HERALD_REASON_OK: return ConnectLabel::kOk;
    case HERALD_REASON_BAD_CREDENTIALS: return ConnectLabel::kBadCredentials;
    case HERALD_REASON_TOKEN_EXPIRED: return ConnectLabel::kTokenExpired;
    case HERALD_REASON_NOT_AUTHORIZED: return ConnectLabel::kNotAuthorized;
    case HERALD_REASON_BANNED: return ConnectLabel::kBanned;
    case HERALD_REASON_INVALID_ID: case HERALD_REASON_CLIENT_ID_INVALID: return ConnectLabel::kInvalidId;
    case HERALD_REASON_UNSUPPORTED_VERSION: return ConnectLabel::kUnsupportedVersion;
    case HERALD_REASON_PROTOCOL_ERROR: case HERALD_REASON_MALFORMED: case HERALD_REASON_PACKET_TOO_LARGE:
      return ConnectLabel::kProtocolError;
    case HERALD_REASON_TIMEOUT: return ConnectLabel::kTimeout;
    case HERALD_REASON_SERVER_UNAVAILABLE: case HERALD_REASON_DEPENDENCY_UNAVAILABLE: case HERALD_REASON_SERVER_BUSY:
    case HERALD_REASON_RATE_LIMITED: case HERALD_REASON_CONNECTION_RATE_EXCEEDED:
      return ConnectLabel::kUnavailable;
    default: return ConnectLabel::kOther;
  }
}

void BinaryMetrics::register_all(const sdk::Host& host) {
  for (auto t : kAllTypes) {
    const std::string name = lower(hb::frame_type_name(t));
    const auto i = static_cast<uint8_t>(t);
    if (client_sends(t))
      received[i] = host.counter("herald_binary_frames_received_total", "Binary frames received, by type",
                                 {{"type", name}});
    if (server_sends(t))
      sent[i] = host.counter("herald_binary_frames_sent_total", "Binary frames sent, by type", {{"type", name}});
  }
  received_invalid = host.counter("herald_binary_frames_received_total", "Binary frames received, by type",
                                  {{"type", "invalid"}});
  static constexpr std::string_view kConnect[] = {"ok", "bad_credentials", "token_expired", "not_authorized",
                                                  "banned", "invalid_id", "unsupported_version", "protocol_error",
                                                  "timeout", "unavailable", "other"};
  for (size_t i = 0; i < connects.size(); ++i)
    connects[i] = host.counter("herald_binary_connects_total", "Binary CONNECT outcomes", {{"result", kConnect[i]}});
  for (size_t i = 0; i < kicks.size(); ++i)
    kicks[i] = host.counter("herald_binary_kicks_total", "Binary sessions kicked by the server, by reason",
                            {{"reason", kKickLabels[i]}});
  heartbeat_timeouts = host.counter("herald_binary_heartbeat_timeouts_total",
                                    "Binary connections closed after idle_timeout without a frame");
}

}  // namespace herald::gateway::binary
