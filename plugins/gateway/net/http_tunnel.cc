// Tunnel sessions and their per-loop registry: seq-idempotent uploads, numbered and resendable
// downstream frames, one parked long-poll per session, idle expiry.
#include "net/http_tunnel.h"

#include <openssl/rand.h>

#include <chrono>

#include "net/frame_splitter.h"
#include "net/live_counter.h"
#include "net/loop_shard.h"

namespace herald::gateway {
namespace {

uint64_t now_ms() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}

// "<loop>-<24 url-safe random characters>": the loop index routes requests without a shared map;
// the random part (144 bits from OpenSSL's CSPRNG) makes ids unguessable.
std::string make_session_id(uint32_t loop) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  unsigned char raw[18];
  if (RAND_bytes(raw, sizeof(raw)) != 1) return {};
  std::string id = std::to_string(loop) + "-";
  for (size_t i = 0; i < sizeof(raw); i += 3) {
    uint32_t v = (uint32_t{raw[i]} << 16) | (uint32_t{raw[i + 1]} << 8) | raw[i + 2];
    for (int k = 3; k >= 0; --k) id += kAlphabet[(v >> (6 * k)) & 63];
  }
  return id;
}

HttpReply status_reply(int status) { return HttpReply{status, tunnel_headers(), {}}; }

constexpr uint64_t kGoneKeepMs = 10 * 60 * 1000;
constexpr size_t kGoneMax = 10000;

}  // namespace

std::vector<http::Header> tunnel_headers() { return {{"Cache-Control", "no-store"}}; }

TunnelSession::TunnelSession(LoopShard& shard, std::shared_ptr<ListenerRuntime> listener, std::string id,
                             ConnectionInfo info)
    : shard_(shard), listener_(std::move(listener)), id_(std::move(id)), info_(std::move(info)) {}

TunnelSession::~TunnelSession() = default;

bool TunnelSession::start(std::string_view first_body) {
  handler_ = listener_->factory(*this);
  if (!handler_) return false;
  listener_->transport_opened(TransportKind::kHttpTunnel);
  arm_idle();
  if (!first_body.empty()) deliver_up(first_body);
  return true;
}

void TunnelSession::deliver_up(std::string_view body) {
  listener_->metrics.bytes_received.add(static_cast<double>(body.size()));
  handler_->on_data(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(body.data()), body.size()));
}

void TunnelSession::send(std::string_view bytes) {
  if (closed_ || closing_ || bytes.empty()) return;
  partial_.append(bytes);
  std::string_view rest = partial_;
  while (!rest.empty()) {
    Split s = split_frame(info_.protocol, rest);
    if (s.status == SplitStatus::kIncomplete) break;
    // Not a frame at all (a handler bug): pass it on as one chunk rather than hold it forever.
    size_t n = s.status == SplitStatus::kFrame ? s.size : rest.size();
    unacked_.push_back(Frame{next_id_++, std::string(rest.substr(0, n))});
    unacked_bytes_ += n;
    rest.remove_prefix(n);
  }
  partial_.erase(0, partial_.size() - rest.size());
  if (unacked_bytes_ + partial_.size() > listener_->config.tunnel.max_buffered) {
    shard_.host().debug("tunnel " + id_ + ": unacknowledged downstream over the bound, closing");
    finish(CloseCause::kTooSlow);
    return;
  }
  if (poll_) schedule_answer();
}

void TunnelSession::schedule_answer() {
  if (answer_scheduled_) return;
  answer_scheduled_ = true;
  // Answer after this loop iteration so several sends share one response (as writes coalesce).
  shard_.host().post(info_.loop, [self = shared_from_this()] {
    self->answer_scheduled_ = false;
    if (!self->closed_) self->answer_poll();
  });
}

