// Connection: level-triggered epoll watch, reads handed to the StreamUser, writes queued and flushed
// at the end of the loop iteration (see LoopShard::schedule_flush), TLS through OpenSSL's
// non-blocking API. Level-triggered because a handler may stop reading (backpressure) with bytes
// still in the socket, and an edge-triggered watch would then need its own "read again" bookkeeping.
#include "net/connection.h"

#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <openssl/err.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "net/loop_shard.h"

namespace herald::gateway {
namespace {
constexpr size_t kReadChunk = 64 * 1024;
constexpr int kMaxPlainReadsPerEvent = 16;  // fairness between connections of one loop
constexpr size_t kTlsCoalesce = 16 * 1024;  // one TLS record's worth of small sends per SSL_write
constexpr size_t kTlsWriteMax = 256 * 1024;
constexpr int kMaxIov = 64;
}  // namespace

Connection::Connection(LoopShard& shard, std::shared_ptr<ListenerRuntime> listener, int fd, ConnectionInfo info)
    : shard_(shard), listener_(std::move(listener)), fd_(fd), info_(std::move(info)) {}

Connection::~Connection() {
  if (ssl_) SSL_free(ssl_);
  if (fd_ >= 0) ::close(fd_);
  listener_->sockets.fetch_sub(1, std::memory_order_relaxed);
}

const sdk::Host& Connection::host() const { return shard_.host(); }

void Connection::start(StreamUserFactory make_user) {
  make_user_ = std::move(make_user);
  interest_ = HERALD_FD_READ;
  watch_ = host().watch_fd(info_.loop, fd_, interest_, [this](int, uint32_t events) { on_event(events); });
  if (!watch_) {
    terminate(CloseCause::kNetworkError);
    return;
  }
  if (listener_->tls) {
    ssl_ = SSL_new(listener_->tls->native());
    if (!ssl_ || SSL_set_fd(ssl_, fd_) != 1) {
      host().error("tls: cannot create a session: " + openssl_errors());
      terminate(CloseCause::kNetworkError);
      return;
    }
    SSL_set_accept_state(ssl_);
    arm_deadline(listener_->config.handshake_timeout_ms);
    return;  // the ClientHello arrives as a read event
  }
  become_open();
}

void Connection::become_open() {
  state_ = State::kOpen;
  update_interest();
  auto make = std::move(make_user_);
  make_user_ = nullptr;
  user_ = make(*this);
  if (!user_) {
    terminate(CloseCause::kProtocolClosed);
    return;
  }
  // TLS may hold decrypted bytes the socket no longer signals.
  if (ssl_ && state_ == State::kOpen && SSL_has_pending(ssl_))
    host().post(info_.loop, [self = shared_from_this()] {
      if (self->state_ == State::kOpen && self->reading_) self->read_some();
    });
}

void Connection::on_event(uint32_t events) {
  if (state_ == State::kClosed) return;
  if (state_ == State::kHandshake) {
    do_handshake();
    return;
  }
  if ((events & HERALD_FD_WRITE) || (write_wants_read_ && (events & HERALD_FD_READ))) {
    write_wants_read_ = false;
    flush();
    if (state_ == State::kClosed) return;
  }
  if ((events & (HERALD_FD_READ | HERALD_FD_HANGUP | HERALD_FD_ERROR)) && reading_ && state_ == State::kOpen) {
    read_some();
  } else if (events & (HERALD_FD_HANGUP | HERALD_FD_ERROR)) {
    // Not reading (backpressure or flushing a close) and the peer is gone: nothing more can be sent.
    terminate(state_ == State::kClosing ? close_cause_ : CloseCause::kNetworkError);
  }
}

void Connection::do_handshake() {
  ERR_clear_error();
  int r = SSL_do_handshake(ssl_);
  if (r == 1) {
    clear_deadline();
    handshake_wants_write_ = false;
    info_.tls_client_subject = verified_peer_subject(ssl_);
    become_open();
    return;
  }
  int err = SSL_get_error(ssl_, r);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
    handshake_wants_write_ = err == SSL_ERROR_WANT_WRITE;
    update_interest();
    return;
  }
  listener_->metrics.tls_handshake_failures.add();
  host().debug("tls handshake from " + info_.peer + " failed: " +
               (err == SSL_ERROR_SSL ? openssl_errors() : std::string("connection closed")));
  ERR_clear_error();
  terminate(CloseCause::kNetworkError);
}

