// Per-connection state machine of the Herald binary protocol (see binary_connection.h and
// docs/protocol.md sections 3, 5 and 11).
#include "binary_connection.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "herald/gateway/binary/responder.h"

namespace herald::gateway::binary {

namespace hb = herald::binary;

uint64_t steady_now_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

namespace {

constexpr uint32_t kMinAnnouncedFrame = 1024;  // docs/protocol.md section 3: 1024 <= n <= 16 MiB

uint32_t seconds_ceil(std::chrono::milliseconds ms) {
  const auto s = (ms.count() + 999) / 1000;
  return static_cast<uint32_t>(std::max<int64_t>(1, s));
}

bool is_client_request(hb::FrameType t) {
  switch (t) {
    case hb::FrameType::kSend: case hb::FrameType::kPushAck: case hb::FrameType::kSyncRequest:
    case hb::FrameType::kHistoryRequest: case hb::FrameType::kRead: case hb::FrameType::kRecall:
    case hb::FrameType::kDelete: case hb::FrameType::kGroupOp: case hb::FrameType::kRoomOp:
    case hb::FrameType::kUnreadRequest: case hb::FrameType::kPushToken:
      return true;
    default:
      return false;
  }
}

std::string hex_reason(herald_reason r) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "0x%04x", static_cast<unsigned>(r));
  return buf;
}

}  // namespace

BinaryConnection::BinaryConnection(std::shared_ptr<BinaryServerCore> core, Transport& transport)
    : core_(std::move(core)), transport_(&transport), loop_(transport.info().loop), info_(transport.info()) {
  // Until the handshake completes both sides accept 64 KiB, so a CONNECT always fits (section 3).
  limits_.max_frame_size = hb::kDefaultMaxFrameSize;
  limits_.allow_compressed = false;  // clients never send compressed frames
  core_->live.fetch_add(1, std::memory_order_relaxed);
}

BinaryConnection::~BinaryConnection() = default;

void BinaryConnection::start() {
  last_rx_ms_ = steady_now_ms();
  const auto timeout = static_cast<uint64_t>(core_->config.connect_timeout.count());
  connect_timer_ = core_->host.start_timer(loop_, timeout, 0, [this] {
    if (closed_ || (state_ != State::kAwaitConnect && state_ != State::kAuthenticating)) return;
    core_->metrics.connect(ConnectLabel::kTimeout);
    core_->host.debug("binary: connect timeout from " + info_.peer);
    state_ = State::kClosing;
    close_transport(false);
  });
}

void BinaryConnection::close_transport(bool flush) {
  if (transport_) transport_->close(flush);
}

std::string BinaryConnection::describe() const {
  std::string s;
  if (!connect_.user.value.empty()) s = connect_.user.value + "/" + connect_.device.value + "@";
  return s + info_.peer;
}

// --- inbound ---

void BinaryConnection::on_data(std::span<const uint8_t> bytes) {
  if (closed_ || state_ == State::kClosing || state_ == State::kClosed) return;
  last_rx_ms_ = steady_now_ms();  // any frame (or part of one) counts as a heartbeat
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
  process();
}

void BinaryConnection::process() {
  size_t pos = 0;
  // While authenticating, frames pipelined behind CONNECT wait in the buffer (reading is paused).
  while (!closed_ && (state_ == State::kAwaitConnect || state_ == State::kConnected) && pos < buffer_.size()) {
    auto r = hb::decode_frame(std::span<const uint8_t>(buffer_.data() + pos, buffer_.size() - pos), limits_);
    if (r.status == hb::DecodeStatus::kNeedMore) break;
    if (r.status == hb::DecodeStatus::kError) {
      pos += r.consumed;  // 0 when the framing broke: the connection is closing anyway
      decode_failed(r);
      if (r.consumed == 0) break;
      continue;
    }
    pos += r.consumed;
    core_->metrics.rx(hb::frame_type(r.frame.body));
    handle(std::move(r.frame));
  }
  if (closed_ || state_ == State::kClosing) {
    buffer_.clear();
    return;
  }
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(pos));
}

