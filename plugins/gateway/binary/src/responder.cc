// Responder: one answer per request, from any thread.
#include "herald/gateway/binary/responder.h"

namespace herald::gateway::binary {

Responder::Responder(std::shared_ptr<BinaryConnectionHandle> connection, uint32_t request_id)
    : connection_(std::move(connection)), request_id_(request_id), answered_(std::make_shared<std::atomic<bool>>(false)) {}

bool Responder::respond(herald::binary::FrameBody body, bool priority) const {
  if (answered_->exchange(true, std::memory_order_acq_rel)) return false;
  connection_->respond(request_id_, std::move(body), priority);
  return true;
}

bool Responder::error(herald_reason reason, std::string text, uint32_t retry_after_ms) const {
  return respond(herald::binary::ErrorFrame{static_cast<uint16_t>(reason), std::move(text), retry_after_ms});
}

}  // namespace herald::gateway::binary