void Connection::read_some() {
  char buf[kReadChunk];
  for (int i = 0; state_ == State::kOpen && reading_; ++i) {
    if (!ssl_ && i >= kMaxPlainReadsPerEvent) return;  // level-triggered: the loop comes back
    ssize_t n;
    if (ssl_) {
      ERR_clear_error();
      int r = SSL_read(ssl_, buf, sizeof(buf));
      if (r <= 0) {
        int err = SSL_get_error(ssl_, r);
        if (err == SSL_ERROR_WANT_READ) return;
        if (err == SSL_ERROR_WANT_WRITE) {
          want_write_ = true;
          update_interest();
          return;
        }
        // close_notify, or EOF without it (common with mobile clients): both end the stream.
        bool eof = err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL && errno == 0);
        ERR_clear_error();
        terminate(eof ? CloseCause::kPeerClosed : CloseCause::kNetworkError);
        return;
      }
      n = r;
    } else {
      n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n == 0) {
        terminate(CloseCause::kPeerClosed);
        return;
      }
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        terminate(CloseCause::kNetworkError);
        return;
      }
    }
    listener_->metrics.bytes_received.add(static_cast<double>(n));
    user_->on_stream_data(std::string_view(buf, static_cast<size_t>(n)));
  }
}

void Connection::write(std::string bytes) {
  if (state_ != State::kOpen || bytes.empty()) return;
  queued_ += bytes.size();
  queue_.push_back(std::move(bytes));
  if (!flush_scheduled_ && !want_write_ && !write_wants_read_) {
    flush_scheduled_ = true;
    shard_.schedule_flush(shared_from_this());
  }
}

void Connection::flush() {
  flush_scheduled_ = false;
  if (state_ != State::kOpen && state_ != State::kClosing) return;
  bool blocked = ssl_ ? write_tls() : write_plain();
  if (state_ == State::kClosed) return;
  if (!blocked) queue_.release_if_empty();
  after_write(blocked);
}

void Connection::after_write(bool blocked) {
  if (blocked) {
    if (!want_write_ && !write_wants_read_) want_write_ = true;
    notify_writable_ = true;
    update_interest();
    if (queued_ > listener_->config.max_write_queue) {
      host().debug("connection " + std::to_string(info_.id) + " from " + info_.peer + ": write queue " +
                   std::to_string(queued_) + " bytes over the bound, closing");
      terminate(CloseCause::kTooSlow);
    }
    return;
  }
  if (want_write_) {
    want_write_ = false;
    update_interest();
  }
  if (state_ == State::kClosing) {
    terminate(close_cause_);
    return;
  }
  if (notify_writable_) {
    notify_writable_ = false;
    if (user_) user_->on_stream_writable();
  }
}

bool Connection::write_plain() {
  while (!queue_.empty()) {
    iovec iov[kMaxIov];
    int n = 0;
    size_t offset = head_offset_;
    for (auto it = queue_.begin(); it != queue_.end() && n < kMaxIov; ++it, ++n) {
      iov[n].iov_base = it->data() + offset;
      iov[n].iov_len = it->size() - offset;
      offset = 0;
    }
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<size_t>(n);
    ssize_t w = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
      terminate(CloseCause::kNetworkError);
      return false;
    }
    size_t left = static_cast<size_t>(w);
    listener_->metrics.bytes_sent.add(static_cast<double>(w));
    queued_ -= left;
    while (left > 0) {
      size_t rem = queue_.front().size() - head_offset_;
      if (left >= rem) {
        left -= rem;
        queue_.pop_front();
        head_offset_ = 0;
      } else {
        head_offset_ += left;
        left = 0;
      }
    }
  }
  return false;
}