void BinaryConnection::decode_failed(const hb::DecodeResult& r) {
  core_->metrics.received_invalid.add();
  const auto reason = static_cast<herald_reason>(hb::decode_error_reason(r.error));
  const std::string text = std::string("frame rejected: ") + hb::decode_error_name(r.error);
  if (!hb::decode_error_keeps_framing(r.error) || r.consumed == 0) {
    // Section 11: a framing error cannot be skipped.
    kick(reason, text);
    return;
  }
  if (state_ != State::kConnected) {
    // A CONNECT that does not decode (or anything else first): the handshake cannot go on.
    if (state_ == State::kAwaitConnect) core_->metrics.connect(connect_label(reason));
    send_error(r.request_id, reason, text);
    state_ = State::kClosing;
    close_transport(true);
    return;
  }
  send_error(r.request_id, reason, text);
  if (++decode_errors_ > core_->config.max_decode_errors)
    kick(HERALD_REASON_PROTOCOL_ERROR, "too many malformed frames");
}

void BinaryConnection::handle(hb::Frame&& frame) {
  const hb::FrameType type = hb::frame_type(frame.body);
  if (state_ == State::kAwaitConnect) {
    if (type != hb::FrameType::kConnect) {
      core_->metrics.connect(ConnectLabel::kProtocolError);
      kick(HERALD_REASON_PROTOCOL_ERROR, "CONNECT must be the first frame");
      return;
    }
    handle_connect(std::move(frame));
    return;
  }
  switch (type) {
    case hb::FrameType::kPing: {
      hb::Frame pong;
      pong.request_id = frame.request_id;
      pong.body = hb::PongFrame{seconds_ceil(core_->config.heartbeat), static_cast<uint64_t>(core_->clock.unix_ms())};
      send_frame(pong);
      return;
    }
    case hb::FrameType::kPong:
      return;  // an answer to a server PING: receiving it already reset the idle clock
    case hb::FrameType::kConnect:
      send_error(frame.request_id, HERALD_REASON_PROTOCOL_ERROR, "already connected");
      return;
    case hb::FrameType::kDisconnect: {
      if (auto router = core_->router()) {
        try {
          router->on_request(session_, std::move(frame), Responder(handle_, 0));
        } catch (const std::exception& e) {
          core_->host.warn(std::string("binary: router failed on DISCONNECT: ") + e.what());
        }
      }
      end_ = SessionEnd::kDisconnect;
      state_ = State::kClosing;
      close_transport(true);
      return;
    }
    default:
      break;
  }
  if (!is_client_request(type)) {
    send_error(frame.request_id, HERALD_REASON_PROTOCOL_ERROR,
               std::string("frame type ") + hb::frame_type_name(type) + " is not sent by clients");
    return;
  }
  route(std::move(frame));
}

void BinaryConnection::route(hb::Frame&& frame) {
  const hb::FrameType type = hb::frame_type(frame.body);
  auto router = core_->router();
  if (!router) {
    // PUSH_ACK needs no answer; every other request gets one.
    if (type != hb::FrameType::kPushAck)
      send_error(frame.request_id, HERALD_REASON_UNSUPPORTED_FEATURE, "IM core not enabled");
    return;
  }
  const uint32_t rid = frame.request_id;
  Responder responder(handle_, rid);
  try {
    router->on_request(session_, std::move(frame), responder);
  } catch (const std::exception& e) {
    core_->host.warn(std::string("binary: router failed on ") + hb::frame_type_name(type) + ": " + e.what());
    if (type != hb::FrameType::kPushAck) responder.error(HERALD_REASON_UNSPECIFIED_ERROR, "internal error");
  }
}

// --- handshake ---

