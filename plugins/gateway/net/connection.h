// One client socket on its loop: non-blocking reads, a bounded and coalesced write queue, optional
// TLS, and close semantics shared by every transport. What the bytes mean is a StreamUser's business
// (raw stream, WebSocket, HTTP).
#pragma once

#include <openssl/ssl.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "herald/sdk.hpp"
#include "net/lazy_deque.h"
#include "net/listener_runtime.h"
#include "net/transport.h"

namespace herald::gateway {

class Connection;
class LoopShard;

// What rides on a Connection's byte stream. Every call on the connection's loop.
class StreamUser {
 public:
  virtual ~StreamUser() = default;
  virtual void on_stream_data(std::string_view bytes) = 0;
  // The write queue drained after a write had blocked.
  virtual void on_stream_writable() {}
  // Exactly once, from a posted task (never inside Connection::close), after the socket is closed.
  virtual void on_stream_closed(CloseCause cause) = 0;
};

using StreamUserFactory = std::function<std::unique_ptr<StreamUser>(Connection&)>;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(LoopShard& shard, std::shared_ptr<ListenerRuntime> listener, int fd, ConnectionInfo info);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Loop thread, once, after the shard adopted it: watches the socket, runs the TLS handshake if the
  // listener has TLS, then creates the user with `make_user`.
  void start(StreamUserFactory make_user);

  // Queues bytes; the loop writes everything queued in one iteration with one writev/SSL_write batch.
  void write(std::string bytes);
  // flush: stop reading, write what is queued (bounded by the handshake timeout), then close.
  void close(bool flush, CloseCause cause);
  void set_reading(bool enabled);
  size_t queued_bytes() const { return queued_; }
  bool open() const { return state_ == State::kOpen; }
  const ConnectionInfo& info() const { return info_; }
  ConnectionInfo& info() { return info_; }
  ListenerRuntime& listener() { return *listener_; }
  const std::shared_ptr<ListenerRuntime>& listener_ptr() const { return listener_; }
  StreamUser* user() { return user_.get(); }
  LoopShard& shard() { return shard_; }
  const sdk::Host& host() const;

  // Hands the stream to another user (HTTP -> WebSocket upgrade). The old one is destroyed after the
  // current callback returns.
  void replace_user(std::unique_ptr<StreamUser> user);
  // A deadline (handshakes, idle HTTP keep-alive): on expiry the connection closes with kNetworkError.
  void arm_deadline(uint64_t ms);
  void clear_deadline();

  // Called by the shard's end-of-iteration flush.
  void flush();

 private:
  enum class State { kHandshake, kOpen, kClosing, kClosed };
  void on_event(uint32_t events);
  void do_handshake();
  void read_some();
  bool write_plain();
  bool write_tls();
  void after_write(bool blocked);
  void update_interest();
  void terminate(CloseCause cause);
  void become_open();

  LoopShard& shard_;
  std::shared_ptr<ListenerRuntime> listener_;
  int fd_;
  ConnectionInfo info_;
  SSL* ssl_ = nullptr;
  State state_ = State::kHandshake;
  StreamUserFactory make_user_;
  std::unique_ptr<StreamUser> user_;
  sdk::FdWatch watch_;
  sdk::Timer deadline_;
  uint32_t interest_ = 0;
  bool reading_ = true;
  bool want_write_ = false;        // the socket (or TLS) would block: wait for EPOLLOUT
  bool write_wants_read_ = false;  // SSL_write needs a read first (TLS key update)
  bool handshake_wants_write_ = false;
  bool flush_scheduled_ = false;
  bool notify_writable_ = false;
  LazyDeque<std::string> queue_;  // released when drained: most connections are idle most of the time
  size_t head_offset_ = 0;  // bytes of queue_.front() already written
  size_t queued_ = 0;
  size_t tls_retry_len_ = 0;  // SSL_write must be retried with the same length after WANT_*
  CloseCause close_cause_ = CloseCause::kPeerClosed;
};

}  // namespace herald::gateway
