// Connects the binary protocol front to the session registry: binary sessions are recorded when they
// open and removed when they end, and the registry kicks them through their connection handle.
#pragma once

#include <memory>

#include "herald/gateway/binary/session_observer.h"
#include "herald/gateway/session/session_registry.h"

namespace herald::gateway::session {

// The registry's control for a binary session. The IM core reaches the connection (to PUSH) through
// handle(): std::static_pointer_cast<BinarySessionControl>(s.control) when s.protocol == kBinary.
class BinarySessionControl final : public SessionControl {
 public:
  explicit BinarySessionControl(std::shared_ptr<binary::BinaryConnectionHandle> handle) : handle_(std::move(handle)) {}
  void kick(herald_reason reason, std::string text) override { handle_->kick(reason, std::move(text)); }
  const std::shared_ptr<binary::BinaryConnectionHandle>& handle() const { return handle_; }

 private:
  std::shared_ptr<binary::BinaryConnectionHandle> handle_;
};

// Install with BinaryServer::set_session_observer(std::make_shared<BinarySessionLink>(registry)).
class BinarySessionLink final : public binary::BinarySessionObserver {
 public:
  explicit BinarySessionLink(SessionRegistry& registry) : registry_(registry) {}
  void on_session_open(const std::shared_ptr<binary::BinaryConnectionHandle>& connection) override;
  void on_session_closed(const binary::SessionInfo& session, binary::SessionEnd end) override;

 private:
  SessionRegistry& registry_;
};

}  // namespace herald::gateway::session
