// One binary client connection: incremental decoding with the pre-/post-handshake frame caps,
// CONNECT (negotiation, asynchronous authentication), heartbeats and the idle timeout, token-expiry
// re-checks, KICK, and hand-off of requests to the IM core's router. Lives on the connection's loop;
// asynchronous answers hop back with Host::post and find it through a weak_ptr.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "binary_server_core.h"
#include "herald/binary/codec.h"
#include "herald/gateway/binary/connection_handle.h"
#include "net/transport.h"

namespace herald::gateway::binary {

class BinaryConnection : public std::enable_shared_from_this<BinaryConnection> {
 public:
  BinaryConnection(std::shared_ptr<BinaryServerCore> core, Transport& transport);
  ~BinaryConnection();

  void start();  // arms the connect timeout
  void on_data(std::span<const uint8_t> bytes);
  void on_close(CloseCause cause);
  void abandon();  // the net layer destroyed the handler without on_close

  // --- loop thread; used by BinaryConnectionHandle, Responder and BinaryServer ---
  void send_frame(const herald::binary::Frame& frame);
  // A response to `request_id`: an oversize response becomes ERROR PAYLOAD_TOO_LARGE.
  void respond(uint32_t request_id, herald::binary::FrameBody body, bool priority);
  void kick(herald_reason reason, std::string_view text, std::string_view redirect = {});
  // Drain: KICK a session, close a connection still in its handshake.
  void drain(herald_reason reason, std::string_view text, std::string_view redirect);
  bool closed() const { return closed_; }

 private:
  enum class State { kAwaitConnect, kAuthenticating, kConnected, kClosing, kClosed };

  void process();
  void handle(herald::binary::Frame&& frame);
  void handle_connect(herald::binary::Frame&& frame);
  void auth_done(auth::AuthResult result);
  void refuse(herald_reason reason, std::string_view text);
  void open_session(int64_t expires_at);
  void route(herald::binary::Frame&& frame);
  void decode_failed(const herald::binary::DecodeResult& r);
  void send_error(uint32_t request_id, herald_reason reason, std::string_view text);
  herald::binary::EncodeStatus encode_and_send(const herald::binary::Frame& frame);
  void arm_idle_timer(uint64_t delay_ms);
  void on_idle_timer();
  void arm_token_timer();
  void close_transport(bool flush);
  std::string describe() const;  // "user/device@peer" for logs; never the token

  std::shared_ptr<BinaryServerCore> core_;
  Transport* transport_;
  const uint32_t loop_;
  const ConnectionInfo info_;  // copied: the transport is gone after on_close
  State state_ = State::kAwaitConnect;
  bool closed_ = false;
  bool session_open_ = false;
  SessionEnd end_ = SessionEnd::kClosed;

  std::vector<uint8_t> buffer_;  // received bytes not yet decoded
  herald::binary::DecodeLimits limits_;
  uint32_t client_max_frame_ = herald::binary::kDefaultMaxFrameSize;  // what we may send
  uint32_t decode_errors_ = 0;
  std::vector<uint8_t> out_;  // encode scratch

  herald::binary::ConnectFrame connect_;  // the CONNECT under authentication (token cleared after)
  uint32_t connect_request_id_ = 0;
  SessionInfo session_;
  std::shared_ptr<BinaryConnectionHandle> handle_;

  sdk::Timer connect_timer_;
  sdk::Timer idle_timer_;
  sdk::Timer token_timer_;
  uint64_t last_rx_ms_ = 0;  // steady clock
};

uint64_t steady_now_ms();

}  // namespace herald::gateway::binary
