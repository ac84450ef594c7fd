// BinaryConnectionHandle: thread-safe sends and kicks that hop to the connection's loop.
#include "herald/gateway/binary/connection_handle.h"

#include "binary_connection.h"

namespace herald::gateway::binary {

BinaryConnectionHandle::BinaryConnectionHandle(sdk::Host host, SessionInfo session,
                                               std::weak_ptr<BinaryConnection> connection)
    : host_(host), session_(std::move(session)), connection_(std::move(connection)) {}

template <class Fn>
void BinaryConnectionHandle::on_loop(Fn fn) const {
  if (!alive()) return;
  if (host_.current_loop() == session_.loop) {
    // Already on the connection's loop (the router answering inline): no hop, order kept.
    if (auto c = connection_.lock()) fn(*c);
    return;
  }
  host_.post(session_.loop, [weak = connection_, fn = std::move(fn)]() mutable {
    if (auto c = weak.lock()) fn(*c);
  });
}

void BinaryConnectionHandle::send(herald::binary::Frame frame) const {
  on_loop([frame = std::move(frame)](BinaryConnection& c) { c.send_frame(frame); });
}

void BinaryConnectionHandle::kick(herald_reason reason, std::string text, std::string redirect) const {
  on_loop([reason, text = std::move(text), redirect = std::move(redirect)](BinaryConnection& c) {
    c.kick(reason, text, redirect);
  });
}

void BinaryConnectionHandle::respond(uint32_t request_id, herald::binary::FrameBody body, bool priority) const {
  on_loop([request_id, body = std::move(body), priority](BinaryConnection& c) mutable {
    c.respond(request_id, std::move(body), priority);
  });
}

}  // namespace herald::gateway::binary
