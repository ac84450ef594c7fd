// Accepting clients. One listening socket per address, accepted on the listener's home loop; each
// accepted fd is posted to the next loop round-robin. Chosen over SO_REUSEPORT (one socket per loop)
// because the kernel's 4-tuple hash spreads few connections unevenly, port 0 would need a second
// bind round, and draining would have to close N sockets per address; the cost is one loop_post per
// accept, which is small next to a TCP (and TLS) handshake.
#include "net/listener.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "net/connection.h"
#include "net/http_server_connection.h"
#include "net/loop_shard.h"
#include "net/socket_address.h"
#include "net/stream_transport.h"
#include "net/websocket_transport.h"

namespace herald::gateway {
namespace {
std::atomic<uint64_t> g_connection_id{0};
constexpr int kAcceptBatch = 64;
constexpr int kBacklog = 1024;
}  // namespace

uint64_t next_connection_id() { return ++g_connection_id; }

Listener::Listener(sdk::Host host, std::shared_ptr<ListenerRuntime> runtime, const std::vector<LoopShard*>& shards,
                   uint32_t home_loop)
    : host_(host), runtime_(std::move(runtime)), shards_(shards), home_loop_(home_loop) {}

Listener::~Listener() {
  for (int fd : fds_) ::close(fd);
}

std::optional<std::string> Listener::bind() {
  for (const auto& spec : runtime_->config.bind) {
    int fd = -1;
    std::string bound;
    if (auto err = open_listen_socket(spec, kBacklog, fd, bound)) return "listener " + runtime_->config.name + ": " + *err;
    fds_.push_back(fd);
    addresses_.push_back(bound);
  }
  return std::nullopt;
}

void Listener::start_accepting() {
  watches_.clear();
  for (size_t i = 0; i < fds_.size(); ++i)
    watches_.push_back(host_.watch_fd(home_loop_, fds_[i], HERALD_FD_READ, [this, i](int, uint32_t) { on_acceptable(i); }));
}

void Listener::stop_accepting() {
  resume_.cancel();
  watches_.clear();
  for (int fd : fds_) ::close(fd);
  fds_.clear();
}

void Listener::pause_after_fd_exhaustion() {
  // Out of file descriptors: a level-triggered listening socket would spin. Pause briefly.
  host_.warn("listener " + runtime_->config.name + ": out of file descriptors, pausing accept for 100ms");
  watches_.clear();
  resume_ = host_.start_timer(home_loop_, 100, 0, [this] { start_accepting(); });
}

void Listener::on_acceptable(size_t index) {
  auto& rt = *runtime_;
  for (int i = 0; i < kAcceptBatch && index < fds_.size(); ++i) {
    sockaddr_storage peer{};
    socklen_t peer_len = sizeof(peer);
    int fd = ::accept4(fds_[index], reinterpret_cast<sockaddr*>(&peer), &peer_len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) pause_after_fd_exhaustion();
      return;
    }
    rt.metrics.accepted.add();
    if (!admit(peer)) {
      rt.metrics.refused_connection_rate.add();
      ::close(fd);
      continue;
    }
    if (rt.sockets.fetch_add(1, std::memory_order_relaxed) >= rt.config.max_connections) {
      rt.sockets.fetch_sub(1, std::memory_order_relaxed);
      rt.metrics.refused_max_connections.add();
      ::close(fd);
      continue;
    }
    hand_over(fd, peer);
  }
}

bool Listener::admit(const sockaddr_storage& peer) {
  const auto& cfg = runtime_->config;
  if (cfg.connection_rate <= 0 && cfg.connection_rate_per_ip <= 0) return true;
  auto now = std::chrono::steady_clock::now();
  auto burst = [](double rate, uint32_t configured) {
    return configured ? static_cast<double>(configured) : std::max(1.0, rate);
  };
  std::string ip;
  std::string text = format_address(peer, &ip);
  bool ok = true;
  const char* which = "";
  if (cfg.connection_rate_per_ip > 0) {
    auto it = per_ip_.find(ip);
    if (it == per_ip_.end()) {
      if (per_ip_.size() >= 65536) {  // bounded: forget addresses whose bucket is full again ...
        std::erase_if(per_ip_, [&](const auto& kv) { return kv.second.full_at(now); });
        if (per_ip_.size() >= 262144) per_ip_.clear();  // ... and never hold more than ~30 MB of them
      }
      it = per_ip_.emplace(ip, sdk::TokenBucket(cfg.connection_rate_per_ip,
                                                burst(cfg.connection_rate_per_ip, cfg.connection_burst_per_ip), now))
               .first;
    }
    ok = it->second.try_take(now).allowed;
    which = "connection_rate_per_ip";
  }
  if (ok && cfg.connection_rate > 0) {
    if (!rate_) rate_.emplace(cfg.connection_rate, burst(cfg.connection_rate, cfg.connection_burst), now);
    ok = rate_->try_take(now).allowed;
    which = "connection_rate";
  }
  if (!ok && now - last_rate_warning_ > std::chrono::seconds(10)) {  // one line per burst, not per socket
    last_rate_warning_ = now;
    host_.warn("listener " + cfg.name + ": " + which + " exceeded (latest from " + text +
               "); closing new sockets at accept until it recovers");
  }
  return ok;
}

void Listener::hand_over(int fd, const sockaddr_storage& peer) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  ConnectionInfo info;
  info.id = next_connection_id();
  info.peer = format_address(peer, &info.peer_ip);
  info.listener = runtime_->config.name;
  info.protocol = runtime_->config.protocol;
  info.max_packet_size = runtime_->config.max_packet_size;
  info.allow_anonymous = runtime_->config.allow_anonymous;
  uint32_t loop = next_loop_++ % static_cast<uint32_t>(shards_.size());
  info.loop = loop;
  LoopShard* shard = shards_[loop];
  auto runtime = runtime_;
  auto task = [shard, runtime, fd, info] {
    // The Connection owns the fd from here (closes it and releases the socket count).
    auto c = std::make_shared<Connection>(*shard, runtime, fd, info);
    if (!shard->adopt(c)) return;
    switch (runtime->config.transport) {
      case ListenerTransport::kTcp: c->start(&StreamTransport::create); break;
      case ListenerTransport::kWebSocket: c->start(&WebSocketTransport::create); break;
      case ListenerTransport::kHttpTunnel: c->start(&HttpServerConnection::create); break;
    }
  };
  if (loop == home_loop_) {
    task();
  } else if (!host_.post(loop, task)) {
    ::close(fd);
    runtime_->sockets.fetch_sub(1, std::memory_order_relaxed);
  }
}

}  // namespace herald::gateway
