// Lets the session registry learn when a binary session opens and ends, with the handle it uses to
// kick the session (takeover, multi-device policy). Calls run on the connection's loop.
#pragma once

#include <memory>

#include "herald/gateway/binary/connection_handle.h"
#include "herald/gateway/binary/request_router.h"

namespace herald::gateway::binary {

class BinarySessionObserver {
 public:
  virtual ~BinarySessionObserver() = default;
  // Just before CONNECT_ACK is sent (so a takeover KICK of the old connection is already queued).
  virtual void on_session_open(const std::shared_ptr<BinaryConnectionHandle>& connection) = 0;
  virtual void on_session_closed(const SessionInfo& session, SessionEnd end) = 0;
};

}  // namespace herald::gateway::binary