void BinaryConnection::handle_connect(hb::Frame&& frame) {
  connect_ = std::get<hb::ConnectFrame>(std::move(frame.body));
  connect_request_id_ = frame.request_id;
  // Section 5.3: the highest version both sides speak.
  uint32_t chosen = 0;
  for (uint32_t v : connect_.versions)
    if (v == hb::kProtocolVersion1) chosen = std::max(chosen, v);
  if (chosen == 0) {
    refuse(HERALD_REASON_UNSUPPORTED_VERSION, "no common protocol version (server speaks 1)");
    return;
  }
  session_.version = chosen;
  if (!core_->authenticator) {
    // Anonymous binary clients are never allowed: no authenticator means nobody gets in.
    refuse(HERALD_REASON_NOT_AUTHORIZED, "authentication is not configured");
    return;
  }
  state_ = State::kAuthenticating;
  if (transport_) transport_->set_reading(false);
  auth::Credentials creds;
  creds.username = connect_.user.value;
  creds.password = connect_.token;
  creds.client_id = connect_.device.value;
  creds.peer_ip = info_.peer_ip;
  creds.listener = info_.listener;
  creds.tls_client_subject = info_.tls_client_subject;
  std::weak_ptr<BinaryConnection> weak = weak_from_this();
  const sdk::Host host = core_->host;
  const uint32_t loop = loop_;
  // The callback may run inline or on an auth worker thread: always hop back to our loop (no
  // re-entrancy inside process()), and find the connection only if it still exists.
  core_->authenticator->authenticate(creds, [weak, host, loop](auth::AuthResult result) {
    host.post(loop, [weak, result = std::move(result)]() mutable {
      if (auto self = weak.lock()) self->auth_done(std::move(result));
    });
  });
}

void BinaryConnection::auth_done(auth::AuthResult r) {
  if (closed_ || state_ != State::kAuthenticating) return;  // timed out or closed meanwhile
  if (transport_) transport_->set_reading(true);
  if (!r.ok) {
    const herald_reason reason = r.reason == HERALD_REASON_OK ? HERALD_REASON_NOT_AUTHORIZED : r.reason;
    refuse(reason, r.text.empty() ? "authentication failed" : r.text);
    return;
  }
  // Section 5.2: the token's subject must be the user the client claims (and its device, if named).
  if (r.user_id != connect_.user.value) {
    refuse(HERALD_REASON_NOT_AUTHORIZED, "token subject does not match user");
    return;
  }
  if (!r.device_id.empty() && r.device_id != connect_.device.value) {
    refuse(HERALD_REASON_NOT_AUTHORIZED, "token is for another device");
    return;
  }
  // A cached verdict may outlive its token.
  if (r.expires_at > 0 && r.expires_at * 1000 <= core_->clock.unix_ms()) {
    refuse(HERALD_REASON_TOKEN_EXPIRED, "token expired");
    return;
  }
  open_session(r.expires_at);
}

void BinaryConnection::refuse(herald_reason reason, std::string_view text) {
  core_->metrics.connect(connect_label(reason));
  auth::Credentials c;
  c.password = connect_.token;
  core_->host.info("binary: connect refused for " + describe() + ": " + hex_reason(reason) + " " + std::string(text) +
                   (connect_.token.empty() ? std::string() : " token#" + auth::fingerprint(c)));
  connect_.token.clear();
  send_error(connect_request_id_, reason, text);
  state_ = State::kClosing;
  close_transport(true);
}

