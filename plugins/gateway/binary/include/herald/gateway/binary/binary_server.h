// The Herald binary protocol front: one BinaryServer per gateway plugin holds the config, the
// authenticator, the IM core's router and the metrics, and makes one handler per client connection
// of a binary listener (TCP, TLS, WebSocket, HTTP tunnel: net/transport.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "herald/gateway/auth/authenticator.h"
#include "herald/gateway/auth/clock.h"
#include "herald/gateway/binary/binary_config.h"
#include "herald/gateway/binary/request_router.h"
#include "herald/gateway/binary/session_observer.h"
#include "herald/reason_codes.h"
#include "herald/sdk.hpp"
#include "net/transport.h"

namespace herald::gateway::binary {

class BinaryServerCore;

class BinaryServer {
 public:
  // Control thread (registers the metrics). `authenticator` may be null: every CONNECT is then refused
  // (anonymous binary clients are never allowed). `clock` supplies wall time for token expiry.
  BinaryServer(sdk::Host host, BinaryConfig config, std::shared_ptr<auth::Authenticator> authenticator,
               auth::Clock& clock = auth::system_clock());
  ~BinaryServer();
  BinaryServer(const BinaryServer&) = delete;
  BinaryServer& operator=(const BinaryServer&) = delete;

  // Any time; sessions opened afterwards use it (requests already handed out stay with the old one).
  // Null: requests are answered ERROR UNSUPPORTED_FEATURE "IM core not enabled".
  void set_router(std::shared_ptr<BinaryRequestRouter> router);
  // Install before connections arrive (the session registry's adapter).
  void set_session_observer(std::shared_ptr<BinarySessionObserver> observer);

  // The net layer's factory for binary listeners (called on the connection's loop).
  HandlerFactory handler_factory();
  std::unique_ptr<ProtocolHandler> make_handler(Transport& transport);

  // Control thread (drain): every loop KICKs its sessions with `reason` (SERVER_SHUTTING_DOWN or
  // USE_ANOTHER_SERVER, with an optional "host:port" redirect) and closes connections still in the
  // handshake; waits up to `timeout_ms` for the loops to have done it.
  void kick_all(herald_reason reason, std::string text, std::string redirect = {}, uint32_t timeout_ms = 2000);

  // Live connections (handshake included); any thread.
  uint64_t connection_count() const;
  const BinaryConfig& config() const;

 private:
  std::shared_ptr<BinaryServerCore> core_;
};

}  // namespace herald::gateway::binary
