// How the IM core answers one request of a binary client: exactly one response frame carrying the
// request's id (or an ERROR), from any thread. Copies share the "answered" flag, so a second answer
// is ignored rather than confusing the client with two responses to one id.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "herald/binary/frames.h"
#include "herald/gateway/binary/connection_handle.h"
#include "herald/reason_codes.h"

namespace herald::gateway::binary {

class Responder {
 public:
  Responder(std::shared_ptr<BinaryConnectionHandle> connection, uint32_t request_id);

  uint32_t request_id() const { return request_id_; }
  // The response (SEND_ACK, SYNC_PAGE, RESULT, ...). Returns false if this request was already answered.
  bool respond(herald::binary::FrameBody body, bool priority = false) const;
  bool error(herald_reason reason, std::string text, uint32_t retry_after_ms = 0) const;
  // Server-initiated frames for this connection (PUSH): not tied to the request.
  void push(herald::binary::Frame frame) const { connection_->send(std::move(frame)); }
  const std::shared_ptr<BinaryConnectionHandle>& connection() const { return connection_; }
  bool answered() const { return answered_->load(std::memory_order_acquire); }

 private:
  std::shared_ptr<BinaryConnectionHandle> connection_;
  uint32_t request_id_;
  std::shared_ptr<std::atomic<bool>> answered_;
};

}  // namespace herald::gateway::binary