void BinaryConnection::open_session(int64_t expires_at) {
  const BinaryConfig& cfg = core_->config;
  connect_.token.clear();  // not needed any more; keep no secret in memory longer than necessary
  connect_timer_.cancel();
  state_ = State::kConnected;

  uint32_t server_max = std::min(cfg.max_frame_size, info_.max_packet_size);
  server_max = std::clamp(server_max, kMinAnnouncedFrame, hb::kMaxFrameSizeCeiling);
  limits_.max_frame_size = server_max;
  client_max_frame_ = connect_.max_frame_size == 0
                          ? hb::kDefaultMaxFrameSize
                          : std::clamp(connect_.max_frame_size, kMinAnnouncedFrame, hb::kMaxFrameSizeCeiling);
  uint32_t offered = 0;
  if (cfg.compression) offered |= hb::feature::kCompression;
  if (cfg.batch_ack) offered |= hb::feature::kBatchAck;

  session_.user = connect_.user.value;
  session_.device = connect_.device.value;
  session_.platform = connect_.platform;
  session_.app_version = connect_.app_version;
  session_.connection_id = info_.id;
  session_.loop = loop_;
  session_.listener = info_.listener;
  session_.peer = info_.peer;
  session_.features = connect_.features & offered;  // unknown bits are never echoed
  session_.token_expires_at = expires_at;
  session_.session_id = std::string(core_->host.node_id()) + "-" + std::to_string(info_.id);
  handle_ = std::make_shared<BinaryConnectionHandle>(core_->host, session_, weak_from_this());
  session_open_ = true;

  auto router = core_->router();
  hb::ConnectAckFrame ack;
  ack.version = session_.version;
  ack.features = session_.features;
  ack.heartbeat_s = seconds_ceil(cfg.heartbeat);
  ack.idle_timeout_s = seconds_ceil(cfg.idle_timeout);
  ack.max_frame_size = server_max == hb::kDefaultMaxFrameSize ? 0 : server_max;
  ack.session_id = session_.session_id;
  ack.server_time_ms = static_cast<uint64_t>(core_->clock.unix_ms());
  if (router) {
    try {
      ack.user_version = router->user_version(session_);
    } catch (const std::exception& e) {
      core_->host.warn(std::string("binary: router user_version failed: ") + e.what());
    }
  }
  if (core_->observer) core_->observer->on_session_open(handle_);
  if (closed_ || state_ != State::kConnected) return;  // the observer kicked us (policy)
  hb::Frame f;
  f.request_id = connect_request_id_;
  f.body = std::move(ack);
  send_frame(f);
  core_->metrics.connect(ConnectLabel::kOk);
  core_->host.debug("binary: session " + session_.session_id + " open for " + describe());
  if (router) {
    try {
      router->on_session_open(handle_);
    } catch (const std::exception& e) {
      core_->host.warn(std::string("binary: router on_session_open failed: ") + e.what());
    }
  }
  arm_idle_timer(static_cast<uint64_t>(cfg.idle_timeout.count()));
  arm_token_timer();
  process();  // frames pipelined behind CONNECT
}

// --- timers ---

void BinaryConnection::arm_idle_timer(uint64_t delay_ms) {
  // One one-shot timer per connection, re-armed only when it fires early: no per-frame timer work.
  idle_timer_ = core_->host.start_timer(loop_, std::max<uint64_t>(1, delay_ms), 0, [this] { on_idle_timer(); });
}

void BinaryConnection::on_idle_timer() {
  if (closed_ || state_ != State::kConnected) return;
  const uint64_t idle = static_cast<uint64_t>(core_->config.idle_timeout.count());
  const uint64_t silent = steady_now_ms() - last_rx_ms_;
  if (silent >= idle) {
    core_->metrics.heartbeat_timeouts.add();
    core_->host.debug("binary: idle timeout for " + describe());
    kick(HERALD_REASON_KEEPALIVE_TIMEOUT, "no frame within the idle timeout");
    return;
  }
  arm_idle_timer(idle - silent);
}

void BinaryConnection::arm_token_timer() {
  const int64_t expires_at = session_.token_expires_at;
  if (expires_at <= 0 || closed_ || state_ != State::kConnected) return;
  const int64_t left_ms = expires_at * 1000 - core_->clock.unix_ms();
  if (left_ms <= 0) {
    kick(HERALD_REASON_TOKEN_EXPIRED, "token expired");
    return;
  }
  // Re-check at the latest every token_recheck: a wall-clock step must not postpone the kick by hours.
  const uint64_t delay = static_cast<uint64_t>(std::min<int64_t>(left_ms, core_->config.token_recheck.count()));
  token_timer_ = core_->host.start_timer(loop_, std::max<uint64_t>(1, delay), 0, [this] { arm_token_timer(); });
}

// --- outbound ---

hb::EncodeStatus BinaryConnection::encode_and_send(const hb::Frame& frame) {
  if (!transport_ || closed_) return hb::EncodeStatus::kOk;
  out_.clear();
  hb::EncodeOptions o;
  o.max_frame_size = client_max_frame_;
  const hb::FrameType type = hb::frame_type(frame.body);
  o.compress = (session_.features & hb::feature::kCompression) && hb::may_be_compressed(type);
  auto st = hb::encode_frame(frame, out_, o);
  if (st != hb::EncodeStatus::kOk) return st;
  transport_->send(std::string_view(reinterpret_cast<const char*>(out_.data()), out_.size()));
  core_->metrics.tx(type);
  return st;
}