HttpReply TunnelSession::frames_reply() {
  HttpReply r{200, tunnel_headers(), {}};
  r.headers.push_back({"Content-Type", "application/x-herald-frames"});
  r.headers.push_back({"Herald-First-Frame", std::to_string(unacked_.front().id)});
  r.headers.push_back({"Herald-Last-Frame", std::to_string(unacked_.back().id)});
  r.body.reserve(unacked_bytes_);
  for (const auto& f : unacked_) r.body += f.bytes;
  listener_->metrics.bytes_sent.add(static_cast<double>(r.body.size()));
  return r;
}

void TunnelSession::answer_poll() {
  if (!poll_ || unacked_.empty()) return;
  auto reply = std::move(poll_->reply);
  poll_.reset();
  reply(frames_reply());
  arm_idle();
}

void TunnelSession::answer_poll_empty(int status) {
  if (!poll_) return;
  auto reply = std::move(poll_->reply);
  poll_.reset();
  reply(status_reply(status));
  arm_idle();
}

void TunnelSession::upstream(std::optional<uint64_t> seq, std::string body, ReplyFn reply) {
  if (seq) {
    if (*seq <= last_seq_) {  // a retry of an applied POST: acknowledge again, apply nothing
      reply(status_reply(204));
      arm_idle();
      return;
    }
    if (*seq > last_seq_ + 1) {
      reply(status_reply(409));
      arm_idle();
      return;
    }
    last_seq_ = *seq;
  }
  if (!reading_ || !held_.empty()) {
    // Backpressure: the reply waits too, so a well-behaved client does not send the next POST.
    held_.push_back(HeldUp{std::move(body), std::move(reply)});
    return;
  }
  deliver_up(body);
  reply(status_reply(204));
  arm_idle();
}

void TunnelSession::downstream(uint64_t after, uint32_t wait_ms, uint64_t poll_token, ReplyFn reply) {
  uint64_t first = unacked_.empty() ? next_id_ : unacked_.front().id;
  if (after + 1 < first) {  // the client lacks frames we already discarded: the tunnel is broken
    reply(status_reply(410));
    finish(CloseCause::kNetworkError);
    return;
  }
  if (after >= next_id_) {
    reply(status_reply(400));
    return;
  }
  while (!unacked_.empty() && unacked_.front().id <= after) {
    unacked_bytes_ -= unacked_.front().bytes.size();
    unacked_.pop_front();
  }
  answer_poll_empty(204);  // exactly one GET is pending per tunnel: the newer one wins
  if (closing_ && unacked_.empty() && partial_.empty()) {
    reply(status_reply(410));
    finish(CloseCause::kProtocolClosed);
    return;
  }
  if (!unacked_.empty()) {
    reply(frames_reply());
    arm_idle();
    return;
  }
  idle_.cancel();
  poll_.emplace(Poll{poll_token, std::move(reply), {}});
  poll_->timer = shard_.host().start_timer(info_.loop, wait_ms, 0, [this] { answer_poll_empty(204); });
}

void TunnelSession::cancel_poll(uint64_t poll_token) {
  if (!poll_ || poll_->token != poll_token) return;
  poll_.reset();
  arm_idle();
}

void TunnelSession::client_close(ReplyFn reply) {
  reply(status_reply(204));
  finish(CloseCause::kPeerClosed);
}

void TunnelSession::set_reading(bool enabled) {
  reading_ = enabled;
  while (reading_ && !closed_ && !held_.empty()) {
    HeldUp h = std::move(held_.front());
    held_.pop_front();
    deliver_up(h.body);
    h.reply(status_reply(204));
  }
  if (!closed_) arm_idle();
}

void TunnelSession::close(bool flush) {
  if (closed_) return;
  if (!flush || (unacked_.empty() && partial_.empty())) {
    finish(CloseCause::kProtocolClosed);
    return;
  }
  closing_ = true;  // finished when the client acknowledged everything, or at the idle timeout
  if (poll_) schedule_answer();
}

void TunnelSession::arm_idle() {
  if (closed_ || poll_) return;
  idle_ = shard_.host().start_timer(info_.loop, listener_->config.tunnel.idle_timeout_ms, 0, [this] {
    finish(closing_ ? CloseCause::kProtocolClosed : CloseCause::kNetworkError);
  });
}

