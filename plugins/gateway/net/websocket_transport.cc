// WebSocketTransport: upgrade, frame decoding with the pure codec (protocols/websocket), pings
// answered, close handshake, protocol violations closed with the RFC's status codes.
#include "net/websocket_transport.h"

#include "herald/http/head.h"
#include "net/websocket_handshake.h"

namespace herald::gateway {

using websocket::Event;
using websocket::Opcode;
namespace close_code = websocket::close_code;

WebSocketTransport::WebSocketTransport(Connection& connection)
    : connection_(connection),
      decoder_({websocket::Role::kServer, connection.listener().config.max_packet_size}) {}

std::unique_ptr<StreamUser> WebSocketTransport::create(Connection& connection) {
  // The handshake deadline keeps running until the upgrade completes.
  connection.arm_deadline(connection.listener().config.handshake_timeout_ms);
  return std::unique_ptr<StreamUser>(new WebSocketTransport(connection));
}

WebSocketTransport::~WebSocketTransport() = default;

void WebSocketTransport::on_stream_data(std::string_view bytes) {
  if (state_ == State::kUpgrade) {
    head_.append(bytes);
    handle_upgrade();
    return;
  }
  decoder_.feed(bytes);
  handle_frames();
}

void WebSocketTransport::handle_upgrade() {
  http::RequestHead request;
  http::ParseResult pr = http::parse_request_head(head_, http::Limits{}, request);
  if (pr.status == http::ParseStatus::kIncomplete) return;
  auto& listener = connection_.listener();
  if (pr.status == http::ParseStatus::kError) {
    listener.metrics.refused_handshake.add();
    connection_.write(http::format_response_head(400, {{"Connection", "close"}}, 0));
    connection_.close(true, CloseCause::kProtocolClosed);
    return;
  }
  UpgradeResult up = evaluate_upgrade(request, listener.config.ws_path(), listener.config.ws_subprotocols());
  connection_.write(up.response);
  if (!up.accepted) {
    listener.metrics.refused_handshake.add();
    connection_.host().debug("websocket upgrade from " + connection_.info().peer + " refused: " + up.why);
    connection_.close(true, CloseCause::kProtocolClosed);
    return;
  }
  connection_.clear_deadline();
  state_ = State::kOpen;
  auto& info = connection_.info();
  info.transport = listener.tls ? TransportKind::kWebSocketTls : TransportKind::kWebSocket;
  handler_ = listener.factory(*this);
  if (!handler_) {
    fail(close_code::kInternalError, "no handler");
    return;
  }
  listener.transport_opened(info.transport);
  counted_ = true;
  std::string rest = head_.substr(pr.consumed);
  head_.clear();
  head_.shrink_to_fit();
  if (!rest.empty()) {
    decoder_.feed(rest);
    handle_frames();
  }
}

void WebSocketTransport::handle_frames() {
  while (connection_.open() && state_ != State::kUpgrade) {
    Event e = decoder_.next();
    switch (e.kind) {
      case Event::Kind::kNeedMore:
        return;
      case Event::Kind::kMessage:
        if (e.opcode == Opcode::kText) {
          // Both carried protocols are binary (docs/protocol.md 13.2; MQTT 6.0).
          fail(close_code::kUnsupportedData, "text messages are not accepted");
          return;
        }
        if (state_ == State::kOpen)
          handler_->on_data(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(e.payload.data()), e.payload.size()));
        break;
      case Event::Kind::kPing:
        if (!close_sent_) connection_.write(websocket::encode_frame(Opcode::kPong, e.payload));
        break;
      case Event::Kind::kPong:
        break;
      case Event::Kind::kClose:
        if (!close_sent_) {
          // Echo the peer's code (RFC 6455 5.5.1); a close without one is answered without one.
          close_sent_ = true;
          connection_.write(websocket::encode_frame(
              Opcode::kClose, e.close_code == close_code::kNoStatus ? std::string() : websocket::close_payload(e.close_code)));
        }
        connection_.close(true, state_ == State::kClosing ? CloseCause::kProtocolClosed : CloseCause::kPeerClosed);
        return;
      case Event::Kind::kError:
        connection_.host().debug("websocket from " + connection_.info().peer + ": " + std::string(e.error));
        fail(e.close_code, e.error);
        return;
    }
  }
}

void WebSocketTransport::fail(uint16_t code, std::string_view why) {
  if (!close_sent_) {
    close_sent_ = true;
    connection_.write(websocket::encode_frame(Opcode::kClose, websocket::close_payload(code, why)));
  }
  state_ = State::kClosing;
  connection_.close(true, CloseCause::kProtocolClosed);
}

void WebSocketTransport::send(std::string_view bytes) {
  if (state_ != State::kOpen || close_sent_) return;
  std::string frame;
  frame.reserve(bytes.size() + 10);
  websocket::encode_frame(frame, Opcode::kBinary, bytes);
  connection_.write(std::move(frame));
}

void WebSocketTransport::close(bool flush) {
  if (!flush) {
    connection_.close(false, CloseCause::kProtocolClosed);
    return;
  }
  fail(close_code::kNormal, "");
}

void WebSocketTransport::on_stream_writable() {
  if (handler_ && state_ == State::kOpen) handler_->on_writable();
}

void WebSocketTransport::on_stream_closed(CloseCause cause) {
  if (counted_) connection_.listener().transport_closed(connection_.info().transport, cause);
  counted_ = false;
  if (handler_) handler_->on_close(cause);
}

}  // namespace herald::gateway