bool Connection::write_tls() {
  while (!queue_.empty()) {
    std::string& front = queue_.front();
    size_t len = tls_retry_len_;
    if (len == 0) {
      // Coalesce small sends into one record; only while no retry is pending, because OpenSSL wants
      // a retried SSL_write to see the same bytes.
      while (queue_.size() > 1 && front.size() - head_offset_ + queue_[1].size() <= kTlsCoalesce) {
        front += queue_[1];
        queue_.erase(queue_.begin() + 1);
      }
      len = std::min(front.size() - head_offset_, kTlsWriteMax);
    }
    ERR_clear_error();
    int r = SSL_write(ssl_, front.data() + head_offset_, static_cast<int>(len));
    if (r > 0) {
      tls_retry_len_ = 0;
      size_t w = static_cast<size_t>(r);
      listener_->metrics.bytes_sent.add(static_cast<double>(w));
      queued_ -= w;
      head_offset_ += w;
      if (head_offset_ == front.size()) {
        queue_.pop_front();
        head_offset_ = 0;
      }
      continue;
    }
    int err = SSL_get_error(ssl_, r);
    if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) {
      tls_retry_len_ = len;
      if (err == SSL_ERROR_WANT_READ) write_wants_read_ = true;
      return true;
    }
    ERR_clear_error();
    terminate(CloseCause::kNetworkError);
    return false;
  }
  return false;
}

void Connection::update_interest() {
  if (!watch_) return;
  uint32_t ev = 0;
  if (state_ == State::kHandshake) {
    ev = handshake_wants_write_ ? HERALD_FD_WRITE : HERALD_FD_READ;
  } else if (state_ != State::kClosed) {
    if ((reading_ && state_ == State::kOpen) || write_wants_read_) ev |= HERALD_FD_READ;
    if (want_write_) ev |= HERALD_FD_WRITE;
  }
  if (ev != interest_) {
    interest_ = ev;
    watch_.modify(ev);
  }
}

void Connection::set_reading(bool enabled) {
  if (reading_ == enabled) return;
  reading_ = enabled;
  update_interest();
  if (enabled && ssl_ && state_ == State::kOpen && SSL_has_pending(ssl_))
    host().post(info_.loop, [self = shared_from_this()] {
      if (self->state_ == State::kOpen && self->reading_) self->read_some();
    });
}

void Connection::close(bool flush_first, CloseCause cause) {
  if (state_ == State::kClosed) return;
  if (state_ == State::kClosing) {
    if (!flush_first) terminate(close_cause_);
    return;
  }
  if (state_ == State::kHandshake || !flush_first || queue_.empty()) {
    terminate(cause);
    return;
  }
  state_ = State::kClosing;
  close_cause_ = cause;
  update_interest();
  // A client that never reads must not keep a closing connection forever.
  arm_deadline(listener_->config.handshake_timeout_ms);
  if (!flush_scheduled_ && !want_write_ && !write_wants_read_) {
    flush_scheduled_ = true;
    shard_.schedule_flush(shared_from_this());
  }
}

void Connection::terminate(CloseCause cause) {
  if (state_ == State::kClosed) return;
  bool was_open = state_ == State::kOpen || state_ == State::kClosing;
  state_ = State::kClosed;
  clear_deadline();
  watch_.reset();
  if (ssl_ && was_open && cause != CloseCause::kNetworkError && cause != CloseCause::kPeerClosed) {
    ERR_clear_error();
    SSL_shutdown(ssl_);  // best effort close_notify; we do not wait for the peer's
    ERR_clear_error();
  }
  ::close(fd_);
  fd_ = -1;
  queue_.clear();
  queued_ = 0;
  auto self = shared_from_this();
  auto finish = [self, cause] {
    if (self->user_) self->user_->on_stream_closed(cause);
    self->user_.reset();
    self->shard_.forget(self->info_.id);
  };
  // Never call the user back inside the call that closed (transport.h: no re-entrant on_close).
  if (!host().post(info_.loop, finish)) finish();
}

void Connection::replace_user(std::unique_ptr<StreamUser> user) {
  std::shared_ptr<StreamUser> old(user_.release());
  user_ = std::move(user);
  if (old) host().post(info_.loop, [old] {});  // destroyed after the running callback returned
}

void Connection::arm_deadline(uint64_t ms) {
  deadline_ = host().start_timer(info_.loop, ms, 0, [this] {
    if (state_ == State::kHandshake) listener_->metrics.tls_handshake_failures.add();
    terminate(CloseCause::kNetworkError);
  });
}

void Connection::clear_deadline() { deadline_.cancel(); }

}  // namespace herald::gateway