void TunnelSession::finish(CloseCause cause) {
  if (closed_) return;
  closed_ = true;
  auto self = shared_from_this();
  idle_.cancel();
  if (poll_) {
    auto reply = std::move(poll_->reply);
    poll_.reset();
    reply(status_reply(410));
  }
  for (auto& h : held_) h.reply(status_reply(410));
  held_.clear();
  unacked_.clear();
  unacked_bytes_ = 0;
  // A DELETE or an idle expiry leaves an unknown tunnel (404); other ends say "gone" (410) for a while.
  bool tombstone = cause == CloseCause::kTooSlow || cause == CloseCause::kProtocolClosed;
  shard_.tunnels().remove(id_, tombstone);
  auto finish_task = [self, cause] {
    self->listener_->transport_closed(TransportKind::kHttpTunnel, cause);
    if (self->handler_) self->handler_->on_close(cause);
    self->handler_.reset();
    self->shard_.live().remove();
  };
  if (!shard_.host().post(info_.loop, finish_task)) finish_task();  // never re-entrant inside close()
}

TunnelRegistry::~TunnelRegistry() {
  // See ~LoopShard: sessions left after a timed-out stop are leaked, not destroyed off their loop.
  for (auto& [id, s] : sessions_) new std::shared_ptr<TunnelSession>(std::move(s));
}

void TunnelRegistry::open(std::shared_ptr<ListenerRuntime> listener, const ConnectionInfo& http_info,
                          std::string body, ReplyFn reply) {
  if (shard_.stopping()) {
    reply(status_reply(503));
    return;
  }
  if (listener->transports.load(std::memory_order_relaxed) >= listener->config.max_connections) {
    listener->metrics.refused_max_connections.add();
    reply(status_reply(503));
    return;
  }
  if (int st = check_whole_frames(listener->config.protocol, body, listener->config.max_packet_size); st != 0) {
    listener->metrics.refused_handshake.add();
    reply(status_reply(st));
    return;
  }
  std::string id = make_session_id(shard_.loop());
  if (id.empty()) {
    reply(status_reply(500));
    return;
  }
  ConnectionInfo info = http_info;
  info.id = next_connection_id();
  info.transport = TransportKind::kHttpTunnel;
  auto session = std::make_shared<TunnelSession>(shard_, listener, id, info);
  sessions_.emplace(id, session);
  shard_.live().add();
  if (!session->start(body)) {
    sessions_.erase(id);
    shard_.live().remove();
    listener->metrics.refused_handshake.add();
    reply(status_reply(503));
    return;
  }
  HttpReply ok = status_reply(200);
  ok.headers.push_back({"Herald-Tunnel", id});
  reply(std::move(ok));
}

std::shared_ptr<TunnelSession> TunnelRegistry::find(const std::string& id, const ListenerRuntime* listener,
                                                    bool* gone) {
  auto it = sessions_.find(id);
  if (it != sessions_.end() && &it->second->listener() == listener) return it->second;
  if (gone) *gone = gone_.count(id) > 0;
  return nullptr;
}

void TunnelRegistry::remove(const std::string& id, bool tombstone) {
  sessions_.erase(id);
  uint64_t now = now_ms();
  while (!gone_.empty() && (gone_.size() >= kGoneMax || now - gone_.begin()->second > kGoneKeepMs)) {
    // Cheap pruning: drop the oldest-inserted-by-key entries; exactness does not matter here.
    gone_.erase(gone_.begin());
    if (gone_.size() < kGoneMax) break;
  }
  if (tombstone) gone_[id] = now;
}

void TunnelRegistry::shutdown_all() {
  std::vector<std::shared_ptr<TunnelSession>> all;
  for (auto& [id, s] : sessions_) all.push_back(s);
  for (auto& s : all) s->shutdown();
}

}  // namespace herald::gateway
