// The HTTP/1.1 side of an http-tunnel listener: keep-alive request parsing on our own loop, routing
// of the tunnel endpoints (docs/protocol.md 13.3) to sessions, and WebSocket upgrades on the
// WebSocket path (13.2: served on the same listener so it passes the same proxies).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "herald/http/head.h"
#include "net/connection.h"
#include "net/http_tunnel.h"

namespace herald::gateway {

class HttpServerConnection final : public StreamUser {
 public:
  static std::unique_ptr<StreamUser> create(Connection& connection);

  void on_stream_data(std::string_view bytes) override;
  void on_stream_closed(CloseCause cause) override;
  // A reply for request `token` arrived (on this connection's loop).
  void deliver(uint64_t token, HttpReply reply);

 private:
  explicit HttpServerConnection(Connection& connection) : connection_(connection) {}
  void process();
  void dispatch(const http::RequestHead& request, std::string body);
  ReplyFn make_reply();
  void respond(HttpReply reply);
  void refuse(int status, bool close);

  Connection& connection_;
  std::string buffer_;
  bool waiting_ = false;
  bool close_after_ = false;
  uint64_t token_ = 0;
  // The long-poll this connection holds, to cancel it if the client goes away.
  std::optional<std::pair<uint32_t, std::string>> poll_session_;
};

}  // namespace herald::gateway
