// The Transport of a WebSocket connection (RFC 6455) over TCP or TLS: the upgrade handshake, then
// each binary message to the handler as one on_data call and each send() as one binary message.
#pragma once

#include <memory>
#include <string>

#include "herald/websocket/frame.h"
#include "net/connection.h"

namespace herald::gateway {

class WebSocketTransport final : public Transport, public StreamUser {
 public:
  // A fresh connection on a websocket listener: the first bytes are the upgrade request.
  static std::unique_ptr<StreamUser> create(Connection& connection);
  ~WebSocketTransport() override;

  // Transport
  void send(std::string_view bytes) override;
  void close(bool flush) override;
  const ConnectionInfo& info() const override { return connection_.info(); }
  size_t queued_bytes() const override { return connection_.queued_bytes(); }
  void set_reading(bool enabled) override { connection_.set_reading(enabled); }

  // StreamUser
  void on_stream_data(std::string_view bytes) override;
  void on_stream_writable() override;
  void on_stream_closed(CloseCause cause) override;

 private:
  enum class State { kUpgrade, kOpen, kClosing };
  explicit WebSocketTransport(Connection& connection);
  void handle_upgrade();
  void handle_frames();
  void fail(uint16_t code, std::string_view why);

  Connection& connection_;
  State state_ = State::kUpgrade;
  std::string head_;
  websocket::Decoder decoder_;
  std::unique_ptr<ProtocolHandler> handler_;
  bool counted_ = false;
  bool close_sent_ = false;
};

}  // namespace herald::gateway
