// A thread-safe reference to one live binary session: what the session registry and the IM core keep
// to push frames to a device or kick it. Every call may come from any thread; it hops to the
// connection's loop and is dropped if the connection is gone by then.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "herald/binary/frames.h"
#include "herald/gateway/binary/session_info.h"
#include "herald/reason_codes.h"
#include "herald/sdk.hpp"

namespace herald::gateway::binary {

class BinaryConnection;

class BinaryConnectionHandle {
 public:
  BinaryConnectionHandle(sdk::Host host, SessionInfo session, std::weak_ptr<BinaryConnection> connection);

  const SessionInfo& session() const { return session_; }
  // False once the connection closed (a hint: a frame sent right after may still be dropped).
  bool alive() const { return alive_.load(std::memory_order_acquire); }

  // A server-initiated frame (PUSH, server PING, ...). Request id and priority as given in `frame`.
  void send(herald::binary::Frame frame) const;
  // KICK(reason, text, redirect), then close after the queued bytes are flushed.
  void kick(herald_reason reason, std::string text, std::string redirect = {}) const;
  // The response to `request_id` (Responder uses it; an oversize body becomes ERROR PAYLOAD_TOO_LARGE).
  void respond(uint32_t request_id, herald::binary::FrameBody body, bool priority = false) const;

  // The connection marks its handle dead when it closes (loop thread).
  void mark_closed() { alive_.store(false, std::memory_order_release); }

 private:
  template <class Fn>
  void on_loop(Fn fn) const;

  sdk::Host host_;
  SessionInfo session_;
  std::weak_ptr<BinaryConnection> connection_;
  std::atomic<bool> alive_{true};
};

}  // namespace herald::gateway::binary