void BinaryConnection::send_frame(const hb::Frame& frame) {
  if (closed_ || state_ == State::kClosed) return;
  auto st = encode_and_send(frame);
  if (st != hb::EncodeStatus::kOk)
    core_->host.warn(std::string("binary: dropped a ") + hb::frame_type_name(hb::frame_type(frame.body)) + " to " +
                     describe() + ": it does not encode within the client's limits");
}

void BinaryConnection::respond(uint32_t request_id, hb::FrameBody body, bool priority) {
  if (closed_ || state_ == State::kClosed) return;
  hb::Frame f;
  f.request_id = request_id;
  f.priority = priority;
  f.body = std::move(body);
  auto st = encode_and_send(f);
  if (st == hb::EncodeStatus::kFrameTooLarge)
    send_error(request_id, HERALD_REASON_PAYLOAD_TOO_LARGE, "response exceeds the client's max frame size");
  else if (st != hb::EncodeStatus::kOk)
    send_error(request_id, HERALD_REASON_UNSPECIFIED_ERROR, "response could not be encoded");
}

void BinaryConnection::send_error(uint32_t request_id, herald_reason reason, std::string_view text) {
  hb::Frame f;
  f.request_id = request_id;
  f.body = hb::ErrorFrame{static_cast<uint16_t>(reason), std::string(text), 0};
  encode_and_send(f);
}

void BinaryConnection::kick(herald_reason reason, std::string_view text, std::string_view redirect) {
  if (closed_ || state_ == State::kClosing || state_ == State::kClosed) return;
  hb::Frame f;
  f.priority = true;  // section 3: KICK goes ahead of queued traffic where a queue exists
  f.body = hb::KickFrame{static_cast<uint16_t>(reason), std::string(text), std::string(redirect)};
  encode_and_send(f);
  core_->metrics.kick(reason);
  core_->host.debug("binary: kicked " + describe() + ": " + hex_reason(reason) + " " + std::string(text));
  end_ = SessionEnd::kKicked;
  state_ = State::kClosing;
  close_transport(true);
}

void BinaryConnection::drain(herald_reason reason, std::string_view text, std::string_view redirect) {
  if (state_ == State::kConnected) {
    kick(reason, text, redirect);
  } else if (state_ == State::kAwaitConnect || state_ == State::kAuthenticating) {
    state_ = State::kClosing;
    close_transport(false);
  }
}

// --- end ---

void BinaryConnection::on_close(CloseCause cause) {
  if (closed_) return;
  if (cause == CloseCause::kShutdown && state_ == State::kConnected && transport_) {
    // Herald is stopping: tell the client to reconnect (elsewhere) rather than letting it guess.
    hb::Frame f;
    f.priority = true;
    f.body = hb::KickFrame{HERALD_REASON_SERVER_SHUTTING_DOWN, "server shutting down", {}};
    encode_and_send(f);
    core_->metrics.kick(HERALD_REASON_SERVER_SHUTTING_DOWN);
    end_ = SessionEnd::kKicked;
  }
  closed_ = true;
  state_ = State::kClosed;
  connect_timer_.cancel();
  idle_timer_.cancel();
  token_timer_.cancel();
  transport_ = nullptr;
  connect_.token.clear();
  buffer_.clear();
  core_->connections[loop_ % core_->connections.size()].erase(this);
  core_->live.fetch_sub(1, std::memory_order_relaxed);
  if (!session_open_) return;
  session_open_ = false;
  handle_->mark_closed();
  if (core_->observer) core_->observer->on_session_closed(session_, end_);
  if (auto router = core_->router()) {
    try {
      router->on_session_closed(session_, end_);
    } catch (const std::exception& e) {
      core_->host.warn(std::string("binary: router on_session_closed failed: ") + e.what());
    }
  }
}

void BinaryConnection::abandon() {
  if (!closed_) {
    transport_ = nullptr;
    on_close(CloseCause::kNetworkError);
  }
}

}  // namespace herald::gateway::binary
