// The seam between the binary protocol front and the IM core: every frame past the handshake that is
// not a heartbeat (SEND, PUSH_ACK, SYNC_REQUEST, HISTORY_REQUEST, READ, RECALL, DELETE, GROUP_OP,
// ROOM_OP, UNREAD_REQUEST, PUSH_TOKEN, DISCONNECT) is handed to the installed router.
#pragma once

#include <cstdint>
#include <memory>

#include "herald/binary/frames.h"
#include "herald/gateway/binary/connection_handle.h"
#include "herald/gateway/binary/responder.h"
#include "herald/gateway/binary/session_info.h"

namespace herald::gateway::binary {

enum class SessionEnd : uint8_t {
  kDisconnect,  // the client sent DISCONNECT: it left on purpose (skip offline-push grace)
  kClosed,      // network drop, peer close, shutdown
  kKicked,      // the server sent KICK (takeover, drain, token expiry, idle timeout, protocol error)
};

// Implemented by the IM core. Every call runs on the connection's loop; keep it non-blocking.
class BinaryRequestRouter {
 public:
  virtual ~BinaryRequestRouter() = default;
  // Before CONNECT_ACK: the newest version of the user's timeline (CONNECT_ACK.user_version), from a
  // cache; 0 when unknown (the client then syncs).
  virtual uint64_t user_version(const SessionInfo& /*session*/) { return 0; }
  // After CONNECT_ACK was sent.
  virtual void on_session_open(const std::shared_ptr<BinaryConnectionHandle>& /*connection*/) {}
  // One request. Answer through `responder` exactly once (PUSH_ACK and DISCONNECT need no answer).
  virtual void on_request(const SessionInfo& session, herald::binary::Frame frame, Responder responder) = 0;
  // The session ended (once per opened session).
  virtual void on_session_closed(const SessionInfo& /*session*/, SessionEnd /*end*/) {}
};

}  // namespace herald::gateway::binary
